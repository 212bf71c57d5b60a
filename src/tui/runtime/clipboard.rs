//! Copying text: an OSC 52 escape sequence for the terminal (works over SSH and in most
//! terminals), and the system clipboard tool where one is installed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::launch::find_program;

/// The clipboard tools tried, in order; the first one on `PATH` is used.
const TOOLS: [(&str, &[&str]); 4] = [
    ("wl-copy", &[]),
    ("xclip", &["-selection", "clipboard"]),
    ("xsel", &["-b"]),
    ("pbcopy", &[]),
];

/// How long a clipboard tool may take to read the text; the tools that stay running to serve
/// the selection fork and let their first process exit.
const TOOL_DEADLINE: Duration = Duration::from_secs(3);

/// `ESC ] 52 ; c ; <base64> BEL`: sets the terminal's clipboard to `text`.
pub fn osc52(text: &str) -> Vec<u8> {
    use base64::Engine;
    let mut sequence = b"\x1b]52;c;".to_vec();
    sequence.extend(
        base64::engine::general_purpose::STANDARD
            .encode(text)
            .into_bytes(),
    );
    sequence.push(0x07);
    sequence
}

/// The first clipboard tool found on `PATH`, with its arguments.
fn system_tool() -> Option<(PathBuf, &'static [&'static str])> {
    let base = std::env::current_dir().unwrap_or_default();
    TOOLS
        .iter()
        .find_map(|(name, args)| find_program(name, &base).map(|path| (path, *args)))
}

/// Feeds `text` to the system clipboard tool, if there is one. A failure is only logged: the
/// OSC 52 sequence has been sent anyway.
pub async fn copy_with_system_tool(text: String) {
    let Some((program, args)) = system_tool() else {
        return;
    };
    let copied = tokio::time::timeout(TOOL_DEADLINE, async {
        let mut child = tokio::process::Command::new(&program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes()).await?;
        }
        child.wait().await
    })
    .await;
    match copied {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => {
            tracing::warn!(program = %program.display(), %status, "clipboard tool failed")
        }
        Ok(Err(err)) => tracing::warn!(program = %program.display(), %err, "clipboard tool failed"),
        Err(_) => tracing::warn!(program = %program.display(), "clipboard tool timed out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_wraps_the_text_for_the_clipboard_selection() {
        assert_eq!(osc52("foo"), b"\x1b]52;c;Zm9v\x07");
    }
}
