//! Everything the UI shows, in one value that only `update` changes.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Offset, Utc};
use ratatui::layout::Size;
use ratatui::text::Line;
use ratatui_textarea::TextArea;

use super::full_text::SearchResults;
use super::history::HistoryView;
use super::list::ListView;
use super::msg::{BulkAction, Effect};
use super::split::SplitView;
use super::stats::StatsView;
use super::supervise::Supervision;
use super::trash::TrashView;
use crate::history::MessageRole;
use crate::launch::LaunchMode;
use crate::protocol::ThreadId;
use crate::tui::config::{Config, NotifySettings};
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::theme::Theme;

/// How many threads' previews are kept.
const PREVIEW_CACHE_SIZE: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    List,
    History,
    /// Several threads followed at once (`State::split`).
    Split,
    /// Usage: tokens per day, per model, the threads that cost most (`State::stats`).
    Stats,
    /// The threads our delete moved to the trash (`State::trash`).
    Trash,
    /// The largest threads, to prune (`State::disk`).
    Disk,
}

#[derive(Clone, Debug)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Rename(Box<RenameDialog>),
    Confirm(ConfirmDialog),
    /// What of a thread to copy: a key picks it.
    Copy(CopyChoice),
}

/// The copy choice's subject: what each of its keys copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyChoice {
    pub thread_id: ThreadId,
    pub rollout_path: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct RenameDialog {
    pub thread_id: ThreadId,
    pub include_archived: bool,
    pub textarea: TextArea<'static>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmAction {
    Archive(ThreadId),
    Unarchive(ThreadId),
    Delete(ThreadId),
    /// One action on every marked thread.
    Bulk {
        action: BulkAction,
        ids: Vec<ThreadId>,
    },
    /// A prune action from the disk screen, on a thread of this size.
    Prune {
        action: crate::prune::PruneAction,
        id: ThreadId,
        bytes: u64,
    },
}

#[derive(Clone, Debug)]
pub struct ConfirmDialog {
    pub action: ConfirmAction,
    /// The thread's title, as the question shows it (for several threads: how many).
    pub title: String,
    /// Who has the thread (or one of them) open, if anyone: said before it is moved.
    pub held_by: Option<crate::rollout::Holder>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
    /// When it was set; a tick clears it once it has been read (see `Status::expired`).
    pub since: DateTime<Utc>,
}

impl Status {
    /// A note is gone after a few seconds, an error stays a little longer; then the key hints
    /// are back.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        let shown_for = match self.kind {
            StatusKind::Info => chrono::Duration::seconds(4),
            StatusKind::Error => chrono::Duration::seconds(10),
        };
        now - self.since >= shown_for
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    Loading,
    Ready(PreviewMessages),
    Failed(String),
}

/// A thread's last messages, and their lines as the pane shows them (Markdown rendered like the
/// history's), made once per width rather than every frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviewMessages {
    pub messages: Vec<(MessageRole, String)>,
    /// The lines and the width they were made for.
    pub rendered: Option<(usize, Vec<Line<'static>>)>,
}

impl PreviewMessages {
    /// The lines for `width`, when they have been made for it.
    pub fn lines(&self, width: usize) -> Option<&[Line<'static>]> {
        self.rendered
            .as_ref()
            .filter(|(made_for, _)| *made_for == width)
            .map(|(_, lines)| lines.as_slice())
    }
}

/// The last messages of recently selected threads.
#[derive(Clone, Debug, Default)]
pub struct PreviewCache {
    entries: HashMap<ThreadId, Preview>,
    order: VecDeque<ThreadId>,
}

impl PreviewCache {
    pub fn get(&self, id: &ThreadId) -> Option<&Preview> {
        self.entries.get(id)
    }

