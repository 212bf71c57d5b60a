//! The usage screen: tokens per day (or week) as a bar chart, a sparkline per model, and the
//! threads that cost most, for the range chosen. Reads only `State::stats`' summary.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};

use super::layout::ScreenLayout;
use crate::text::single_line;
use crate::tui::app::stats::{StatsLoad, StatsSummary};
use crate::tui::app::{Screen, State};
use crate::tui::keymap::{Action, Mode};
use crate::tui::transcript::wrap::truncate;

pub const HINTS: &[(Action, &str)] = &[
    (Action::Help, "help"),
    (Action::NextRange, "range"),
    (Action::Back, "list"),
];

/// Rows the bar chart takes when the screen has them.
const CHART_ROWS: u16 = 8;
/// Width of a model's or thread's name column.
const NAME_WIDTH: usize = 20;

pub fn render(frame: &mut Frame, state: &State, screen: &ScreenLayout) {
    debug_assert_eq!(state.screen, Screen::Stats);
    render_header(frame, state, screen.header);
    let body = screen.body;
    if body.height == 0 {
        return;
    }
    let theme = &state.theme;
    let message = match (&state.stats.load, &state.stats.summary) {
        (StatsLoad::Failed(error), _) => Some(format!("Usage not counted: {}", single_line(error))),
        (_, Some(_)) => None,
        _ => Some("Counting tokens…".to_string()),
    };
    if let Some(message) = message {
        let line = Line::from(Span::styled(
            truncate(&message, usize::from(body.width)),
            theme.dim,
        ));
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..body });
        return;
    }
    let Some(summary) = &state.stats.summary else {
        return;
    };
    let mut rest = body;
    let mut take = |rows: u16| {
        let rows = rows.min(rest.height);
        let taken = Rect {
            height: rows,
            ..rest
        };
        rest.y += rows;
        rest.height -= rows;
        taken
    };
    render_totals(frame, state, summary, take(1));
    let chart_rows = CHART_ROWS.min(body.height.saturating_sub(6)).max(3);
    render_chart(frame, state, summary, take(chart_rows), take(1));
    let models = take(summary.models.len() as u16 + 1);
    render_models(frame, state, summary, models);
    render_threads(frame, state, summary, rest);
}

fn render_header(frame: &mut Frame, state: &State, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let key = state
        .keymap
        .key_hint(Mode::Stats, Action::NextRange)
        .unwrap_or("t");
    let spans = vec![
        Span::styled(" Usage ", theme.tab_active),
        Span::styled(format!("  {}", state.stats.range.label()), theme.accent),
        Span::styled(format!(" · {key} changes the range"), theme.dim),
    ];
    let line = super::status::with_badge(state, Line::from(spans), area.width);
    frame.render_widget(Paragraph::new(line), area);
}

fn render_totals(frame: &mut Frame, state: &State, summary: &StatsSummary, area: Rect) {
    let theme = &state.theme;
    let mut text = format!(
        "{} tokens · {} in ({} cached) · {} out · {}",
        compact(summary.total.total),
        compact(summary.total.input),
        compact(summary.total.cached_input),
        compact(summary.total.output),
        cost_text(
            summary.cost,
            !summary.unpriced_models.is_empty(),
            summary.total.total
        ),
    );
    if !summary.prices_taken.is_empty() {
        text.push_str(&format!(" · prices {}", summary.prices_taken));
    }
    let line = Line::from(Span::styled(
        truncate(&text, usize::from(area.width)),
        theme.text,
    ));
    frame.render_widget(Paragraph::new(line), area);
}

