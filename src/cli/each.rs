//! Commands over several threads: each reference is resolved and acted on alone, and the
//! failures are reported together at the end.

use crate::manager::ThreadManager;
use crate::protocol::ThreadId;
use crate::text::single_line;

/// The references a command was given: those that name a thread, and why the others do not.
pub(super) struct Resolved {
    pub(super) resolved: Vec<(String, ThreadId)>,
    pub(super) failed: Vec<(String, anyhow::Result<()>)>,
}

pub(super) async fn resolve_each(manager: &ThreadManager, references: &[String]) -> Resolved {
    let mut resolved = Resolved {
        resolved: Vec::new(),
        failed: Vec::new(),
    };
    for reference in references {
        match manager.resolve_thread(reference).await {
            Ok(id) if resolved.resolved.iter().any(|(_, seen)| *seen == id) => {}
            Ok(id) => resolved.resolved.push((reference.clone(), id)),
            Err(err) => resolved.failed.push((reference.clone(), Err(err.into()))),
        }
    }
    resolved
}

/// Failures of a command over several threads, already printed one a line on stderr; the
/// others were done.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of the threads failed")]
pub struct FailuresReported {
    pub failed: usize,
}

/// Prints each failure as one line on stderr (`codex-threads: THREAD: reason`); fails when
/// there was any.
pub(super) fn report_failures(
    outcomes: impl IntoIterator<Item = (String, anyhow::Result<()>)>,
) -> anyhow::Result<()> {
    let mut failed = 0;
    for (reference, outcome) in outcomes {
        if let Err(err) = outcome {
            failed += 1;
            let message = format!("{err:#}").replace('\n', " ");
            eprintln!(
                "codex-threads: {}: {}",
                single_line(&reference),
                single_line(&message)
            );
        }
    }
    if failed > 0 {
        return Err(FailuresReported { failed }.into());
    }
    Ok(())
}
