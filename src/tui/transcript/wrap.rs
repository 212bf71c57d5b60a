//! Word wrapping of styled text to a width, with a prefix on the first and following lines.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps `spans` at word boundaries to `width` columns. Words longer than a line are broken.
/// Every output line starts with `first_prefix` (the first) or `rest_prefix` (the others).
pub fn wrap_spans(
    spans: &[Span<'static>],
    width: usize,
    first_prefix: &[Span<'static>],
    rest_prefix: &[Span<'static>],
) -> Vec<Line<'static>> {
    let mut wrapper = Wrapper {
        width,
        first_prefix,
        rest_prefix,
        lines: Vec::new(),
        current: first_prefix.to_vec(),
        used: 0,
    };
    for span in spans {
        for (text, is_space) in runs(&span.content) {
            if is_space {
                wrapper.space(text, span.style);
            } else {
                wrapper.word(text, span.style);
            }
        }
    }
    wrapper.finish()
}

/// Wraps plain text (which may hold newlines) in one style.
pub fn wrap_text(
    text: &str,
    style: Style,
    width: usize,
    first_prefix: &[Span<'static>],
    rest_prefix: &[Span<'static>],
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let prefix = if index == 0 {
            first_prefix
        } else {
            rest_prefix
        };
        lines.extend(wrap_spans(
            &[Span::styled(line.to_string(), style)],
            width,
            prefix,
            rest_prefix,
        ));
    }
    lines
}

/// Breaks one line of text at exactly `width` columns, keeping every space (for code and
/// command output, where indentation matters).
pub fn wrap_chars(
    text: &str,
    style: Style,
    width: usize,
    first_prefix: &[Span<'static>],
    rest_prefix: &[Span<'static>],
) -> Vec<Line<'static>> {
    let prefix_width = |prefix: &[Span<'static>]| prefix.iter().map(Span::width).sum::<usize>();
    let mut lines = Vec::new();
    let mut prefix = first_prefix;
    let mut chunk = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        let available = width.saturating_sub(prefix_width(prefix)).max(1);
        if used + w > available && used > 0 {
            let mut spans = prefix.to_vec();
            spans.push(Span::styled(std::mem::take(&mut chunk), style));
            lines.push(Line::from(spans));
            prefix = rest_prefix;
            used = 0;
        }
        chunk.push(c);
        used += w;
    }
    let mut spans = prefix.to_vec();
    spans.push(Span::styled(chunk, style));
    lines.push(Line::from(spans));
    lines
}

/// Cuts `text` to `width` columns, ending with `…` when something was cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads a line with spaces in `style` to `width` columns (for tinted backgrounds).
pub fn pad_line(mut line: Line<'static>, width: usize, style: Style) -> Line<'static> {
    let used = line.width();
    if used < width {
        line.spans
            .push(Span::styled(" ".repeat(width - used), style));
    }
    line
}

struct Wrapper<'p> {
    width: usize,
    first_prefix: &'p [Span<'static>],
    rest_prefix: &'p [Span<'static>],
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    /// Columns used on the current line after its prefix.
    used: usize,
}

impl Wrapper<'_> {
    fn available(&self) -> usize {
        let prefix = if self.lines.is_empty() {
            self.first_prefix
        } else {
            self.rest_prefix
        };
        let prefix_width: usize = prefix.iter().map(Span::width).sum();
        self.width.saturating_sub(prefix_width).max(1)
    }

    fn space(&mut self, text: &str, style: Style) {
        if self.used == 0 {
            return;
        }
        let w = text.width();
        if self.used + w <= self.available() {
            self.push(text, style, w);
        } else {
            self.break_line();
        }
    }

    fn word(&mut self, text: &str, style: Style) {
        let w = text.width();
        if self.used + w <= self.available() {
            self.push(text, style, w);
            return;
        }
        if self.used > 0 && w <= self.available_on_next_line() {
            self.break_line();
            self.push(text, style, w);
            return;
        }
        for c in text.chars() {
            let cw = c.width().unwrap_or(0);
            if self.used + cw > self.available() && self.used > 0 {
                self.break_line();
            }
            let mut buf = [0u8; 4];
            self.push(c.encode_utf8(&mut buf), style, cw);
        }
    }

    fn available_on_next_line(&self) -> usize {
        let prefix_width: usize = self.rest_prefix.iter().map(Span::width).sum();
        self.width.saturating_sub(prefix_width).max(1)
    }

    fn push(&mut self, text: &str, style: Style, width: usize) {
        self.used += width;
        if let Some(last) = self.current.last_mut()
            && last.style == style
            && self.used > width
        {
            last.content.to_mut().push_str(text);
            return;
        }
        self.current.push(Span::styled(text.to_string(), style));
    }

    fn break_line(&mut self) {
        let mut spans = std::mem::replace(&mut self.current, self.rest_prefix.to_vec());
        if self.used > 0
            && let Some(last) = spans.last_mut()
        {
            let trimmed = last.content.trim_end().to_string();
            last.content = trimmed.into();
        }
        self.lines.push(Line::from(spans));
        self.used = 0;
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        if self.used > 0 || self.lines.is_empty() {
            self.break_line();
        }
        self.lines
    }
}

/// Splits text into alternating runs of whitespace and non-whitespace.
fn runs(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<bool> = None;
    for (index, c) in text.char_indices() {
        let space = c.is_whitespace();
        if current.is_some_and(|kind| kind != space) {
            out.push((&text[start..index], !space));
            start = index;
        }
        current = Some(space);
    }
    if let Some(space) = current {
        out.push((&text[start..], space));
    }
    out
}

/// A line cut to `width` columns, span by span.
pub fn truncate_line(line: Line<'static>, width: usize) -> Line<'static> {
    let mut used = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        let span_width = span.width();
        if used + span_width <= width {
            used += span_width;
            spans.push(span);
        } else {
            let room = width.saturating_sub(used);
            if room > 0 {
                spans.push(Span::styled(truncate(&span.content, room), span.style));
            }
            break;
        }
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'static>]) -> Vec<String> {
        lines.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn wraps_words_with_prefixes() {
        let lines = wrap_spans(
            &[Span::raw("the quick brown fox jumps")],
            12,
            &[Span::raw("• ")],
            &[Span::raw("  ")],
        );
        assert_eq!(plain(&lines), ["• the quick", "  brown fox", "  jumps"]);
    }

    #[test]
    fn breaks_long_words_and_survives_tiny_widths() {
        let lines = wrap_spans(&[Span::raw("abcdefghij")], 4, &[], &[]);
        assert_eq!(plain(&lines), ["abcd", "efgh", "ij"]);
        let lines = wrap_spans(&[Span::raw("abc")], 0, &[Span::raw("> ")], &[]);
        assert!(!lines.is_empty());
        assert_eq!(plain(&wrap_spans(&[], 10, &[Span::raw("› ")], &[])), ["› "]);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("hi", 6), "hi");
        assert_eq!(truncate("hi", 0), "");
    }
}
