//! The thread list: tabs, the search line, rows in dense or comfortable layout, and the
//! empty and loading states.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::format::{branch, memory_label, relative_time, short_dir, sort_time};
use super::layout::{ScreenLayout, row_height};
use super::preview;
use super::search;
use super::status::{self, with_badge};
use crate::protocol::ThreadMemoryMode;
use crate::store::{SortKey, SourceFilter, StoredThread};
use crate::text::decimal_size;
use crate::text::sanitize::single_line;
use crate::tui::app::usage::RowUsage;
use crate::tui::app::{ListRow, Scope, State, Tab};
use crate::tui::config::Density;
use crate::tui::transcript::cells::format_count;
use crate::tui::transcript::wrap::{pad_line, truncate, truncate_line};
use crate::usage::ThreadFigures;

pub fn render(frame: &mut Frame, state: &State, layout: &ScreenLayout) {
    render_header(frame, state, layout.header);
    let full_text = state.prompt.is_some() || state.full_text.is_some();
    match layout.search {
        Some(area) if full_text => search::render_line(frame, state, area),
        Some(area) => render_search(frame, state, area),
        None => {}
    }
    match &state.full_text {
        Some(results) => search::render_results(frame, state, results, layout.body),
        None => render_rows(frame, state, layout.body),
    }
    if let Some(rect) = layout.preview {
        preview::render(frame, state, rect);
    }
}

fn render_header(frame: &mut Frame, state: &State, area: Rect) {
    let theme = &state.theme;
    let list = &state.list;
    let tab = |label: &str, active: bool| {
        Span::styled(
            format!(" {label} "),
            if active { theme.tab_active } else { theme.dim },
        )
    };
    let sort = match list.sort {
        SortKey::UpdatedAt => "updated",
        SortKey::CreatedAt => "created",
    };
    let scope = match list.scope {
        Scope::ThisDirectory => "this directory",
        Scope::All => "all directories",
    };
    let source = match &list.source {
        SourceFilter::All => "all sources".to_string(),
        SourceFilter::Interactive => "interactive only".to_string(),
        SourceFilter::Only(source) => format!("{} only", single_line(source)),
    };
    let mut spans = vec![
        tab("Local", list.tab == Tab::Local),
        Span::raw(" "),
        tab("Archived", list.tab == Tab::Archived),
    ];
    if list.attention_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" Need you ", theme.tab_active));
    }
    if let Some(project) = &list.project {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" @ {} ", truncate(&single_line(&project.name), 24)),
            theme.tab_active,
        ));
    }
    if list.grouped {
        spans.push(Span::styled("  by section ·", theme.dim));
    }
    spans.push(Span::styled(
        format!("  by {sort} · {scope} · {source}"),
        theme.dim,
    ));
    let line = with_badge(state, Line::from(spans), area.width);
    frame.render_widget(Paragraph::new(line), area);
}

