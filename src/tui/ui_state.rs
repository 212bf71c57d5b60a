//! The list layout and preview choices the user made last, remembered across runs in
//! `ui-state.toml` in the state directory. Reading never fails start-up: a missing or unreadable
//! file means "no choice yet", and the config's defaults apply.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::Density;

const FILE_NAME: &str = "ui-state.toml";

/// The remembered choices; a missing one leaves the config's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Density>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<bool>,
}

/// `$XDG_STATE_HOME/codex-threads/ui-state.toml` (beside the logs).
pub fn default_path() -> Option<PathBuf> {
    crate::logging::log_dir().map(|dir| dir.join(FILE_NAME))
}

impl UiState {
    /// The choices saved at `path`; nothing when the file is missing, unreadable or not valid.
    pub fn load(path: &Path) -> UiState {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                if err.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), %err, "cannot read the UI state");
                }
                return UiState::default();
            }
        };
        toml::from_str(&text).unwrap_or_else(|err| {
            tracing::warn!(path = %path.display(), %err, "ignoring an invalid UI state file");
            UiState::default()
        })
    }

    /// Writes the choices to `path` (a temporary file renamed over it, so a reader never sees
    /// half a file), making the directory when needed.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let text = toml::to_string(self).map_err(io::Error::other)?;
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        io::Write::write_all(&mut file, text.as_bytes())?;
        file.persist(path).map_err(|err| err.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_choices_load_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join(FILE_NAME);
        assert_eq!(UiState::load(&path), UiState::default());
        let chosen = UiState {
            layout: Some(Density::Comfortable),
            preview: Some(false),
        };
        chosen.save(&path).expect("save");
        assert_eq!(UiState::load(&path), chosen);
        let other = UiState {
            layout: Some(Density::Dense),
            preview: Some(true),
        };
        other.save(&path).expect("save over");
        assert_eq!(UiState::load(&path), other);
    }

    #[test]
    fn a_corrupt_or_partial_file_leaves_the_defaults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "layout = [\"not toml").expect("write");
        assert_eq!(UiState::load(&path), UiState::default());
        std::fs::write(&path, "layout = \"sideways\"\npreview = false").expect("write");
        assert_eq!(UiState::load(&path), UiState::default());
        std::fs::write(&path, "preview = false\nfuture = 1").expect("write");
        let partial = UiState::load(&path);
        assert_eq!((partial.layout, partial.preview), (None, Some(false)));
        // A directory where the file should be is unreadable, not fatal.
        assert_eq!(UiState::load(dir.path()), UiState::default());
    }
}
