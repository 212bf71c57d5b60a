//! One `Action` enum, and the keymap that maps keys to actions per mode. The help overlay is
//! generated from the same entries, so a binding and its help text are defined once.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Everything a key can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    /// Leave the current mode: close a dialog, clear the search, go back to the list.
    Back,
    Help,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    StartSearch,
    /// Open the full-text search prompt (messages, commands, tool calls of every thread).
    FullTextSearch,
    /// Jump to the next / previous match of the query in the history.
    NextMatch,
    PrevMatch,
    /// Jump to the next / previous user prompt in the history.
    NextPrompt,
    PrevPrompt,
    NextTab,
    ToggleSort,
    ToggleScope,
    ToggleLayout,
    TogglePreview,
    /// Show every line of command and tool output in the history, or the first and last few.
    ToggleFullOutput,
    /// Show the model's raw reasoning text in the history, where the rollout has it.
    ToggleRawReasoning,
    Rename,
    ToggleMemory,
    Archive,
    Unarchive,
    /// Delete the thread (its rollout goes to the trash), or every marked thread.
    Delete,
    /// Mark or unmark the selected thread for an action on every marked thread.
    ToggleMark,
    /// Write the thread's history as Markdown to a file in the current directory.
    Export,
    /// Run `codex resume ID` in the thread's directory: in a tmux window or pane, or with the
    /// terminal handed to Codex (the config's `launch`).
    ResumeInCodex,
    /// Start a new Codex session (`codex_command` alone) in the thread's directory, the same
    /// way as `ResumeInCodex`.
    NewCodexSession,
    /// Ask what to copy of the thread: its id, its rollout path or its resume command.
    Copy,
    CopyId,
    CopyPath,
    CopyResumeCommand,
    /// Cycle the list's source filter: all, interactive, exec.
    CycleSource,
    /// Show only the threads that need the user, or every thread again.
    ToggleAttention,
    /// Mark the thread read when it is unread, else unread (where Codex keeps read state).
    ToggleRead,
    /// Pin the thread in Codex (its built-in "Pinned" section), or unpin it.
    TogglePin,
    /// Group the list by Codex section, or show it flat (pinned threads first).
    ToggleGrouped,
    /// Step the project filter through the listed threads' Codex projects, then all.
    CycleProject,
    /// Mark the thread (or every marked thread) private, so `sync` keeps it at home, or
    /// public again.
    TogglePrivate,
    /// Confirm a dialog, save an edit, keep a search.
    Accept,
    DeleteChar,
    /// Add the thread to the split view (at most four threads, followed side by side).
    AddToSplit,
    /// Show the split view.
    ShowSplit,
    /// Focus the next / previous pane of the split view.
    NextPane,
    PrevPane,
    /// Close the focused pane of the split view.
    ClosePane,
    /// Zoom the focused pane to the whole screen, or back.
    ZoomPane,
    /// Show the usage screen: tokens per day, per model, the threads that cost most.
    ShowStats,
    /// The usage screen's next time range (7 days, 30 days, 90 days, everything).
    NextRange,
    /// Show the trash view: the threads our delete moved to the trash.
    ShowTrash,
    /// Put the selected thread of the trash view back where it was deleted from.
    Restore,
    /// Show the disk screen: the largest threads, to archive, trash or compress.
    ShowDisk,
    /// Compress the thread's rollout to `.jsonl.zst` (the disk screen).
    Compress,
}

/// Where keys are looked up. `Global` bindings apply in every mode unless the mode binds the
/// same key itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Global,
    List,
    History,
    /// Several threads followed at once, one pane each.
    Split,
    /// The usage screen.
    Stats,
    /// The trash view.
    Trash,
    /// The disk screen: the largest threads.
    Disk,
    Search,
    /// The full-text search prompt.
    FullText,
    Edit,
    Confirm,
    /// The copy choice (id, path or resume command).
    Copy,
    Help,
}

impl Mode {
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::List => "Thread list",
            Mode::History => "Thread history",
            Mode::Split => "Split view",
            Mode::Stats => "Usage",
            Mode::Trash => "Trash",
            Mode::Disk => "Disk",
            Mode::Search => "Search",
            Mode::FullText => "Full-text search",
            Mode::Edit => "Rename",
            Mode::Confirm => "Confirmation",
            Mode::Copy => "Copy",
            Mode::Help => "Help",
        }
    }
}