fn render_search(frame: &mut Frame, state: &State, area: Rect) {
    let theme = &state.theme;
    let list = &state.list;
    let cursor = if list.searching { "▏" } else { "" };
    let mut count = format!(
        "{} match{}",
        list.matches.len(),
        if list.matches.len() == 1 { "" } else { "es" }
    );
    if list.loading.is_some() {
        count.push_str(" · loading more…");
    } else if list.has_more() {
        count.push_str(" · more not loaded");
    }
    let query = single_line(&list.query);
    let left = format!("/ {query}{cursor}");
    let width = usize::from(area.width);
    let gap = width.saturating_sub(left.width() + count.width()).max(1);
    let line = Line::from(vec![
        Span::styled(left, theme.accent),
        Span::raw(" ".repeat(gap)),
        Span::styled(count, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn render_rows(frame: &mut Frame, state: &State, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let list = &state.list;
    if let Some(message) = empty_message(state) {
        let text = Paragraph::new(Line::from(Span::styled(message, state.theme.dim)))
            .alignment(Alignment::Center);
        let middle = Rect {
            y: area.y + area.height / 2,
            height: 1,
            ..area
        };
        frame.render_widget(text, middle);
        return;
    }
    // The last column holds the "more above / below" markers.
    let row_width = usize::from(area.width.saturating_sub(1)).max(1);
    let per_page = (usize::from(area.height) / row_height(list.density)).max(1);
    let visible: Vec<(usize, &ListRow)> = list.visible_rows(per_page).collect();
    let metas: Vec<Vec<MetaPart>> = visible
        .iter()
        .map(|(_, row)| meta_parts(state, row))
        .collect();
    let columns = dense_columns(&metas, row_width);
    let mut lines: Vec<Line> = Vec::new();
    for ((position, row), meta) in visible.into_iter().zip(metas) {
        let selected = position == list.selected;
        lines.extend(row_lines(state, row, meta, &columns, selected, row_width));
    }
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            width: area.width.saturating_sub(1),
            ..area
        },
    );
    let marker_x = area.x + area.width - 1;
    let more_below = list.offset + per_page < list.matches.len() || list.has_more();
    if list.offset > 0 {
        frame.render_widget(
            Paragraph::new(Span::styled("▲", state.theme.accent)),
            Rect::new(marker_x, area.y, 1, 1),
        );
    }
    if more_below {
        let y = area.y + area.height - 1;
        frame.render_widget(
            Paragraph::new(Span::styled("▼", state.theme.accent)),
            Rect::new(marker_x, y, 1, 1),
        );
    }
}

fn empty_message(state: &State) -> Option<&'static str> {
    let list = &state.list;
    if !list.rows.is_empty() && !list.matches.is_empty() {
        return None;
    }
    Some(if !list.loaded_once {
        "Loading threads…"
    } else if list.rows.is_empty() {
        match (list.tab, list.scope) {
            (Tab::Archived, Scope::ThisDirectory) => "No archived threads in this directory",
            (Tab::Archived, Scope::All) => "No archived threads",
            (Tab::Local, Scope::ThisDirectory) => {
                "No threads in this directory (c shows every directory)"
            }
            (Tab::Local, Scope::All) if list.attention_only => {
                "Nothing needs you: no thread waits, and every finished one is read (! shows all)"
            }
            (Tab::Local, Scope::All) => "No threads yet",
        }
    } else if list.loading.is_some() || list.has_more() {
        "Searching… loading more threads"
    } else {
        "No results for your search"
    })
}

/// One row: one line (dense, metadata in aligned columns) or a title line and a metadata line
/// (comfortable).
fn row_lines(
    state: &State,
    row: &ListRow,
    meta: Vec<MetaPart>,
    columns: &[(u8, usize)],
    selected: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    // The pointer's column, then the mark column.
    let pointer = match (selected, state.list.is_marked(row.thread.thread_id)) {
        (true, true) => "›*",
        (true, false) => "› ",
        (false, true) => " *",
        (false, false) => "  ",
    };
    let [unread, status] = status::row_marks(&row.thread, theme);
    let title = single_line(row.thread.title());
    let title = if row.thread.private {
        format!("{PRIVATE_GLYPH} {title}")
    } else {
        title
    };
    let title = if row.thread.pinned() {
        format!("{PIN_GLYPH} {title}")
    } else {
        title
    };
    let lines = match state.list.density {
        Density::Dense => {
            let columns_width: usize = columns.iter().map(|(_, w)| w + 2).sum();
            let title_width = width.saturating_sub(5 + columns_width);
            let title = truncate(&title, title_width);
            let pad = title_width.saturating_sub(title.width());
            let mut spans = vec![
                Span::styled(pointer, theme.accent),
                unread,
                status,
                Span::raw(" "),
                Span::styled(title, theme.title),
                Span::raw(" ".repeat(pad)),
            ];
            for (rank, column_width) in columns {
                let part = meta.iter().find(|part| part.drop_rank == *rank);
                let (text, style) =
                    part.map_or((String::new(), theme.dim), |p| (p.text.clone(), p.style));
                let pad = column_width.saturating_sub(text.width());
                spans.push(Span::raw("  "));
                spans.push(Span::styled(text, style));
                spans.push(Span::raw(" ".repeat(pad)));
            }
            vec![truncate_line(Line::from(spans), width)]
        }
        Density::Comfortable => {
            let title = truncate(&title, width.saturating_sub(5));
            let first = Line::from(vec![
                Span::styled(pointer, theme.accent),
                unread,
                status,
                Span::raw(" "),
                Span::styled(title, theme.title),
            ]);
            let mut spans = vec![Span::raw("     ")];
            spans.extend(joined(meta, " · ", theme.dim));
            let second = truncate_line(Line::from(spans), width);
            vec![first, second]
        }
    };
    lines
        .into_iter()
        .map(|line| {
            if selected {
                pad_line(line, width, Style::new()).style(theme.selected)
            } else {
                line
            }
        })
        .collect()
}

/// The metadata columns of the dense layout, in display order, with their widths: the widest
/// value among the visible rows; the least important columns are dropped until they fit in
/// three fifths of the row.
fn dense_columns(metas: &[Vec<MetaPart>], width: usize) -> Vec<(u8, usize)> {
    let mut columns: Vec<(u8, usize)> = Vec::new();
    for part in metas.iter().flatten() {
        let part_width = part.text.width();
        match columns.iter_mut().find(|(rank, _)| *rank == part.drop_rank) {
            Some((_, column_width)) => *column_width = (*column_width).max(part_width),
            None => columns.push((part.drop_rank, part_width)),
        }
    }
    columns.sort_by_key(|(rank, _)| COLUMN_ORDER.iter().position(|r| r == rank));
    let budget = width * 3 / 5;
    while columns.len() > 1 && columns.iter().map(|(_, w)| w + 2).sum::<usize>() > budget {
        if let Some(index) = columns
            .iter()
            .enumerate()
            .min_by_key(|(_, (rank, _))| DROP_ORDER.iter().position(|r| r == rank))
            .map(|(i, _)| i)
        {
            columns.remove(index);
        }
    }
    columns
}

/// The dense layout's columns by drop rank, in display order: time, origin (threads of a shared
/// store), Codex section, Codex project, branch, directory, model, tokens, cost, size, memory.
const COLUMN_ORDER: [u8; 11] = [0, 1, 7, 8, 2, 6, 5, 4, 9, 10, 3];

/// Which column goes first when the row is narrow: directory, model, size, tokens, cost,
/// memory, Codex project, Codex section, branch, origin; the time stays. (At 80 columns the
/// cost stays beside the memory mode; with the preview pane open the figures are there.)
const DROP_ORDER: [u8; 11] = [6, 5, 10, 4, 9, 3, 8, 7, 2, 1, 0];

/// Before the title of a thread pinned in Codex.
pub const PIN_GLYPH: &str = "◆";

/// Before the title of a thread marked private (`sync` keeps it at home).
pub const PRIVATE_GLYPH: &str = "⌂";

/// A metadata field and which column it is (`drop_rank`: see `COLUMN_ORDER` and `DROP_ORDER`).
struct MetaPart {
    text: String,
    style: Style,
    drop_rank: u8,
}

fn meta_parts(state: &State, row: &ListRow) -> Vec<MetaPart> {
    let theme = &state.theme;
    let thread = &row.thread;
    let mut parts = vec![MetaPart {
        text: relative_time(state.now, sort_time(thread, state.list.sort)),
        style: theme.text,
        drop_rank: 0,
    }];
    if let Some(origin) = &thread.origin {
        // Which machine and home a thread of a shared store came from.
        parts.push(MetaPart {
            text: truncate(&single_line(&origin.label()), 28),
            style: theme.text,
            drop_rank: 1,
        });
    }
    // A pin shows as the glyph; another section by its name.
    if let Some(placement) = thread.section.as_ref().filter(|_| !thread.pinned()) {
        parts.push(MetaPart {
            text: format!("§ {}", truncate(&single_line(&placement.section.name), 20)),
            style: theme.accent,
            drop_rank: 7,
        });
    }
    if let Some(project) = &thread.project {
        parts.push(MetaPart {
            text: format!("@ {}", truncate(&single_line(&project.name), 20)),
            style: theme.accent,
            drop_rank: 8,
        });
    }
    if let Some(branch) = branch(thread) {
        parts.push(MetaPart {
            text: truncate(&single_line(branch), 24),
            style: theme.accent,
            drop_rank: 2,
        });
    }
    if state.list.scope == Scope::All && !thread.cwd.as_os_str().is_empty() {
        parts.push(MetaPart {
            text: short_dir(&single_line(&thread.cwd.to_string_lossy()), 28),
            style: theme.dim,
            drop_rank: 6,
        });
    }
    if let Some(model) = thread.model.as_deref().filter(|m| !m.is_empty()) {
        parts.push(MetaPart {
            // Room for the longest current names (`gpt-5.1-codex-mini`); the column is dropped,
            // not cut, when the row is narrow.
            text: truncate(&single_line(model), 28),
            style: theme.dim,
            drop_rank: 5,
        });
    }
    parts.extend(usage_parts(state, thread));
    let memory_style = match thread.memory_mode {
        ThreadMemoryMode::Enabled => theme.dim,
        ThreadMemoryMode::Disabled => theme.warning,
    };
    parts.push(MetaPart {
        text: memory_label(thread.memory_mode).to_string(),
        style: memory_style,
        drop_rank: 3,
    });
    parts
}

/// The thread's own tokens (rank 4), their cost (rank 9) and its size on disk (rank 10):
/// `…` while they are counted, `?` when they could not be.
fn usage_parts(state: &State, thread: &StoredThread) -> Vec<MetaPart> {
    let theme = &state.theme;
    let figures = match state.usage.get(&thread.thread_id) {
        RowUsage::Known(figures) => Some(figures),
        RowUsage::Counting | RowUsage::Failed(_) => None,
    };
    let unknown = match state.usage.get(&thread.thread_id) {
        RowUsage::Counting => "…",
        _ => "?",
    };
    let tokens = figures.and_then(|figures| figures.tokens).map_or_else(
        || unknown.to_string(),
        |tokens| format_count(tokens.total as i64),
    );
    let cost = figures
        .and_then(ThreadFigures::cost_label)
        .unwrap_or_else(|| match unknown {
            "?" => "$?".to_string(),
            counting => counting.to_string(),
        });
    let bytes = figures
        .and_then(|figures| figures.bytes)
        .or(thread.rollout_bytes)
        .map_or_else(|| unknown.to_string(), decimal_size);
    vec![
        MetaPart {
            text: format!("{tokens} tok"),
            style: theme.dim,
            drop_rank: 4,
        },
        MetaPart {
            text: cost,
            style: theme.dim,
            drop_rank: 9,
        },
        MetaPart {
            text: bytes,
            style: theme.dim,
            drop_rank: 10,
        },
    ]
}

fn joined(
    parts: Vec<MetaPart>,
    separator: &'static str,
    separator_style: Style,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            spans.push(Span::styled(separator, separator_style));
        }
        spans.push(Span::styled(part.text, part.style));
    }
    spans
}
