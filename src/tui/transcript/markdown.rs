//! A small markdown-to-lines renderer for assistant messages: headings, bullet and numbered
//! lists, block quotes, fenced code blocks, inline code and bold. Anything else is shown as text.
//! The input must already be sanitized.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::wrap::{wrap_chars, wrap_spans};
use crate::tui::theme::Theme;

/// Renders `text` to lines of at most `width` columns. The first line starts with
/// `first_prefix`, the others with `rest_prefix` (a bullet and its indentation).
pub fn render_markdown(
    text: &str,
    width: usize,
    theme: &Theme,
    first_prefix: &[Span<'static>],
    rest_prefix: &[Span<'static>],
) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut in_code = false;
    let mut last_blank = true;
    for raw in text.trim_matches('\n').lines() {
        let prefix = if out.is_empty() {
            first_prefix
        } else {
            rest_prefix
        };
        let trimmed = raw.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            let code_prefix = with(prefix, "  ", Style::new());
            let code_rest = with(rest_prefix, "  ", Style::new());
            out.extend(wrap_chars(raw, theme.code, width, &code_prefix, &code_rest));
            last_blank = false;
            continue;
        }
        if trimmed.is_empty() {
            if !last_blank {
                out.push(Line::from(rest_prefix.to_vec()));
            }
            last_blank = true;
            continue;
        }
        last_blank = false;
        let indent = " ".repeat(raw.len() - trimmed.len());
        if let Some((level, heading)) = heading(trimmed) {
            let style = if level == 1 {
                theme.heading.add_modifier(Modifier::UNDERLINED)
            } else {
                theme.heading
            };
            out.extend(wrap_spans(
                &inline(heading, style, theme),
                width,
                prefix,
                rest_prefix,
            ));
        } else if let Some((marker, item)) = list_item(trimmed) {
            let first = with(prefix, &format!("{indent}{marker}"), theme.dim);
            let hanging = " ".repeat(indent.len() + marker.chars().count());
            let rest = with(rest_prefix, &hanging, Style::new());
            out.extend(wrap_spans(
                &inline(item, Style::new(), theme),
                width,
                &first,
                &rest,
            ));
        } else if let Some(quoted) = trimmed.strip_prefix('>') {
            let first = with(prefix, "▌ ", theme.dim);
            let rest = with(rest_prefix, "▌ ", theme.dim);
            let style = theme.dim.add_modifier(Modifier::ITALIC);
            out.extend(wrap_spans(
                &inline(quoted.trim_start(), style, theme),
                width,
                &first,
                &rest,
            ));
        } else {
            out.extend(wrap_spans(
                &inline(trimmed, Style::new(), theme),
                width,
                prefix,
                rest_prefix,
            ));
        }
    }
    while out.len() > 1
        && out
            .last()
            .is_some_and(|line| line.width() == prefix_width(rest_prefix))
    {
        out.pop();
    }
    if out.is_empty() {
        out.push(Line::from(first_prefix.to_vec()));
    }
    out
}

fn prefix_width(prefix: &[Span<'static>]) -> usize {
    prefix.iter().map(Span::width).sum()
}

fn with(prefix: &[Span<'static>], text: &str, style: Style) -> Vec<Span<'static>> {
    let mut spans = prefix.to_vec();
    if !text.is_empty() {
        spans.push(Span::styled(text.to_string(), style));
    }
    spans
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&level) {
        line[level..]
            .strip_prefix(' ')
            .map(|text| (level, text.trim()))
    } else {
        None
    }
}

/// `- item`, `* item`, `+ item` become `• item`; `12. item` keeps its number.
fn list_item(line: &str) -> Option<(String, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(item) = line.strip_prefix(bullet) {
            return Some(("• ".to_string(), item));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &line[digits..];
        if let Some(item) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((format!("{}. ", &line[..digits]), item));
        }
    }
    None
}

/// Inline markup: `code` and **bold**; unmatched markers stay as text.
fn inline(text: &str, base: Style, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            flush(&mut spans, &mut plain, base);
            spans.push(Span::styled(after[..end].to_string(), theme.inline_code));
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**").filter(|end| *end > 0)
        {
            flush(&mut spans, &mut plain, base);
            spans.push(Span::styled(
                after[..end].to_string(),
                base.add_modifier(Modifier::BOLD),
            ));
            rest = &after[end + 2..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            plain.push(c);
        }
        rest = chars.as_str();
    }
    flush(&mut spans, &mut plain, base);
    spans
}

fn flush(spans: &mut Vec<Span<'static>>, plain: &mut String, style: Style) {
    if !plain.is_empty() {
        spans.push(Span::styled(std::mem::take(plain), style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::config::Config;

    fn render(text: &str, width: usize) -> Vec<String> {
        let theme = Config::builtin(true).expect("config").theme;
        render_markdown(text, width, &theme, &[Span::raw("• ")], &[Span::raw("  ")])
            .iter()
            .map(|line| line.to_string())
            .collect()
    }

    #[test]
    fn renders_headings_lists_code_and_inline_markup() {
        let text = "# Title\n\nSome `code` and **bold**.\n\n- one\n- two is longer\n\n```rust\nfn main() {\n    x();\n}\n```\n1. first";
        assert_eq!(
            render(text, 40),
            [
                "• Title",
                "  ",
                "  Some code and bold.",
                "  ",
                "  • one",
                "  • two is longer",
                "  ",
                "    fn main() {",
                "        x();",
                "    }",
                "  1. first",
            ]
        );
    }

    #[test]
    fn list_items_wrap_with_a_hanging_indent() {
        assert_eq!(
            render("- alpha beta gamma", 14),
            ["• • alpha beta", "    gamma"]
        );
    }
}
