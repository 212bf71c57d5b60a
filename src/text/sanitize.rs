//! Makes text from rollouts safe to draw. Rollouts carry whatever a model or a command printed,
//! including escape sequences that would drive the terminal (clear the screen, set the clipboard
//! through OSC 52, change the title). Every render path that shows rollout text goes through
//! [`sanitize`] or [`single_line`], so no control character ever reaches the terminal raw.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Columns between tab stops when tabs are expanded.
pub const TAB_WIDTH: usize = 4;

/// Escapes every control character as visible text and expands tabs; newlines are kept so that
/// callers can split the text into lines. `\r\n` becomes `\n`.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escaping) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut column = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.push('\n');
                column = 0;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' => {
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            c if needs_escaping(c) => {
                let shown = escaped(c);
                column += shown.chars().count();
                out.push_str(&shown);
            }
            c => {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    Cow::Owned(out)
}

/// [`sanitize`], with line breaks turned into spaces: for one-line places such as list rows.
pub fn single_line(text: &str) -> String {
    let clean = sanitize(text);
    let mut out = String::with_capacity(clean.len());
    for (index, line) in clean.lines().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(line.trim_end());
    }
    out
}

fn needs_escaping(c: char) -> bool {
    c.is_control() && c != '\n' || is_bidi_control(c)
}

/// Bidirectional overrides reorder what follows them on screen; they are shown, not applied.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The visible form of one control character: ESC as `␛`, other C0 controls in caret form
/// (`^G`), DEL as `^?`, and C1 controls and bidi overrides as `\u{..}`.
fn escaped(c: char) -> String {
    match c {
        '\u{1b}' => "␛".to_string(),
        '\u{7f}' => "^?".to_string(),
        c if (c as u32) < 0x20 => format!("^{}", char::from(c as u8 + 0x40)),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc_52_clipboard_sequence_is_shown_not_sent() {
        let shown = sanitize("copy \u{1b}]52;c;SGVsbG8=\u{7} done");
        assert_eq!(shown, "copy ␛]52;c;SGVsbG8=^G done");
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'));
    }

    #[test]
    fn clear_screen_sequence_is_shown_not_sent() {
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a␛[2Jb");
    }

    #[test]
    fn c1_controls_bidi_overrides_and_del_are_escaped() {
        assert_eq!(sanitize("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(sanitize("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(sanitize("a\u{7f}"), "a^?");
    }

    #[test]
    fn tabs_expand_to_stops_and_crlf_becomes_lf() {
        assert_eq!(sanitize("a\tb\r\n\tc"), "a   b\n    c");
        assert_eq!(sanitize("lone\rreturn"), "lone^Mreturn");
    }

    #[test]
    fn plain_text_is_borrowed_and_single_line_joins_lines() {
        assert!(matches!(sanitize("plain text\nline"), Cow::Borrowed(_)));
        assert_eq!(single_line("one\ntwo  \n\u{1b}[1m"), "one two ␛[1m");
    }
}
