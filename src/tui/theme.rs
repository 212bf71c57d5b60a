//! The styles every screen draws with, built from the `[theme]` colours. With `NO_COLOR` the
//! colours go away but bold, italic, dim and reverse stay, so the selection is still visible.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The colour names a theme may set; each has a default in `config/default.toml`.
pub const THEME_KEYS: [&str; 12] = [
    "accent",
    "dim",
    "user_message_bg",
    "selected_bg",
    "success",
    "failure",
    "diff_added",
    "diff_removed",
    "heading",
    "code",
    "live",
    "warning",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub no_color: bool,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub user_message: Style,
    pub reasoning: Style,
    pub success: Style,
    pub failure: Style,
    pub diff_added: Style,
    pub diff_removed: Style,
    pub heading: Style,
    pub code: Style,
    pub inline_code: Style,
    pub live: Style,
    pub warning: Style,
    pub error_status: Style,
    pub info_status: Style,
    pub border: Style,
    /// An occurrence of the search query.
    pub search_match: Style,
    /// The line of the current search match.
    pub current_match: Style,
}

impl Theme {
    /// Builds the theme from colour names; unknown names and colours are reported and skipped.
    pub fn from_colors(colors: &BTreeMap<String, String>, no_color: bool) -> (Theme, Vec<String>) {
        let mut problems = Vec::new();
        for key in colors.keys() {
            if !THEME_KEYS.contains(&key.as_str()) {
                problems.push(format!("theme: unknown entry {key:?}"));
            }
        }
        let mut parsed: BTreeMap<&str, Color> = BTreeMap::new();
        for (key, text) in colors {
            match Color::from_str(text) {
                Ok(color) => {
                    parsed.insert(key.as_str(), color);
                }
                Err(_) => problems.push(format!("theme: {key} = {text:?} is not a colour")),
            }
        }
        let color = |key: &str| {
            if no_color {
                None
            } else {
                parsed.get(key).copied()
            }
        };
        let fg = |key: &str| color(key).map_or(Style::new(), |c| Style::new().fg(c));
        let bg = |key: &str| color(key).map_or(Style::new(), |c| Style::new().bg(c));
        let dim = if no_color {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            fg("dim")
        };
        let selected = if no_color {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            bg("selected_bg").add_modifier(Modifier::BOLD)
        };
        let user_message = if no_color {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            bg("user_message_bg")
        };
        let theme = Theme {
            no_color,
            text: Style::new(),
            dim,
            accent: fg("accent"),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected,
            tab_active: fg("accent").add_modifier(Modifier::BOLD | Modifier::REVERSED),
            user_message,
            reasoning: dim.add_modifier(Modifier::ITALIC),
            success: fg("success"),
            failure: fg("failure"),
            diff_added: fg("diff_added"),
            diff_removed: fg("diff_removed"),
            heading: fg("heading").add_modifier(Modifier::BOLD),
            code: fg("code"),
            inline_code: fg("code"),
            live: fg("live").add_modifier(Modifier::BOLD),
            warning: fg("warning"),
            error_status: fg("failure").add_modifier(Modifier::BOLD),
            info_status: fg("accent"),
            border: dim,
            search_match: fg("warning").add_modifier(Modifier::REVERSED | Modifier::BOLD),
            current_match: selected,
        };
        (theme, problems)
    }
}
