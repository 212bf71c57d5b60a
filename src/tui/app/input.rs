//! Text typed into the TUI's fields: which keys are characters, and the editing keys they share.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The character a key types into a prompt, if it types one.
pub(super) fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// The line-editing keys every text field shares, as in a shell: `Ctrl-U` deletes to the start
/// of the line (the whole field, which has no cursor), `Ctrl-W` the word before the end.
/// Returns false for other keys.
pub(super) fn edit_line(text: &mut String, key: &KeyEvent) -> bool {
    if !key.modifiers.contains(KeyModifiers::CONTROL) {
        return false;
    }
    match key.code {
        KeyCode::Char('u') => text.clear(),
        KeyCode::Char('w') => {
            let kept = text.trim_end().len();
            let word_start = text[..kept]
                .rfind(char::is_whitespace)
                .map_or(0, |at| at + 1);
            text.truncate(word_start);
        }
        _ => return false,
    }
    true
}
