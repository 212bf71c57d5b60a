//! Screen geometry, in one place: the renderer draws into these areas and `update` uses the
//! same numbers for paging and scrolling.

use ratatui::layout::Rect;

use crate::tui::app::{Screen, State};
use crate::tui::config::Density;

/// The preview pane is shown beside the list from this width on.
pub const PREVIEW_MIN_WIDTH: u16 = 100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScreenLayout {
    pub banner: Option<Rect>,
    pub header: Rect,
    /// The search line of the list (when a search is typed or active).
    pub search: Option<Rect>,
    pub body: Rect,
    pub preview: Option<Rect>,
    pub footer: Rect,
}

pub fn screen_layout(area: Rect, state: &State) -> ScreenLayout {
    let mut rest = area;
    let mut take = |rows: u16| -> Rect {
        let rows = rows.min(rest.height);
        let taken = Rect {
            height: rows,
            ..rest
        };
        rest.y = rest.y.saturating_add(rows);
        rest.height -= rows;
        taken
    };
    let banner = state.banner.as_ref().map(|_| take(1));
    let header = take(1);
    let search = (state.screen == Screen::List
        && (state.list.shows_search_line() || state.prompt.is_some() || state.full_text.is_some()))
    .then(|| take(1));
    let footer_height = 1.min(rest.height);
    let footer = Rect {
        y: rest.y + rest.height - footer_height,
        height: footer_height,
        ..rest
    };
    let mut body = Rect {
        height: rest.height - footer_height,
        ..rest
    };
    let mut preview = None;
    if state.screen == Screen::List
        && state.full_text.is_none()
        && state.list.show_preview
        && area.width >= PREVIEW_MIN_WIDTH
    {
        let list_width = body.width * 11 / 20;
        preview = Some(Rect {
            x: body.x + list_width,
            width: body.width - list_width,
            ..body
        });
        body.width = list_width;
    }
    ScreenLayout {
        banner,
        header,
        search,
        body,
        preview,
        footer,
    }
}

/// The body area at the state's current size.
pub fn body_area(state: &State) -> Rect {
    let area = Rect::new(0, 0, state.size.width, state.size.height);
    screen_layout(area, state).body
}

pub fn row_height(density: Density) -> usize {
    match density {
        Density::Dense => 1,
        Density::Comfortable => 2,
    }
}

/// How many list rows fit in the body.
pub fn list_rows_per_page(state: &State) -> usize {
    (usize::from(body_area(state).height) / row_height(state.list.density)).max(1)
}

/// Lines a full-text search result takes: the title and the first hit's snippet.
pub const RESULT_ROW_HEIGHT: usize = 2;

/// How many full-text search results fit in the body.
pub fn results_rows_per_page(state: &State) -> usize {
    (usize::from(body_area(state).height) / RESULT_ROW_HEIGHT).max(1)
}

/// How many transcript lines fit in the history body.
pub fn history_page_lines(state: &State) -> usize {
    usize::from(body_area(state).height).max(1)
}

/// The width the preview pane's text is laid out at, when the pane is shown.
pub fn preview_text_width(state: &State) -> Option<usize> {
    let area = Rect::new(0, 0, state.size.width, state.size.height);
    screen_layout(area, state)
        .preview
        .map(|pane| crate::tui::ui::preview::text_width(pane.width))
}

/// The width transcript cells are laid out at.
pub fn history_content_width(state: &State) -> usize {
    usize::from(state.size.width).max(1)
}
