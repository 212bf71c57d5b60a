//! The TUI config: the embedded `config/default.toml`, overridden entry by entry by the user's
//! `$XDG_CONFIG_HOME/codex-threads/config.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::keymap::{BindingEntry, Keymap, Mode};
use super::theme::Theme;
use crate::launch::LaunchMode;

/// The default keymap, theme and layout, compiled into the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/default.toml");

/// How many lines a list row takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Density {
    /// One line a row.
    #[default]
    Dense,
    /// A title line and a metadata line.
    Comfortable,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// The command that resumes a thread in Codex (`resume ID` is added to it).
    #[serde(default)]
    codex_command: Option<String>,
    /// Tell when a thread waits for the user, fails or finishes a turn.
    #[serde(default)]
    notifications: Option<bool>,
    /// Which of those events are told: `waiting`, `failed`, `finished`.
    #[serde(default)]
    notify_on: Option<Vec<NotifyOn>>,
    /// A program run once per event, without a shell.
    #[serde(default)]
    notify_command: Option<String>,
    /// Where Codex starts: "tmux-window", "tmux-pane" or "replace" (see `LaunchMode`).
    #[serde(default)]
    launch: Option<LaunchMode>,
    #[serde(default)]
    ui: UiSection,
    #[serde(default)]
    theme: BTreeMap<String, String>,
    #[serde(default)]
    keys: BTreeMap<Mode, Vec<BindingEntry>>,
    /// Model prices for `stats`; read by `usage::PriceTable`, not by the TUI config.
    #[serde(default)]
    #[allow(dead_code)]
    prices: Option<toml::Table>,
    /// Read by `sync` and `--store` (`crate::sync_policy`, `cli::store_url`), not the TUI.
    #[serde(default, rename = "store")]
    _store: Option<toml::Value>,
    #[serde(default, rename = "sync_exclude")]
    _sync_exclude: Option<toml::Value>,
    #[serde(default, rename = "redact")]
    _redact: Option<toml::Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiSection {
    #[serde(default)]
    layout: Option<Density>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NotifyOn {
    Waiting,
    Failed,
    Finished,
}

/// Which changes of a thread are told, and the command that is run for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySettings {
    /// `notifications = false` turns every notification off.
    pub enabled: bool,
    pub on_waiting: bool,
    pub on_failed: bool,
    pub on_finished: bool,
    /// Split into words as `codex_command` is; the event, thread id and title go in
    /// `CODEX_THREADS_EVENT`, `CODEX_THREADS_THREAD_ID` and `CODEX_THREADS_TITLE`.
    pub command: Option<String>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            enabled: true,
            on_waiting: true,
            on_failed: true,
            on_finished: true,
            command: None,
        }
    }
}

impl NotifySettings {
    pub fn wants(&self, event: crate::tui::app::NotifyEvent) -> bool {
        use crate::tui::app::NotifyEvent;
        self.enabled
            && match event {
                NotifyEvent::Waiting => self.on_waiting,
                NotifyEvent::Failed => self.on_failed,
                NotifyEvent::Finished => self.on_finished,
            }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub keymap: Keymap,
    pub theme: Theme,
    pub density: Density,
    /// Split into a program and its arguments when used (see `crate::launch`).
    pub codex_command: String,
    pub notify: NotifySettings,
    /// The configured launch mode; `None`: the default (`LaunchMode::resolve`).
    pub launch: Option<LaunchMode>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

impl Config {
    /// The embedded defaults merged with `user_text` (the user's file contents, if any).
    /// Returns the config and any non-fatal problems (unknown theme entries, bad colours).
    pub fn from_texts(
        user_text: Option<&str>,
        user_path: &str,
        no_color: bool,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let defaults = parse(DEFAULT_CONFIG, "default config")?;
        let user = match user_text {
            Some(text) => parse(text, user_path)?,
            None => ConfigFile::default(),
        };
        let keymap = Keymap::from_entries(&defaults.keys, &user.keys).map_err(|err| {
            ConfigError::Invalid {
                path: user_path.to_string(),
                message: err.to_string(),
            }
        })?;
        let mut colors = defaults.theme;
        colors.extend(user.theme);
        let (theme, problems) = Theme::from_colors(&colors, no_color);
        let density = user.ui.layout.or(defaults.ui.layout).unwrap_or_default();
        let codex_command = user
            .codex_command
            .or(defaults.codex_command)
            .unwrap_or_else(|| crate::launch::DEFAULT_CODEX_COMMAND.to_string());
        let notify_on = user
            .notify_on
            .or(defaults.notify_on)
            .unwrap_or_else(|| vec![NotifyOn::Waiting, NotifyOn::Failed, NotifyOn::Finished]);
        let notify = NotifySettings {
            enabled: user
                .notifications
                .or(defaults.notifications)
                .unwrap_or(true),
            on_waiting: notify_on.contains(&NotifyOn::Waiting),
            on_failed: notify_on.contains(&NotifyOn::Failed),
            on_finished: notify_on.contains(&NotifyOn::Finished),
            command: user
                .notify_command
                .or(defaults.notify_command)
                .filter(|command| !command.trim().is_empty()),
        };
        let launch = user.launch.or(defaults.launch);
        Ok((
            Config {
                keymap,
                theme,
                density,
                codex_command,
                notify,
                launch,
            },
            problems,
        ))
    }

    /// Only the embedded defaults.
    pub fn builtin(no_color: bool) -> Result<Config, ConfigError> {
        Config::from_texts(None, "", no_color).map(|(config, _)| config)
    }

    /// Loads the user's file at `path` (a missing file is fine) over the defaults.
    pub fn load(path: Option<&Path>, no_color: bool) -> Result<(Config, Vec<String>), ConfigError> {
        let Some(path) = path else {
            return Config::from_texts(None, "", no_color);
        };
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Config::from_texts(Some(&text), &shown, no_color),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Config::from_texts(None, &shown, no_color)
            }
            Err(source) => Err(ConfigError::Read {
                path: shown,
                source,
            }),
        }
    }
}

