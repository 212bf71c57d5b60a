//! Where the tokens go: each thread's own model calls counted once (`count`), read from its
//! rollout (`scan`), priced (`price`) and grouped for `stats` and the stats screen (`report`);
//! a listed thread's own figures (`listed`).

mod count;
mod listed;
mod price;
mod report;
mod scan;

pub use count::{ThreadUsage, Tokens, UsageBucket};
pub use listed::{ModelPrice, PriceSource, ThreadFigures, figures_of, rollout_bytes};
pub use price::{DEFAULT_PRICES, Price, PriceError, PriceTable};
pub use report::{
    GroupBy, GroupRow, StatsFilter, StatsReport, ThreadFacts, group, project_of, week_of,
};
