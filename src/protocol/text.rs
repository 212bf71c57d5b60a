//! How Codex turns a user message into a preview and a title (codex-format §4.5).

use super::event_msg::UserMessageEvent;

/// Some flows wrap the user's words in a prompt; only the part after this marker counts.
pub const USER_REQUEST_MARKER: &str = "## My request for Codex:";

/// Placeholder preview for a message that has only images.
pub const IMAGE_PLACEHOLDER: &str = "[Image]";

/// The message text after the request marker, trimmed.
pub fn strip_user_message_prefix(message: &str) -> &str {
    match message.find(USER_REQUEST_MARKER) {
        Some(at) => message[at + USER_REQUEST_MARKER.len()..].trim(),
        None => message.trim(),
    }
}

/// The preview a user message gives: its normalised text, else `[Image]` when it carries images.
pub fn user_message_preview(event: &UserMessageEvent) -> Option<String> {
    let text = strip_user_message_prefix(&event.message);
    if !text.is_empty() {
        Some(text.to_string())
    } else if !event.images.is_empty() || !event.local_images.is_empty() {
        Some(IMAGE_PLACEHOLDER.to_string())
    } else {
        None
    }
}

/// The derived title a user message gives: its normalised text, never the image placeholder.
pub fn user_message_title(event: &UserMessageEvent) -> Option<String> {
    let text = strip_user_message_prefix(&event.message);
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, local_images: &[&str]) -> UserMessageEvent {
        UserMessageEvent {
            message: text.to_string(),
            local_images: local_images.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_request_marker_hides_the_wrapper() {
        let event = message("context here\n## My request for Codex:\n  fix it  ", &[]);
        assert_eq!(user_message_preview(&event).as_deref(), Some("fix it"));
        assert_eq!(user_message_title(&event).as_deref(), Some("fix it"));
    }

    #[test]
    fn image_only_messages_preview_as_image_but_give_no_title() {
        let event = message("   ", &["/tmp/a.png"]);
        assert_eq!(user_message_preview(&event).as_deref(), Some("[Image]"));
        assert_eq!(user_message_title(&event), None);
        assert_eq!(user_message_preview(&message("", &[])), None);
    }
}
