//! Where the tokens go: each thread's own model calls counted once (`count`), read from its
//! rollout (`scan`), priced (`price`) and grouped for `stats` and the stats screen (`report`).

mod count;
mod price;
mod report;
mod scan;

pub use count::{ThreadUsage, Tokens, UsageBucket};
pub use price::{DEFAULT_PRICES, Price, PriceError, PriceTable};
pub use report::{
    GroupBy, GroupRow, StatsFilter, StatsReport, ThreadFacts, group, project_of, week_of,
};