fn render_chart(frame: &mut Frame, state: &State, summary: &StatsSummary, area: Rect, axis: Rect) {
    let theme = &state.theme;
    if area.height == 0 || area.width < 4 {
        return;
    }
    let width = usize::from(area.width);
    // The newest periods that fit, one column each at least.
    let shown = &summary.bars[summary.bars.len().saturating_sub(width)..];
    if shown.is_empty() {
        let line = Line::from(Span::styled("No model calls in this range", theme.dim));
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
        return;
    }
    let count = shown.len();
    let gap = u16::from(count * 2 <= width);
    let bar_width = ((width + usize::from(gap)) / count)
        .saturating_sub(usize::from(gap))
        .clamp(1, 6) as u16;
    let bars: Vec<Bar> = shown
        .iter()
        .map(|bar| Bar::default().value(bar.tokens).text_value(String::new()))
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(gap)
        .bar_style(theme.accent)
        .value_style(Style::default());
    frame.render_widget(chart, area);
    let top = shown.iter().map(|bar| bar.tokens).max().unwrap_or(0);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{} max", compact(top)),
            theme.dim,
        ))),
        Rect {
            height: 1,
            width: area.width.min(12),
            ..area
        },
    );
    if axis.height > 0 {
        let first = &shown[0].label;
        let last = &shown[count - 1].label;
        let used = usize::from(bar_width + gap) * count;
        let pad = used.saturating_sub(first.len() + last.len()).max(1);
        let text = truncate(&format!("{first}{}{last}", " ".repeat(pad)), width);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, theme.dim))),
            axis,
        );
    }
}

fn render_models(frame: &mut Frame, state: &State, summary: &StatsSummary, area: Rect) {
    let theme = &state.theme;
    if area.height == 0 {
        return;
    }
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled("Per model", theme.heading))),
        Rect { height: 1, ..area },
    );
    let width = usize::from(area.width);
    let figures_width = 20;
    let spark_width = width.saturating_sub(NAME_WIDTH + figures_width + 2);
    for (index, model) in summary.models.iter().enumerate() {
        let y = area.y + 1 + index as u16;
        if y >= area.y + area.height {
            break;
        }
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        let name = truncate(&single_line(&model.model), NAME_WIDTH - 1);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(name, theme.text))),
            Rect {
                width: NAME_WIDTH as u16,
                ..row
            },
        );
        if spark_width > 0 {
            let data = &model.series[model.series.len().saturating_sub(spark_width)..];
            frame.render_widget(
                Sparkline::default().data(data).style(theme.accent),
                Rect {
                    x: row.x + NAME_WIDTH as u16,
                    width: spark_width as u16,
                    ..row
                },
            );
        }
        let figures = format!(
            "{:>8} {:>10}",
            compact(model.tokens.total),
            cost_text(model.cost, false, model.tokens.total)
        );
        let x = row.x + (width.saturating_sub(figures_width)) as u16;
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(figures, theme.dim))),
            Rect {
                x,
                width: (figures_width as u16).min(row.width),
                ..row
            },
        );
    }
}

fn render_threads(frame: &mut Frame, state: &State, summary: &StatsSummary, area: Rect) {
    let theme = &state.theme;
    if area.height == 0 {
        return;
    }
    let width = usize::from(area.width);
    let mut lines = vec![Line::from(Span::styled(
        "Top threads by cost",
        theme.heading,
    ))];
    for thread in summary
        .threads
        .iter()
        .take(usize::from(area.height).saturating_sub(1))
    {
        let title = state
            .list
            .rows
            .iter()
            .find(|row| row.thread.thread_id == thread.id)
            .map(|row| single_line(row.thread.title()))
            .unwrap_or_else(|| thread.id.to_string());
        let figures = format!(
            "{:>10} {:>8}  ",
            cost_text(thread.cost, false, thread.tokens.total),
            compact(thread.tokens.total)
        );
        let title = truncate(&title, width.saturating_sub(figures.len()));
        lines.push(Line::from(vec![
            Span::styled(figures, theme.dim),
            Span::styled(title, theme.text),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `950`, `12.3k`, `4.5M`, `1.2B`.
fn compact(value: u64) -> String {
    match value {
        0..1_000 => value.to_string(),
        1_000..1_000_000 => format!("{:.1}k", value as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", value as f64 / 1e6),
        _ => format!("{:.1}B", value as f64 / 1e9),
    }
}

/// `$12.34`, `$12.34+` (some models without a price), or `no price`.
fn cost_text(cost: Option<f64>, partial: bool, tokens: u64) -> String {
    match cost {
        None if tokens == 0 => "$0.00".to_string(),
        None => "no price".to_string(),
        Some(cost) if partial => format!("${cost:.2}+"),
        Some(cost) => format!("${cost:.2}"),
    }
}