/// `$XDG_CONFIG_HOME/codex-threads/config.toml` (or the platform's config directory).
pub fn user_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::config_dir)?;
    Some(base.join("codex-threads").join("config.toml"))
}

fn parse(text: &str, path: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|err| ConfigError::Invalid {
        path: path.to_string(),
        message: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Action;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_embedded_defaults_parse_and_bind_the_documented_keys() {
        let config = Config::builtin(false).expect("default config");
        let keymap = &config.keymap;
        assert_eq!(
            keymap.action(Mode::List, &key(KeyCode::Char('j'))),
            Some(Action::MoveDown)
        );
        assert_eq!(
            keymap.action(Mode::List, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.action(
                Mode::History,
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.action(Mode::History, &key(KeyCode::Char(' '))),
            Some(Action::PageDown)
        );
        assert_eq!(config.density, Density::Dense);
        assert_eq!(config.codex_command, "codex");
        // The launch mode depends on where the TUI runs: none is written down.
        assert_eq!(config.launch, None);
        assert_eq!(
            keymap.action(Mode::List, &key(KeyCode::Char('N'))),
            Some(Action::NewCodexSession)
        );
    }

    #[test]
    fn a_user_entry_replaces_the_default_entry_for_its_action() {
        let user = r##"
            codex_command = "npx @openai/codex"
            launch = "tmux-pane"
            [ui]
            layout = "comfortable"
            [theme]
            accent = "#ff8800"
            [[keys.list]]
            action = "move_down"
            keys = ["n"]
        "##;
        let (config, problems) = Config::from_texts(Some(user), "user.toml", false).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let keymap = &config.keymap;
        assert_eq!(
            keymap.action(Mode::List, &key(KeyCode::Char('n'))),
            Some(Action::MoveDown)
        );
        assert_eq!(keymap.action(Mode::List, &key(KeyCode::Char('j'))), None);
        let entry = keymap
            .bindings(Mode::List)
            .iter()
            .find(|b| b.action == Action::MoveDown);
        assert_eq!(entry.map(|b| b.help.as_str()), Some("next thread"));
        assert_eq!(config.density, Density::Comfortable);
        assert_eq!(config.codex_command, "npx @openai/codex");
        assert_eq!(config.launch, Some(LaunchMode::TmuxPane));
        assert_eq!(
            LaunchMode::resolve(config.launch, true),
            LaunchMode::TmuxPane
        );
        assert_eq!(
            LaunchMode::resolve(config.launch, false),
            LaunchMode::Replace
        );
        assert_eq!(LaunchMode::resolve(None, true), LaunchMode::TmuxWindow);
        assert_eq!(LaunchMode::resolve(None, false), LaunchMode::Replace);
    }

    #[test]
    fn bad_user_files_are_errors_and_bad_colours_are_problems() {
        assert!(
            Config::from_texts(
                Some("[[keys.list]]\naction = \"fly\"\nkeys=[\"x\"]"),
                "u",
                false
            )
            .is_err()
        );
        assert!(
            Config::from_texts(
                Some("[[keys.list]]\naction = \"quit\"\nkeys=[\"Hyper-x\"]"),
                "u",
                false
            )
            .is_err()
        );
        assert!(Config::from_texts(Some("launch = \"tmux\""), "u", false).is_err());
        let (_, problems) =
            Config::from_texts(Some("[theme]\naccent = \"plaid\""), "u", false).unwrap();
        assert_eq!(problems.len(), 1);
    }
}
