//! A terminal screen as text and styles, one cell per column: captured from a `vt100` screen,
//! written to and read from a small text file, compared with volatile times left out, and
//! drawn as SVG.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// How a cell looks: colours as `#rrggbb` (`None`: the terminal's default) and attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Style {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The character shown; `None` for the right half of a wide character.
    pub text: Option<char>,
    pub style: Style,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub cols: usize,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub fn capture(screen: &vt100::Screen) -> Grid {
        let (rows, cols) = screen.size();
        let (rows, cols) = (rows.get(), cols.get());
        let rows = (0..rows)
            .map(|row| {
                (0..cols)
                    .map(|col| {
                        let cell = screen.cell(row, col).expect("a cell inside the screen");
                        capture_cell(cell)
                    })
                    .collect()
            })
            .collect();
        Grid {
            cols: usize::from(cols),
            rows,
        }
    }

    /// One row's text, one char per column (a wide character's right half as `\0`).
    pub fn row_text(&self, row: usize) -> String {
        self.rows[row]
            .iter()
            .map(|cell| cell.text.unwrap_or('\0'))
            .collect()
    }

    pub fn plain_text(&self) -> String {
        (0..self.rows.len())
            .map(|row| self.row_text(row).replace('\0', "").trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The file form: a header, the style table, then per row its text and one style letter
    /// per column.
    pub fn to_file(&self, header: &str) -> String {
        let mut styles: BTreeMap<&Style, char> = BTreeMap::new();
        for cell in self.rows.iter().flatten() {
            let next = STYLE_LETTERS.chars().nth(styles.len()).expect("few styles");
            styles.entry(&cell.style).or_insert(next);
        }
        let mut out = String::new();
        for line in header.lines() {
            writeln!(out, "# {line}").unwrap();
        }
        writeln!(out, "size {} {}", self.cols, self.rows.len()).unwrap();
        let mut table: Vec<_> = styles.iter().collect();
        table.sort_by_key(|(_, letter)| **letter);
        for (style, letter) in table {
            writeln!(out, "style {letter} {}", describe(style)).unwrap();
        }
        for row in &self.rows {
            let text: String = row.iter().filter_map(|cell| cell.text).collect();
            let letters: String = row.iter().map(|cell| styles[&cell.style]).collect();
            writeln!(out, "text {text}").unwrap();
            writeln!(out, "look {letters}").unwrap();
        }
        out
    }

    pub fn from_file(file: &str) -> Result<Grid, String> {
        let mut cols = 0;
        let mut styles = BTreeMap::new();
        let mut rows = Vec::new();
        let mut pending_text: Option<&str> = None;
        for line in file.lines().filter(|line| !line.starts_with('#')) {
            let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
            match tag {
                "size" => {
                    cols = rest
                        .split(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("a bad size line")?
                }
                "style" => {
                    let (letter, description) = rest.split_once(' ').unwrap_or((rest, ""));
                    let letter = letter.chars().next().ok_or("a style without a letter")?;
                    styles.insert(letter, parse_style(description)?);
                }
                "text" => pending_text = Some(rest),
                "look" => {
                    let text = pending_text.take().ok_or("a look line without text")?;
                    rows.push(parse_row(text, rest, &styles)?);
                }
                _ => return Err(format!("an unknown line: {line}")),
            }
        }
        Ok(Grid { cols, rows })
    }
}

/// Letters naming styles in the file form.
const STYLE_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn capture_cell(cell: &vt100::Cell) -> Cell {
    let text = if cell.is_wide_continuation() {
        None
    } else {
        Some(cell.contents().chars().next().unwrap_or(' '))
    };
    let (mut fg, mut bg) = (colour(cell.fgcolor()), colour(cell.bgcolor()));
    if cell.inverse() {
        // Drawn as the terminal would; the default colours swap too.
        (fg, bg) = (
            bg.or_else(|| Some(DEFAULT_BG.into())),
            fg.or_else(|| Some(DEFAULT_FG.into())),
        );
    }
    Cell {
        text,
        style: Style {
            fg,
            bg,
            bold: cell.bold(),
            dim: cell.dim(),
            italic: cell.italic(),
            underline: cell.underline(),
        },
    }
}

fn colour(colour: vt100::Color) -> Option<String> {
    match colour {
        vt100::Color::Default => None,
        vt100::Color::Idx(index) => Some(xterm_colour(index)),
        vt100::Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
    }
}

/// The xterm 256-colour palette: 16 system colours, a 6×6×6 cube, 24 greys.
fn xterm_colour(index: u8) -> String {
    const SYSTEM: [&str; 16] = [
        "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
        "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
    ];
    match index {
        0..=15 => SYSTEM[usize::from(index)].to_string(),
        16..=231 => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
            let n = index - 16;
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level(n / 6 % 6),
                level(n % 6)
            )
        }
        _ => {
            let grey = 8 + (index - 232) * 10;
            format!("#{grey:02x}{grey:02x}{grey:02x}")
        }
    }
}

fn describe(style: &Style) -> String {
    let mut parts = vec![
        format!("fg={}", style.fg.as_deref().unwrap_or("default")),
        format!("bg={}", style.bg.as_deref().unwrap_or("default")),
    ];
    for (on, name) in [
        (style.bold, "bold"),
        (style.dim, "dim"),
        (style.italic, "italic"),
        (style.underline, "underline"),
    ] {
        if on {
            parts.push(name.to_string());
        }
    }
    parts.join(" ")
}

fn parse_style(description: &str) -> Result<Style, String> {
    let mut style = Style::default();
    for part in description.split(' ') {
        let colour = |value: &str| (value != "default").then(|| value.to_string());
        match part.split_once('=') {
            Some(("fg", value)) => style.fg = colour(value),
            Some(("bg", value)) => style.bg = colour(value),
            None if part == "bold" => style.bold = true,
            None if part == "dim" => style.dim = true,
            None if part == "italic" => style.italic = true,
            None if part == "underline" => style.underline = true,
            _ => return Err(format!("an unknown style: {part}")),
        }
    }
    Ok(style)
}

fn parse_row(text: &str, looks: &str, styles: &BTreeMap<char, Style>) -> Result<Vec<Cell>, String> {
    let mut texts = Vec::new();
    for ch in text.chars() {
        texts.push(Some(ch));
        if ch.width() == Some(2) {
            texts.push(None);
        }
    }
    let looks: Vec<char> = looks.chars().collect();
    if texts.len() != looks.len() {
        return Err(format!(
            "a row of {} cells with {} styles",
            texts.len(),
            looks.len()
        ));
    }
    texts
        .into_iter()
        .zip(looks)
        .map(|(text, letter)| {
            let style = styles.get(&letter).ok_or(format!("no style {letter}"))?;
            Ok(Cell {
                text,
                style: style.clone(),
            })
        })
        .collect()
}

/// The terminal's own colours in the SVG: a dark theme.
pub const DEFAULT_FG: &str = "#d4d4d4";
pub const DEFAULT_BG: &str = "#1e1e1e";
