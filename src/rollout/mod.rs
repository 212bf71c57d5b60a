//! A Codex home on disk: paths and file names, plain and `.zst` rollouts, forward and backward
//! line readers with opaque cursors, the appender, and `session_index.jsonl`.
//! Knows nothing of SQLite or the UI.

mod appender;
mod compress;
mod files;
mod git;
mod home;
mod home_check;
mod lines;
mod moves;
mod reader;
mod search;
mod session_index;
mod source;
mod trash;
mod trash_entries;
mod watched;
mod writer_locks;
mod zst_names;

pub use appender::{AppendError, RolloutWriter, append_line, materialize};
pub use compress::{
    COMPRESS_TEMP_SUFFIX, CompressError, Compressed, compress_rollout, is_abandoned_compress_temp,
    same_bytes,
};
pub use files::{
    FileError, error_reason, file_error, name_file, open_regular, open_regular_with,
    read_regular_to_string,
};
pub use git::collect_git_info;
pub use home::{
    ARCHIVED_SESSIONS_SUBDIR, CodexHome, Discovery, RolloutFile, SESSION_INDEX_FILE,
    SESSIONS_SUBDIR, SkippedEntry, parse_rollout_file_name, rollout_date_parts,
};
pub use home_check::{BadHome, HomePresence, check_home};
pub use moves::{move_no_replace, same_file};
pub use reader::{
    HistoryEntry, HistoryPage, LineOffset, MAX_LINE_BYTES, PAGE_BYTES, QUIET, ReadLimits,
    RolloutPager, ScanEnd, SkipCounts, read_backward, read_forward, read_head, scan_lines,
};
pub use search::{ByteMatcher, find_matching_lines};
pub use session_index::{
    SessionIndexEntry, append_thread_name, find_newest_thread_name, find_thread_ids_by_name,
    find_thread_name, read_newest_thread_names, read_thread_names, remove_thread_names,
};
pub use source::{RolloutSource, open_rollout};
pub use trash::{Trashed, home_trash_dir, move_to_trash};
pub use trash_entries::{
    TrashEntry, TrashInfo, list_trash, original_taken, parse_trash_info, put_back,
};
pub use watched::WatchedTree;
pub use writer_locks::{Holder, WRITER_LOCKS_SUBDIR, WriterLocks, files_open_in_codex};
pub use zst_names::{strip_zst, zst_sibling};

#[cfg(test)]
pub(crate) mod test_support;
