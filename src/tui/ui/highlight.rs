//! Marks the occurrences of a search query in drawn lines (smart case, as the search matches).

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::text::find_query;

/// The byte ranges of every occurrence of `query` in `text`.
pub fn occurrences(text: &str, query: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let Some(range) = find_query(&text[from..], query) else {
            break;
        };
        if range.is_empty() {
            break;
        }
        found.push(from + range.start..from + range.end);
        from += range.end;
    }
    found
}

/// `line` with every occurrence of `query` patched with `style`, across span boundaries.
pub fn highlight(line: Line<'static>, query: &str, style: Style) -> Line<'static> {
    let text: String = line
        .spans
        .iter()
        .map(|span| span.content.as_ref())
        .collect();
    let ranges = occurrences(&text, query);
    if ranges.is_empty() {
        return line;
    }
    let Line {
        style: line_style,
        alignment,
        spans,
    } = line;
    let mut out = Vec::with_capacity(spans.len() + 2 * ranges.len());
    let mut span_start = 0;
    for span in spans {
        let span_end = span_start + span.content.len();
        let mut cut = span_start;
        for range in ranges
            .iter()
            .filter(|r| r.start < span_end && r.end > span_start)
        {
            let (start, end) = (range.start.max(span_start), range.end.min(span_end));
            if start > cut {
                out.push(Span::styled(text[cut..start].to_string(), span.style));
            }
            out.push(Span::styled(
                text[start..end].to_string(),
                span.style.patch(style),
            ));
            cut = end;
        }
        if cut < span_end {
            out.push(Span::styled(text[cut..span_end].to_string(), span.style));
        }
        span_start = span_end;
    }
    Line {
        style: line_style,
        alignment,
        spans: out,
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::Modifier;

    use super::*;

    #[test]
    fn every_occurrence_is_marked_even_across_spans() {
        let mark = Style::new().add_modifier(Modifier::REVERSED);
        let line = Line::from(vec![Span::raw("a Fo"), Span::raw("o b foo")]);
        let marked = highlight(line, "foo", mark);
        let parts: Vec<(&str, bool)> = marked
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == mark))
            .collect();
        assert_eq!(
            parts,
            [
                ("a ", false),
                ("Fo", true),
                ("o", true),
                (" b ", false),
                ("foo", true)
            ]
        );
        // A capital in the query makes it case-sensitive.
        assert_eq!(
            occurrences("Foo foo", "Foo"),
            vec![Range { start: 0, end: 3 }]
        );
    }
}