/// A key with its modifiers. Shift is ignored for characters (`G` already says it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        KeyChord { code, modifiers }
    }

    pub fn from_event(event: &KeyEvent) -> Self {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Parses `j`, `G`, `?`, `Ctrl-c`, `PageDown`, `Space`, `F1`, … (case-insensitive names).
    pub fn parse(text: &str) -> Result<Self, KeyParseError> {
        let error = || KeyParseError(text.to_string());
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, skip) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            modifiers |= flag;
            rest = &rest[skip..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            _ => named_key(rest).ok_or_else(error)?,
        };
        Ok(KeyChord::new(code, modifiers))
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    let code = match lower.as_str() {
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "space" => KeyCode::Char(' '),
        other => {
            let number = other.strip_prefix('f')?.parse::<u8>().ok()?;
            KeyCode::F(number)
        }
    };
    Some(code)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {0:?}")]
pub struct KeyParseError(pub String);

/// One keymap entry: the keys, what they do, and the help line.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeyChord>,
    /// The keys as written in the config, for the help overlay.
    pub key_labels: Vec<String>,
    pub help: String,
}

impl Binding {
    pub fn keys_label(&self) -> String {
        self.key_labels.join(" ")
    }
}

/// An entry as the config file spells it.
#[derive(Clone, Debug, Deserialize)]
pub struct BindingEntry {
    pub action: Action,
    pub keys: Vec<String>,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

impl Keymap {
    /// Builds a keymap from the default entries, each replaced by a user entry with the same
    /// action in the same mode; user entries for other actions are added.
    pub fn from_entries(
        defaults: &BTreeMap<Mode, Vec<BindingEntry>>,
        overrides: &BTreeMap<Mode, Vec<BindingEntry>>,
    ) -> Result<Keymap, KeyParseError> {
        let mut modes: BTreeMap<Mode, Vec<Binding>> = BTreeMap::new();
        for (mode, entries) in defaults {
            let bindings = entries
                .iter()
                .map(|entry| binding(entry, None))
                .collect::<Result<_, _>>()?;
            modes.insert(*mode, bindings);
        }
        for (mode, entries) in overrides {
            let bindings = modes.entry(*mode).or_default();
            for entry in entries {
                match bindings.iter_mut().find(|b| b.action == entry.action) {
                    Some(existing) => *existing = binding(entry, Some(&existing.help))?,
                    None => bindings.push(binding(entry, None)?),
                }
            }
        }
        Ok(Keymap { modes })
    }

    /// The action a key asks for in `mode`, falling back to the global bindings.
    pub fn action(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        self.find(mode, chord)
            .or_else(|| self.find(Mode::Global, chord))
    }

    fn find(&self, mode: Mode, chord: KeyChord) -> Option<Action> {
        self.modes
            .get(&mode)?
            .iter()
            .find(|binding| binding.keys.contains(&chord))
            .map(|binding| binding.action)
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// The first key label bound to `action` in `mode`, for hints such as "? help".
    pub fn key_hint(&self, mode: Mode, action: Action) -> Option<&str> {
        self.bindings(mode)
            .iter()
            .chain(self.bindings(Mode::Global))
            .find(|binding| binding.action == action)
            .and_then(|binding| binding.key_labels.first())
            .map(String::as_str)
    }
}

fn binding(entry: &BindingEntry, fallback_help: Option<&str>) -> Result<Binding, KeyParseError> {
    let keys = entry
        .keys
        .iter()
        .map(|key| KeyChord::parse(key))
        .collect::<Result<Vec<_>, _>>()?;
    let help = entry
        .help
        .clone()
        .or_else(|| fallback_help.map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", entry.action));
    Ok(Binding {
        action: entry.action,
        keys,
        key_labels: entry.keys.clone(),
        help,
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}+{:?}", self.modifiers, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_characters_names_and_modifiers() {
        let chord = |code, modifiers| KeyChord::new(code, modifiers);
        assert_eq!(
            KeyChord::parse("j"),
            Ok(chord(KeyCode::Char('j'), KeyModifiers::NONE))
        );
        assert_eq!(
            KeyChord::parse("G"),
            Ok(chord(KeyCode::Char('G'), KeyModifiers::NONE))
        );
        assert_eq!(
            KeyChord::parse("-"),
            Ok(chord(KeyCode::Char('-'), KeyModifiers::NONE))
        );
        assert_eq!(
            KeyChord::parse("Ctrl-C"),
            Ok(chord(KeyCode::Char('c'), KeyModifiers::CONTROL))
        );
        assert_eq!(
            KeyChord::parse("pagedown"),
            Ok(chord(KeyCode::PageDown, KeyModifiers::NONE))
        );
        assert_eq!(
            KeyChord::parse("F5"),
            Ok(chord(KeyCode::F(5), KeyModifiers::NONE))
        );
        assert!(KeyChord::parse("Hyper-x").is_err());
        assert!(KeyChord::parse("").is_err());
    }

    #[test]
    fn shift_is_ignored_for_characters() {
        let event = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            KeyChord::from_event(&event),
            KeyChord::new(KeyCode::Char('G'), KeyModifiers::NONE)
        );
    }
}