    pub fn insert(&mut self, id: ThreadId, preview: Preview) {
        if self.entries.insert(id, preview).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > PREVIEW_CACHE_SIZE {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }

    pub fn get_mut(&mut self, id: &ThreadId) -> Option<&mut Preview> {
        self.entries.get_mut(id)
    }

    pub fn remove(&mut self, id: &ThreadId) {
        self.entries.remove(id);
        self.order.retain(|kept| kept != id);
    }
}

#[derive(Clone, Debug)]
pub struct State {
    /// The clock relative times are measured against (set by `Msg::Tick`).
    pub now: DateTime<Utc>,
    /// The offset absolute times are shown in.
    pub utc_offset: FixedOffset,
    pub size: Size,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub list: ListView,
    pub history: Option<HistoryView>,
    /// The threads of the split view, kept (and followed) while other screens show.
    pub split: SplitView,
    /// The usage screen's range and what it shows.
    pub stats: StatsView,
    /// The trash view's threads and selection.
    pub trash: TrashView,
    /// The disk screen's largest threads.
    pub disk: super::disk::DiskView,
    /// The listed threads' own tokens, cost and size.
    pub usage: super::usage::UsageView,
    /// The full-text query being typed: across every thread from the list, within the thread
    /// from the history.
    pub prompt: Option<String>,
    /// The prompt still holds the previous query untouched: typing replaces it.
    pub prompt_prefilled: bool,
    /// The results of the last full-text search; shown instead of the list while set.
    pub full_text: Option<SearchResults>,
    pub previews: PreviewCache,
    pub status: Option<Status>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// A line shown above everything (e.g. "Demo home — …").
    pub banner: Option<String>,
    /// The directory of the "this directory" scope.
    pub cwd: PathBuf,
    /// The config's `codex_command`, for resuming a thread in Codex.
    pub codex_command: String,
    /// The user's config file, as messages name it ("set codex_command in …").
    pub config_label: String,
    /// What the supervision polls know: transitions, the attention count.
    pub supervision: Supervision,
    /// Which changes are told, and how.
    pub notify: NotifySettings,
    /// Where Codex starts (the config's `launch`, resolved for this terminal).
    pub launch_mode: LaunchMode,
    /// When Codex, run in this terminal, last gave it back: a Ctrl-C soon after was meant for
    /// Codex (see `quit`).
    pub codex_back_at: Option<DateTime<Utc>>,
    /// The question "N threads are working; quit? y/N", while the status line asks it.
    pub quit_question: Option<String>,
    pub quit: bool,
    next_request_id: u64,
}

impl State {
    pub fn new(config: Config, cwd: PathBuf, now: DateTime<Utc>) -> Self {
        State {
            now,
            utc_offset: Utc.fix(),
            size: Size::new(80, 24),
            screen: Screen::List,
            overlay: None,
            list: ListView::new(config.density),
            history: None,
            split: SplitView::default(),
            stats: StatsView::default(),
            trash: TrashView::default(),
            disk: Default::default(),
            usage: Default::default(),
            prompt: None,
            prompt_prefilled: false,
            full_text: None,
            previews: PreviewCache::default(),
            status: None,
            keymap: config.keymap,
            theme: config.theme,
            banner: None,
            cwd,
            codex_command: config.codex_command,
            config_label: "the config file".to_string(),
            supervision: Supervision::default(),
            notify: config.notify,
            launch_mode: LaunchMode::resolve(config.launch, false),
            codex_back_at: None,
            quit_question: None,
            quit: false,
            next_request_id: 1,
        }
    }

    /// Where keys are looked up now.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Help { .. }) => Mode::Help,
            Some(Overlay::Rename(_)) => Mode::Edit,
            Some(Overlay::Confirm(_)) => Mode::Confirm,
            Some(Overlay::Copy(_)) => Mode::Copy,
            None if self.prompt.is_some() => Mode::FullText,
            None => match self.screen {
                Screen::List if self.list.searching => Mode::Search,
                Screen::List => Mode::List,
                Screen::History => Mode::History,
                Screen::Split => Mode::Split,
                Screen::Stats => Mode::Stats,
                Screen::Trash => Mode::Trash,
                Screen::Disk => Mode::Disk,
            },
        }
    }

    pub fn next_request_id(&mut self) -> u64 {
        let id = self.next_request_id;
        self.next_request_id += 1;
        id
    }

    pub fn set_error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            kind: StatusKind::Error,
            text: text.into(),
            since: self.now,
        });
    }

    /// The page the history view needs next, when it nears an edge of what is loaded.
    pub fn history_page_request(&mut self) -> Vec<Effect> {
        let page_lines = crate::tui::ui::layout::history_page_lines(self);
        self.history
            .as_mut()
            .and_then(|history| history.next_page_request(page_lines))
            .into_iter()
            .collect()
    }

    pub fn set_info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            kind: StatusKind::Info,
            text: text.into(),
            since: self.now,
        });
    }
}
