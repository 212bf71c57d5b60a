//! `export`: a thread's history streamed to stdout or to a file, its secrets replaced on
//! request.

use std::io::Write;
use std::path::Path;

use super::store_sync::user_sync_policy;
use crate::export::{self, ExportFormat};
use crate::manager::ThreadManager;
use crate::redact::Redactor;

/// `export THREAD [--format F] [-o FILE] [--redact]`.
pub(super) async fn export_thread(
    manager: &ThreadManager,
    thread: &str,
    format: ExportFormat,
    output: Option<&Path>,
    redact: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = manager.resolve_thread(thread).await?;
    let redactor = if redact {
        Some(
            user_sync_policy(true)?
                .redactor
                .unwrap_or_else(Redactor::builtin),
        )
    } else {
        None
    };
    match output {
        Some(path) => {
            export::export_to_file_with(manager, id, format, path, redactor.as_ref()).await?;
        }
        None => {
            export::export_thread_with(manager, id, format, &mut *out, redactor.as_ref()).await?;
        }
    }
    Ok(())
}
