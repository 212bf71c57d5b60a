//! Draws a `Grid` as an SVG image: a background, runs of cells sharing a background colour,
//! and runs of text sharing a style, each stretched to its cells' width so that columns line
//! up whatever monospace font the viewer has.

use std::fmt::Write as _;

use super::grid::{Cell, DEFAULT_BG, DEFAULT_FG, Grid, Style};

const CELL_WIDTH: f32 = 8.4;
const CELL_HEIGHT: f32 = 17.0;
const FONT_SIZE: f32 = 14.0;
/// The text's baseline, from the top of its row.
const BASELINE: f32 = 13.0;
const PADDING: f32 = 10.0;
const FONTS: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";

pub fn render(grid: &Grid) -> String {
    let width = PADDING * 2.0 + grid.cols as f32 * CELL_WIDTH;
    let height = PADDING * 2.0 + grid.rows.len() as f32 * CELL_HEIGHT;
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONTS}" font-size="{FONT_SIZE}">"#
    )
    .unwrap();
    writeln!(
        svg,
        r#"<rect width="100%" height="100%" rx="6" fill="{DEFAULT_BG}"/>"#
    )
    .unwrap();
    for (row, cells) in grid.rows.iter().enumerate() {
        let y = PADDING + row as f32 * CELL_HEIGHT;
        for (start, run) in runs(cells, |cell| cell.style.bg.clone()) {
            if let Some(bg) = &run[0].style.bg {
                let x = PADDING + start as f32 * CELL_WIDTH;
                let w = run.len() as f32 * CELL_WIDTH;
                writeln!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{CELL_HEIGHT}" fill="{bg}"/>"#
                )
                .unwrap();
            }
        }
        for (start, run) in runs(cells, |cell| cell.style.clone()) {
            let text: String = run.iter().filter_map(|cell| cell.text).collect();
            if text.trim().is_empty() {
                continue;
            }
            let x = PADDING + start as f32 * CELL_WIDTH;
            let length = run.len() as f32 * CELL_WIDTH;
            writeln!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" textLength="{length:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve"{}>{}</text>"#,
                y + BASELINE,
                attributes(&run[0].style),
                escape(&text)
            )
            .unwrap();
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// Consecutive cells with the same `key`, with the column each run starts at.
fn runs<K: PartialEq>(cells: &[Cell], key: impl Fn(&Cell) -> K) -> Vec<(usize, &[Cell])> {
    let mut runs = Vec::new();
    let mut start = 0;
    for end in 1..=cells.len() {
        if end == cells.len() || key(&cells[end]) != key(&cells[start]) {
            runs.push((start, &cells[start..end]));
            start = end;
        }
    }
    runs
}

fn attributes(style: &Style) -> String {
    let mut out = format!(r#" fill="{}""#, style.fg.as_deref().unwrap_or(DEFAULT_FG));
    if style.bold {
        out.push_str(r#" font-weight="bold""#);
    }
    if style.dim {
        out.push_str(r#" opacity="0.6""#);
    }
    if style.italic {
        out.push_str(r#" font-style="italic""#);
    }
    if style.underline {
        out.push_str(r#" text-decoration="underline""#);
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
