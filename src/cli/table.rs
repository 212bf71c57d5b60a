//! Output for a person: columns aligned under a header and fitted to the terminal's width
//! (100 columns when stdout is not a terminal, so piped output does not depend on where it
//! ran). Cells must already be sanitized (`single_line`).

use std::io::{IsTerminal, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The width used when stdout is not a terminal.
pub const DEFAULT_WIDTH: usize = 100;
const GAP: &str = "  ";
/// The last column keeps at least this much room, even when the line then runs over.
const MIN_LAST: usize = 20;

/// The terminal's width when stdout is one, else [`DEFAULT_WIDTH`].
pub fn output_width() -> usize {
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
        && cols > 0
    {
        return usize::from(cols);
    }
    DEFAULT_WIDTH
}

pub struct Column {
    pub header: &'static str,
    /// A cell longer than this is cut with an ellipsis.
    pub max: usize,
    /// When the line would not fit, the column gives up room down to this (the columns
    /// nearest the last one first).
    pub min: usize,
}

impl Column {
    /// A column that is as wide as its widest cell, up to `max`.
    pub fn new(header: &'static str, max: usize) -> Self {
        Column {
            header,
            max,
            min: max,
        }
    }

    /// A column that narrows to `min` when the line is short of room.
    pub fn shrinking(self, min: usize) -> Self {
        Column { min, ..self }
    }
}

/// Writes the header and the rows, each column as wide as its widest cell (up to its `max`);
/// the last column takes what is left of `width` and is not padded.
pub fn write_table(
    out: &mut dyn Write,
    columns: &[Column],
    rows: &[Vec<String>],
    width: usize,
) -> std::io::Result<()> {
    let Some((_, fixed)) = columns.split_last() else {
        return Ok(());
    };
    let mut widths: Vec<usize> = fixed
        .iter()
        .enumerate()
        .map(|(index, column)| {
            // Cells cut at `max`; the header is always whole.
            rows.iter()
                .map(|row| row[index].width())
                .max()
                .unwrap_or(0)
                .min(column.max)
                .max(column.header.width())
        })
        .collect();
    // An empty column (no header, no cell) takes no room at all.
    let gap = |w: usize| if w == 0 { 0 } else { w + GAP.len() };
    let used = |widths: &[usize]| widths.iter().map(|w| gap(*w)).sum::<usize>();
    for index in (0..widths.len()).rev() {
        let over = (used(&widths) + MIN_LAST).saturating_sub(width);
        let floor = fixed[index].min.max(fixed[index].header.width());
        let spare = widths[index].saturating_sub(floor);
        widths[index] -= over.min(spare);
    }
    let last = width.saturating_sub(used(&widths)).max(MIN_LAST);
    let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths).filter(|(_, w)| **w > 0) {
            line.push_str(&pad(&fit(cell, *width), *width));
            line.push_str(GAP);
        }
        if let Some(cell) = row.get(widths.len()) {
            line.push_str(&fit(cell, last));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `text` cut to `width` display columns, with an ellipsis when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        cut.push(c);
        used += w;
    }
    if width > 0 {
        cut.push('…');
    }
    cut
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_the_last_one_fits_the_width() {
        let columns = [
            Column::new("ID", 10),
            Column::new("", 1),
            Column::new("NAME", 8).shrinking(4),
            Column::new("TITLE", usize::MAX),
        ];
        let row = |id: &str, name: &str, title: &str| {
            vec![
                id.to_string(),
                String::new(),
                name.to_string(),
                title.to_string(),
            ]
        };
        let rows = vec![
            row("a1", "néant", "short"),
            row(
                "b22",
                "a-very-long-name",
                "a title much longer than the room left for it",
            ),
            row("c", "日本語", "x"),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &columns, &rows, 35).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID   NAME      TITLE\n\
             a1   néant     short\n\
             b22  a-very-…  a title much longer…\n\
             c    日本語    x\n"
        );
        // Short of room, NAME narrows to its minimum before the title gets less than 20.
        let mut out = Vec::new();
        write_table(&mut out, &columns, &rows, 31).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\nb22  a-v…  a title much longer…\n"),
            "{text}"
        );
        assert!(text.lines().all(|line| line.width() <= 31), "{text}");
    }
}
