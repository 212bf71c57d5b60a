//! `session_index.jsonl`: the append-only thread-name index, `{"id","thread_name","updated_at"}`
//! per line, latest entry wins.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Write};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::files::{name_file, open_regular, open_regular_with, read_regular_to_string};
use super::home::{CodexHome, SESSION_INDEX_FILE};
use super::lines::{Forward, ForwardLines, ReverseLines};
use super::reader::MAX_LINE_BYTES;
use crate::protocol::ThreadId;
use crate::protocol::time::format_index_timestamp;

/// Codex scans the index backward in chunks of this size.
const REVERSE_CHUNK: usize = 8 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionIndexEntry {
    pub id: ThreadId,
    pub thread_name: String,
    #[serde(default)]
    pub updated_at: String,
}

fn parse_entry(line: &[u8]) -> Option<SessionIndexEntry> {
    let line = line.trim_ascii(); // also drops a CRLF `\r`
    if line.is_empty() {
        return None;
    }
    serde_json::from_slice(line).ok()
}

/// The index, if it exists; only a regular file is opened (a FIFO in its place would block
/// every listing). Errors name the file.
fn open_index(home: &CodexHome) -> io::Result<Option<File>> {
    let path = home.session_index_path();
    match open_regular(&path) {
        Ok(file) => Ok(Some(file)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(name_file(&path, err)),
    }
}

/// Every thread's current name: the newest entry per id wins, and a blank newest entry means
/// the name was cleared. (Codex's bulk lookup keeps the latest non-empty name instead, which
/// makes a cleared name come back in lists; we follow its single-thread lookup everywhere, so
/// a list and `find_thread_name` always agree.) Bad lines are skipped.
pub fn read_thread_names(home: &CodexHome) -> io::Result<HashMap<ThreadId, String>> {
    let mut names = read_newest_thread_names(home)?;
    names.retain(|_, name| !name.is_empty());
    Ok(names)
}

/// The newest entry's trimmed name per id, blank ones included: a blank entry is a cleared
/// name, which must hide older names from other sources (legacy rename events) too.
pub fn read_newest_thread_names(home: &CodexHome) -> io::Result<HashMap<ThreadId, String>> {
    let mut names = HashMap::new();
    let Some(file) = open_index(home)? else {
        return Ok(names);
    };
    // A line too long to be an entry is passed over without being held.
    let mut lines = ForwardLines::new(BufReader::new(file), 0, MAX_LINE_BYTES);
    loop {
        let next = lines
            .next_line()
            .map_err(|err| name_file(&home.session_index_path(), err))?;
        // A final line without `\n` is still an entry if it parses (hand-edited files).
        let (Forward::Line(line) | Forward::Partial(line)) = next else {
            return Ok(names);
        };
        if !line.overlong
            && let Some(entry) = parse_entry(line.text)
        {
            names.insert(entry.id, entry.thread_name.trim().to_string());
        }
    }
}

/// Visits entries newest first until `visit` returns `true`.
fn scan_newest_first(
    home: &CodexHome,
    visit: &mut dyn FnMut(SessionIndexEntry) -> bool,
) -> io::Result<()> {
    let Some(mut file) = open_index(home)? else {
        return Ok(());
    };
    let named = |err| name_file(&home.session_index_path(), err);
    let len = file.metadata().map_err(named)?.len();
    // A final line without `\n` is still an entry if it parses (hand-edited files).
    // An entry is a short line; a longer one is passed over without being read.
    let mut lines =
        ReverseLines::new(&mut file, len, REVERSE_CHUNK, MAX_LINE_BYTES, true).map_err(named)?;
    while let Some(line) = lines.next_line().map_err(named)? {
        if !line.overlong
            && let Some(entry) = parse_entry(line.text)
            && visit(entry)
        {
            break;
        }
    }
    Ok(())
}

/// The newest entry's name for `id`; `None` if that name is blank or there is no entry.
pub fn find_thread_name(home: &CodexHome, id: ThreadId) -> io::Result<Option<String>> {
    Ok(find_newest_thread_name(home, id)?.filter(|name| !name.is_empty()))
}

/// The newest entry's trimmed name for `id`, `Some("")` when that entry cleared the name.
pub fn find_newest_thread_name(home: &CodexHome, id: ThreadId) -> io::Result<Option<String>> {
    let mut found = None;
    scan_newest_first(home, &mut |entry| {
        if entry.id != id {
            return false;
        }
        found = Some(entry.thread_name.trim().to_string());
        true
    })?;
    Ok(found)
}

/// Ids whose current (newest) name equals `name` (both trimmed), newest entry first.
pub fn find_thread_ids_by_name(home: &CodexHome, name: &str) -> io::Result<Vec<ThreadId>> {
    let name = name.trim();
    let mut ids = Vec::new();
    if name.is_empty() {
        return Ok(ids);
    }
    let mut seen = HashSet::new();
    scan_newest_first(home, &mut |entry| {
        // Older rows of an id already seen are stale names.
        if seen.insert(entry.id) && entry.thread_name.trim() == name {
            ids.push(entry.id);
        }
        false
    })?;
    Ok(ids)
}

/// Appends one entry stamped now, in one write, then fsyncs, as Codex does. An empty name
/// clears the thread's name for readers of the newest entry.
pub fn append_thread_name(home: &CodexHome, id: ThreadId, name: &str) -> io::Result<()> {
    let entry = SessionIndexEntry {
        id,
        thread_name: name.to_string(),
        updated_at: format_index_timestamp(Utc::now()),
    };
    let mut bytes = serde_json::to_vec(&entry).map_err(io::Error::other)?;
    bytes.push(b'\n');
    fs::create_dir_all(home.root())?;
    let path = home.session_index_path();
    let named = |err| name_file(&path, err);
    // Checked regular: opening a FIFO for writing would wait for a reader.
    let mut file =
        open_regular_with(&path, OpenOptions::new().create(true).append(true)).map_err(named)?;
    file.write_all(&bytes).map_err(named)?;
    file.sync_all().map_err(named)
}

/// Removes every entry of thread `id`, so that no name is found for it: a legacy thread's
/// name is cleared this way, since Codex (which never clears a name itself) skips blank
/// entries and would show the older name again. The file is rewritten to a temporary file and
/// renamed over, while holding `session_index.jsonl.lock` as Codex does when it rewrites the
/// index (its `delete` removes a thread's entries the same way). Lines that do not parse are
/// kept as they are.
pub fn remove_thread_names(home: &CodexHome, id: ThreadId) -> io::Result<()> {
    let path = home.session_index_path();
    if !path.exists() {
        return Ok(());
    }
    let lock_path = home.root().join(format!("{SESSION_INDEX_FILE}.lock"));
    let lock = open_regular_with(
        &lock_path,
        OpenOptions::new().create(true).write(true).truncate(false),
    )
    .map_err(|err| name_file(&lock_path, err))?;
    lock.lock()?;
    let text = read_regular_to_string(&path).map_err(|err| name_file(&path, err))?;
    let id_text = id.to_string();
    let kept: String = text
        .split_inclusive('\n')
        .filter(|line| {
            serde_json::from_str::<SessionIndexEntry>(line.trim_end())
                .map_or(true, |entry| entry.id.to_string() != id_text)
        })
        .collect();
    if kept.len() != text.len() {
        let temporary = path.with_extension("jsonl.codex-threads.tmp");
        let mut file = fs::File::create(&temporary)?;
        file.write_all(kept.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, &path)?;
    }
    lock.unlock()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::test_support::{make_fifo, touch};
    use tempfile::TempDir;

    fn entry_line(id: ThreadId, name: &str) -> String {
        format!(
            "{{\"id\":\"{id}\",\"thread_name\":{},\"updated_at\":\"2026-05-14T11:05:09.123456789Z\"}}\n",
            serde_json::to_string(name).unwrap()
        )
    }

    /// Enough filler that the backward scan crosses several 8 KiB chunks.
    fn filler(count: usize) -> String {
        (0..count)
            .map(|_| entry_line(ThreadId::new(), "other"))
            .collect()
    }

    #[test]
    fn missing_index_is_empty() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        assert!(read_thread_names(&home).unwrap().is_empty());
        assert_eq!(find_thread_name(&home, ThreadId::new()).unwrap(), None);
        assert!(find_thread_ids_by_name(&home, "x").unwrap().is_empty());
    }

    #[test]
    fn forward_read_keeps_the_newest_name_and_blank_clears_it() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let a = ThreadId::new();
        let b = ThreadId::new();
        let text = [
            entry_line(a, "first"),
            "not json\n".to_string(),
            "\n".to_string(),
            entry_line(b, "  bee  ").replace('\n', "\r\n"),
            entry_line(a, "second"),
            entry_line(a, "   "),
            "{\"id\":\"nope\",\"thread_name\":\"x\"}\n".to_string(),
            entry_line(b, "bee 2").trim_end().to_string(), // no final newline
        ]
        .concat();
        touch(&home.session_index_path(), text.as_bytes());
        let names = read_thread_names(&home).unwrap();
        assert_eq!(
            names.len(),
            1,
            "the newest entry for `a` is blank: {names:?}"
        );
        assert_eq!(names[&b], "bee 2");
        // The backward lookup agrees.
        assert_eq!(find_thread_name(&home, a).unwrap(), None);
        // The raw newest entries keep the clear visible.
        assert_eq!(read_newest_thread_names(&home).unwrap()[&a], "");
        assert_eq!(
            find_newest_thread_name(&home, a).unwrap(),
            Some(String::new())
        );
        assert_eq!(find_thread_name(&home, b).unwrap(), Some("bee 2".into()));
    }

    #[test]
    fn backward_find_crosses_chunks_and_takes_the_newest() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let id = ThreadId::new();
        let text = [
            entry_line(id, "old"),
            filler(200),
            entry_line(id, "new").replace('\n', "\r\n"),
            filler(200),
            "{\"id\":\"broken".to_string(),
        ]
        .concat();
        assert!(text.len() > 4 * REVERSE_CHUNK);
        touch(&home.session_index_path(), text.as_bytes());
        assert_eq!(find_thread_name(&home, id).unwrap(), Some("new".into()));
        assert_eq!(find_thread_name(&home, ThreadId::new()).unwrap(), None);
    }

    #[test]
    fn name_lookup_uses_each_ids_current_name_newest_first() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        let (a, b, c) = (ThreadId::new(), ThreadId::new(), ThreadId::new());
        let text = [
            entry_line(a, "target"),
            entry_line(b, "target"),
            filler(100),
            entry_line(c, "target"),
            entry_line(b, "renamed"), // b no longer carries the name
            entry_line(a, "target"),
        ]
        .concat();
        touch(&home.session_index_path(), text.as_bytes());
        assert_eq!(
            find_thread_ids_by_name(&home, "target").unwrap(),
            vec![a, c]
        );
        assert_eq!(find_thread_ids_by_name(&home, "renamed").unwrap(), vec![b]);
        assert!(find_thread_ids_by_name(&home, "Target").unwrap().is_empty());
        assert!(find_thread_ids_by_name(&home, "").unwrap().is_empty());
    }

    #[test]
    fn an_index_that_is_a_fifo_is_an_error_naming_it_not_a_wait() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path());
        make_fifo(&home.session_index_path());
        let (done, results) = std::sync::mpsc::channel();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let home = CodexHome::new(root);
            let id = ThreadId::new();
            let errors = [
                read_thread_names(&home).err(),
                find_thread_name(&home, id).err(),
                append_thread_name(&home, id, "x").err(),
                remove_thread_names(&home, id).err(),
            ];
            done.send(errors.map(|err| err.map(|err| err.to_string())))
                .unwrap();
        });
        let errors = results
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("no call waits for a writer to the FIFO");
        let expected = format!(
            "{}: not a regular file: a FIFO",
            home.session_index_path().display()
        );
        for error in errors {
            assert_eq!(error.as_deref(), Some(expected.as_str()));
        }
    }

    #[test]
    fn appended_entries_round_trip_and_blank_clears() {
        let dir = TempDir::new().unwrap();
        let home = CodexHome::new(dir.path().join("fresh-home"));
        let id = ThreadId::new();
        append_thread_name(&home, id, "Fix the parser").unwrap();
        assert_eq!(
            find_thread_name(&home, id).unwrap(),
            Some("Fix the parser".into())
        );
        append_thread_name(&home, id, "").unwrap();
        assert_eq!(find_thread_name(&home, id).unwrap(), None);

        let text = fs::read_to_string(home.session_index_path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        let last: SessionIndexEntry = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(last.thread_name, "");
        assert!(last.updated_at.ends_with('Z'));
        let fraction = last.updated_at.rsplit('.').next().unwrap();
        assert_eq!(fraction.len(), 10, "nanoseconds and Z: {}", last.updated_at);
        assert!(lines[0].starts_with(&format!("{{\"id\":\"{id}\",\"thread_name\"")));
    }
}
