//! `search` prints each thread's heading once, however its hits arrive: the rollouts are
//! searched in parallel and each has more hits than one burst, so without the store keeping a
//! rollout's hits together they would interleave and a thread would be headed again.

mod common;

use common::binary::{run, stdout};
use common::{TestHome, ThreadSpec};

const THREADS: usize = 6;
/// Turns per thread whose messages hold the query: several bursts of hits per rollout.
const TURNS: usize = 400;

#[test]
fn each_thread_is_headed_once_however_many_hits_it_has() {
    let home = TestHome::new();
    let mut ids = Vec::new();
    for thread in 0..THREADS {
        let mut spec = ThreadSpec::new();
        for turn in 0..TURNS {
            spec = spec.turn(
                &format!("needle thread {thread} turn {turn}"),
                &format!("the needle again, {turn}"),
            );
        }
        home.add_thread(&spec);
        ids.push(spec.id.to_string());
    }
    let text = stdout(&run(home.path(), &["search", "needle"]));
    let headings: Vec<&str> = text
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with(' '))
        .collect();
    for id in &ids {
        let count = headings.iter().filter(|line| line.contains(id)).count();
        assert_eq!(count, 1, "thread {id} is headed {count} times");
    }
    assert_eq!(headings.len(), THREADS, "{headings:#?}");
    // Every hit is printed, under its own thread's heading.
    let mut thread = None;
    let mut hits = vec![0usize; THREADS];
    for line in text.lines().filter(|line| !line.is_empty()) {
        if !line.starts_with(' ') {
            thread = ids.iter().position(|id| line.contains(id));
            continue;
        }
        let index = thread.expect("a hit under a heading");
        assert!(line.contains("needle"), "{line}");
        hits[index] += 1;
    }
    assert!(hits.iter().all(|&count| count >= 2 * TURNS), "{hits:?}");
}
