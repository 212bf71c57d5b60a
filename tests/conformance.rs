//! Conformance: the real Codex releases are the oracle for what codex-threads writes.
//!
//! For each supported release that is installed (`scripts/install-codex-releases.sh`), a fresh
//! Codex home gets threads written by that release against the mock model: legacy threads
//! (`codex exec` of 0.104 and 0.147, and a 0.147 thread in 0.169's home, as after an upgrade)
//! and paginated ones (0.169's `exec`, 0.147's interactive TUI), each with a turn that ran a
//! shell command. Then, per thread:
//!
//! 1. each of our edits (rename, rename --clear, memory disabled and enabled, archive,
//!    unarchive), made through our binary, is read back by the release: `thread/read` and
//!    `thread/list` (every source kind, archived or not), the state DB's `memory_mode`, the
//!    rollout (a paginated one is never appended to), the thread's place in `thread/list` (the
//!    same as after Codex's own edit of the same kind, made on a copy of the home), and
//!    `codex exec resume` (by name after a rename), whose model input must still hold the
//!    thread's first prompt;
//! 2. each of Codex's own edits (`thread/name/set`, `thread/memoryMode/set`, `thread/archive`,
//!    `thread/unarchive`, `thread/delete`) shows in our `list --json` and `show --json`, and
//!    our previews equal the app server's for every thread;
//! 3. our `delete` of one more thread: the release no longer lists or reads it (and keeps no
//!    row), still lists and resumes its other threads, and lists it again once its rollout is
//!    put back from the trash where the `.trashinfo` says.
//!
//! Last, live: with our TUI running on the home, the release's `codex exec` starts a new
//! thread whose shell command waits for the check; the thread must show in our list (marked
//! live), and its history, opened mid-turn, must follow it: the command's output and Codex's
//! answer, written only after it opened, must appear in it (`conformance/live.rs`).
//!
//! One test per release runs its checks in order and fails at the end listing every failed
//! check, one line each. A release that is not installed passes, printing one
//! `conformance: skipped <check> for Codex <version>: not installed` line per check (unless
//! `CONFORMANCE_REQUIRE_RELEASES` is set, as in CI). `CONFORMANCE_KEEP_HOMES` keeps the homes.

#[path = "common/codex_tui.rs"]
mod codex_tui;
#[path = "conformance/home.rs"]
mod home;
#[path = "conformance/live.rs"]
mod live;
#[path = "conformance/ours.rs"]
mod ours;
// Shared with the TUI's end-to-end tests, which use more of it than the live check does.
#[allow(dead_code)]
#[path = "common/pty.rs"]
mod pty;
#[path = "conformance/report.rs"]
mod report;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use codex_threads::testing::codex::{self, AppServer, CodexRelease};
use home::{ReleaseHome, lines_without_ordinal};
use report::Report;

#[test]
fn codex_0_171_0() {
    conform("0.171.0");
}

#[test]
fn codex_0_169_0() {
    conform("0.169.0");
}

#[test]
fn codex_0_147_0() {
    conform("0.147.0");
}

#[test]
fn codex_0_104_0() {
    conform("0.104.0");
}

/// A thread the checks edit, as planned before it exists.
struct Plan {
    label: &'static str,
    /// Unique in the home: it makes the thread's prompt, names and resume prompts unique.
    slug: &'static str,
    writer: Writer,
    paginated: bool,
}

enum Writer {
    /// `codex exec` of this release (an older one writes before the home's release runs).
    Exec(CodexRelease),
    /// The interactive TUI of the home's release.
    Tui,
}

/// The threads each release's home gets, in the order they are written (an older writer
/// first, before the newer release migrates the state DB past what the older one knows).
fn plans(release: &CodexRelease) -> Vec<Plan> {
    let exec = |version: &str| Writer::Exec(CodexRelease::supported(version));
    match release.version.as_str() {
        "0.171.0" => vec![
            Plan {
                label: "paginated thread of 0.169.0",
                slug: "paginated-169-in-171",
                writer: exec("0.169.0"),
                paginated: true,
            },
            Plan {
                label: "paginated exec thread",
                slug: "paginated-171-exec",
                writer: exec("0.171.0"),
                paginated: true,
            },
        ],
        "0.169.0" => vec![
            Plan {
                label: "legacy thread of 0.147.0",
                slug: "legacy-147-in-169",
                writer: exec("0.147.0"),
                paginated: false,
            },
            Plan {
                label: "paginated exec thread",
                slug: "paginated-169-exec",
                writer: exec("0.169.0"),
                paginated: true,
            },
        ],
        "0.147.0" => vec![
            Plan {
                label: "legacy exec thread",
                slug: "legacy-147-exec",
                writer: exec("0.147.0"),
                paginated: false,
            },
            Plan {
                label: "paginated TUI thread",
                slug: "paginated-147-tui",
                writer: Writer::Tui,
                paginated: true,
            },
        ],
        _ => vec![Plan {
            label: "legacy exec thread",
            slug: "legacy-104-exec",
            writer: exec(&release.version),
            paginated: false,
        }],
    }
}

impl Plan {
    fn prompt(&self) -> String {
        format!("Conformance {} [shell: echo ran-{}]", self.slug, self.slug)
    }

    fn our_name(&self) -> String {
        format!("Our name for {}", self.slug)
    }

    fn codex_name(&self) -> String {
        format!("Codex name for {}", self.slug)
    }
}

/// A planned thread once written.
struct Subject {
    id: String,
}

fn conform(version: &str) {
    let release = CodexRelease::supported(version);
    if !release.is_installed() && std::env::var_os("CONFORMANCE_REQUIRE_RELEASES").is_some() {
        panic!(
            "Codex {version} is not installed in {} (run scripts/install-codex-releases.sh)",
            codex_threads::testing::codex::releases_dir().display()
        );
    }
    let not_installed = (!release.is_installed()).then(|| "not installed".to_owned());
    let mut report = Report::new(version, not_installed);
    let plans = plans(&release);

    let home = report.setup("setup: a fresh Codex home", || ReleaseHome::new(&release));
    let no_home = home.is_none().then(|| "setup failed".to_owned());
    let (subjects, filler) = report.skipping(no_home.clone(), |report| {
        let subjects: Vec<Option<Subject>> = plans
            .iter()
            .map(|plan| write_subject(report, home.as_ref(), plan))
            .collect();
        let filler = report.setup("setup: the newest thread, written last", || {
            let home = home.as_ref().context("no home")?;
            home.exec_thread(&home.release, "The newest thread")
        });
        (subjects, filler)
    });

    for (plan, subject) in plans.iter().zip(&subjects) {
        let reason = match (subject, &plan.writer) {
            (Some(_), _) => None,
            (None, Writer::Exec(writer)) if !writer.is_installed() && report.live() => Some(
                format!("Codex {} (its writer) not installed", writer.version),
            ),
            (None, _) => Some("the thread could not be written".to_owned()),
        };
        report.skipping(reason, |report| {
            let live = home.as_ref().zip(subject.as_ref());
            our_edits(report, &release, plan, live, filler.as_deref());
            codex_edits(report, &release, plan, live);
        });
    }
    report.skipping(no_home.clone(), |report| {
        report.check(
            "all threads: list --json previews equal thread/list's",
            || previews_agree(home.as_ref().context("no home")?),
        );
    });
    for (plan, subject) in plans.iter().zip(&subjects) {
        let reason = if !release.deletes_threads() {
            Some(format!("Codex {} has no thread/delete", release.version))
        } else {
            subject
                .is_none()
                .then(|| "the thread was not written".to_owned())
        };
        report.skipping(reason, |report| {
            codex_deletes(report, plan, home.as_ref().zip(subject.as_ref()));
        });
    }
    report.skipping(no_home.clone(), |report| {
        our_delete(report, home.as_ref(), filler.as_deref())
    });
    // Last: the thread it starts would be the newest, which the checks above do not expect.
    report.skipping(no_home, |report| live::checks(report, home.as_ref()));
    report.finish();
}

fn write_subject(report: &mut Report, home: Option<&ReleaseHome>, plan: &Plan) -> Option<Subject> {
    let (name, writer_missing) = match &plan.writer {
        Writer::Exec(writer) => (
            format!(
                "setup: {} written by codex exec of {}",
                plan.label, writer.version
            ),
            (!writer.is_installed()).then(|| format!("Codex {} not installed", writer.version)),
        ),
        Writer::Tui => (format!("setup: {} written by the TUI", plan.label), None),
    };
    report.skipping(writer_missing, |report| {
        report.setup(&name, || {
            let home = home.context("no home")?;
            let prompt = plan.prompt();
            let id = match &plan.writer {
                Writer::Exec(writer) => home.exec_thread(writer, &prompt)?,
                Writer::Tui => home.tui_thread(&prompt, &format!("printed: ran-{}", plan.slug))?,
            };
            let rollout = std::fs::read_to_string(home.rollout(&id)?)?;
            // The mock model answers this only after reading the command's output.
            let ran = format!("The command printed: ran-{}", plan.slug);
            ensure!(rollout.contains(&ran), "the shell command did not run");
            let first_line = rollout.lines().next().unwrap_or_default().to_owned();
            let paginated = first_line.contains(r#""history_mode":"paginated""#);
            ensure!(
                paginated == plan.paginated,
                "expected a {} rollout; its session_meta: {first_line:.300}",
                if plan.paginated {
                    "paginated"
                } else {
                    "legacy"
                }
            );
            Ok(Subject { id })
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Our edits, read back by Codex.

#[derive(Clone, Copy, PartialEq)]
enum OurEdit {
    Rename,
    ClearName,
    Memory(&'static str),
    Archive,
    Unarchive,
}

/// Clearing the name comes last: until then the name shows whether the other edits keep it.
/// How long a new thread's rollout may take to appear once `codex exec` has returned.
const NEW_ROLLOUT: std::time::Duration = std::time::Duration::from_secs(5);

const OUR_EDITS: [OurEdit; 6] = [
    OurEdit::Rename,
    OurEdit::Memory("disabled"),
    OurEdit::Memory("enabled"),
    OurEdit::Archive,
    OurEdit::Unarchive,
    OurEdit::ClearName,
];

impl OurEdit {
    fn label(self) -> String {
        match self {
            OurEdit::Rename => "rename".to_owned(),
            OurEdit::ClearName => "rename --clear".to_owned(),
            OurEdit::Memory(mode) => format!("memory {mode}"),
            OurEdit::Archive => "archive".to_owned(),
            OurEdit::Unarchive => "unarchive".to_owned(),
        }
    }

    fn args(self, id: &str, plan: &Plan) -> Vec<String> {
        let args: Vec<String> = match self {
            OurEdit::Rename => vec!["rename".into(), id.into(), plan.our_name()],
            OurEdit::ClearName => vec!["rename".into(), id.into(), "--clear".into()],
            OurEdit::Memory(mode) => vec!["memory".into(), id.into(), mode.into()],
            OurEdit::Archive => vec!["archive".into(), id.into()],
            OurEdit::Unarchive => vec!["unarchive".into(), id.into()],
        };
        args
    }

    /// What our edit's effect on the thread's place in `thread/list` must match.
    fn counterpart(self, release: &CodexRelease, plan: &Plan) -> Counterpart {
        match self {
            OurEdit::Rename => Counterpart::Codex(CodexEdit::Name(plan.our_name())),
            // Codex cannot clear a name, and its own renames never move a thread (seen on
            // every supported release), so clearing one must not either.
            OurEdit::ClearName => Counterpart::Unchanged,
            OurEdit::Memory(mode) if release.sets_memory_mode() => {
                Counterpart::Codex(CodexEdit::Memory(mode))
            }
            OurEdit::Memory(_) => Counterpart::None(format!(
                "Codex {} has no thread/memoryMode/set to compare with",
                release.version
            )),
            OurEdit::Archive => Counterpart::Codex(CodexEdit::Archive),
            OurEdit::Unarchive => Counterpart::Codex(CodexEdit::Unarchive),
        }
    }
}

enum Counterpart {
    /// Codex's own edit of the same kind, made on a copy of the home.
    Codex(CodexEdit),
    /// The place before our edit.
    Unchanged,
    /// Nothing to compare with, and why.
    None(String),
}

/// The name Codex shows for a thread, in `thread/read` and in `thread/list` (they can differ);
/// the outer `None` when not known.
#[derive(Clone)]
struct Names {
    read: Option<Option<String>>,
    list: Option<Option<String>>,
}

/// What the thread should look like to Codex after one of our edits.
struct Expected {
    names: Names,
    /// The names, in words, for the checks' names.
    names_words: String,
    archived: bool,
}

impl Expected {
    fn describe(&self, release: &CodexRelease) -> String {
        let place = if self.archived { "archived" } else { "active" };
        if release.shows_names() {
            format!("{}, {place}", self.names_words)
        } else {
            format!("it {place}")
        }
    }
}

fn our_edits(
    report: &mut Report,
    release: &CodexRelease,
    plan: &Plan,
    live: Option<(&ReleaseHome, &Subject)>,
    filler: Option<&str>,
) {
    let mut archived = false;
    // What Codex showed before the edit: a fresh thread has no name.
    let mut shown = Names {
        read: Some(None),
        list: Some(None),
    };
    for edit in OUR_EDITS {
        let check_name = |check: &str| format!("{}: our {}: {check}", plan.label, edit.label());
        match edit {
            OurEdit::Archive => archived = true,
            OurEdit::Unarchive => archived = false,
            _ => {}
        }
        let named = |name: Option<String>, words: String| Expected {
            names: Names {
                read: Some(name.clone()),
                list: Some(name),
            },
            names_words: words,
            archived,
        };
        // A name edit sets what Codex shows; any other edit must keep what it showed before.
        let expected = match edit {
            OurEdit::Rename => named(
                Some(plan.our_name()),
                format!("the name {:?}", plan.our_name()),
            ),
            OurEdit::ClearName => named(None, "no name".to_owned()),
            _ => Expected {
                names: shown.clone(),
                names_words: "its name unchanged".to_owned(),
                archived,
            },
        };
        let counterpart = edit.counterpart(release, plan);
        if let Some((home, _)) = live {
            home.after_the_latest_turns_second();
        }

        // Before our edit: where Codex's own edit of the same kind puts the thread (made on a
        // copy of the home, then undone), and the rollout (a paginated one must not grow).
        let places_wanted = live.map(|(home, subject)| match &counterpart {
            Counterpart::Codex(codex_edit) => home.on_a_copy(|| {
                codex_edit.apply(home, &subject.id)?;
                CodexView::read(home, &subject.id)?.places(&subject.id, archived)
            }),
            Counterpart::Unchanged => {
                CodexView::read(home, &subject.id)?.places(&subject.id, archived)
            }
            Counterpart::None(_) => Ok(Places::new()),
        });
        let rollout_before = live.map(|(home, subject)| rollout_state(home, &subject.id));

        report.check(&check_name("codex-threads succeeds"), || {
            let (home, subject) = live.context("not set up")?;
            let args = edit.args(&subject.id, plan);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            home.ours.run(&args).map(|_| ())
        });
        let view = live.map(|(home, subject)| CodexView::read(home, &subject.id));
        let view = view.as_ref();

        let readable = !archived || release.reads_archived_threads();
        let read_check = check_name(&format!("thread/read shows {}", expected.describe(release)));
        if readable {
            report.check(&read_check, || {
                let view = seen(view)?;
                let thread = view.read.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
                check_thread(release, thread, &expected)
            });
        } else {
            report.skip(
                &read_check,
                &format!("Codex {} reads no archived thread", release.version),
            );
        }
        report.check(
            &check_name(&format!("thread/list shows {}", expected.describe(release))),
            || {
                let (_, subject) = live.context("not set up")?;
                seen(view)?.listed_as(release, &subject.id, &expected)
            },
        );
        let place_check = match &counterpart {
            Counterpart::Codex(codex_edit) => check_name(&format!(
                "thread/list order is as after Codex's own {}",
                codex_edit.method()
            )),
            Counterpart::Unchanged | Counterpart::None(_) => {
                check_name("thread/list order is unchanged")
            }
        };
        if let Counterpart::None(reason) = &counterpart {
            report.skip(&place_check, reason);
        } else {
            report.check(&place_check, || {
                let (_, subject) = live.context("not set up")?;
                let wanted = places_wanted
                    .as_ref()
                    .context("not set up")?
                    .as_ref()
                    .map_err(|e| anyhow::anyhow!("Codex's own edit on a copy failed: {e:#}"))?;
                let ours = seen(view)?.places(&subject.id, archived)?;
                compare_places(&ours, wanted, &counterpart)
            });
        }
        if let OurEdit::Memory(mode) = edit {
            let db_check = check_name(&format!("state DB memory_mode is {mode}"));
            if release.writes_state_db() {
                report.check(&db_check, || {
                    let (home, subject) = live.context("not set up")?;
                    let column = home.memory_mode_column(&subject.id)?;
                    ensure!(column == mode, "memory_mode is {column:?}");
                    Ok(())
                });
            } else {
                report.skip(
                    &db_check,
                    &format!("Codex {} has no state DB", release.version),
                );
            }
        }
        if plan.paginated {
            report.check(&check_name("the paginated rollout is not appended to"), || {
                let (home, subject) = live.context("not set up")?;
                let before = rollout_before.as_ref().context("not set up")?;
                let (size, unnumbered) = before.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
                let (size_after, unnumbered_after) = rollout_state(home, &subject.id)?;
                // Only what this edit did counts: an earlier edit's damage fails that edit.
                let new: Vec<&String> = unnumbered_after.iter().skip(unnumbered.len()).collect();
                ensure!(
                    size_after == *size,
                    "it went from {size} to {size_after} bytes; new lines without an ordinal: {}",
                    if new.is_empty() {
                        "none".to_owned()
                    } else {
                        new.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
                    }
                );
                Ok(())
            });
        }
        // What Codex shows now is what the next edit must keep.
        if let (Some(Ok(view)), Some((_, subject))) = (view, live) {
            shown = view.names(&subject.id);
        }
        resume_checks(report, release, plan, live, edit, &check_name);
        if live.is_some() {
            // A resume made the thread the newest; the filler's turn puts a thread above it
            // again, so the next edit's effect on the order can show.
            report.check(&check_name("(setup) a turn on the newest thread"), || {
                let (home, _) = live.context("not set up")?;
                home.resume(filler.context("no filler thread")?, "Stay the newest")
            });
        }
    }
}

fn resume_checks(
    report: &mut Report,
    release: &CodexRelease,
    plan: &Plan,
    live: Option<(&ReleaseHome, &Subject)>,
    edit: OurEdit,
    check_name: &dyn Fn(&str) -> String,
) {
    let prompt = format!("Resume {} after our {}", plan.slug, edit.label());
    match edit {
        OurEdit::Rename => {
            report.check(
                &check_name("codex exec resume NAME continues the thread"),
                || {
                    let (home, _) = live.context("not set up")?;
                    continues(home, plan, &plan.our_name(), &prompt)
                },
            );
        }
        OurEdit::ClearName => {
            let old_name_check = check_name("codex exec resume OLD-NAME no longer finds it");
            if !release.forgets_superseded_names() {
                report.skip(
                    &old_name_check,
                    &format!(
                        "Codex {} finds a thread by any name it ever had",
                        release.version
                    ),
                );
            } else {
                report.check(&old_name_check, || {
                    let (home, subject) = live.context("not set up")?;
                    let prompt = format!("{prompt} by its old name");
                    // A name Codex does not know resumes nothing: it starts a new thread with
                    // the prompt (0.147, 0.169 and 0.171 alike), so the command succeeds, in
                    // another thread, whose input lacks the old thread's first prompt.
                    let before = codex::rollouts(&home.home);
                    home.resume(&plan.our_name(), &prompt)?;
                    let started = codex::new_thread_since(&home.home, &before, NEW_ROLLOUT)?;
                    ensure!(
                        started != subject.id,
                        "the old name resumed the thread itself"
                    );
                    let input = turn_input(home, &prompt)?;
                    ensure!(
                        !input.iter().any(|text| text.contains(&plan.prompt())),
                        "the old name still resumes the thread"
                    );
                    Ok(())
                });
            }
            report.check(
                &check_name("codex exec resume ID continues the thread"),
                || {
                    let (home, subject) = live.context("not set up")?;
                    continues(home, plan, &subject.id, &prompt)
                },
            );
        }
        OurEdit::Archive => {
            let name = check_name("codex exec resume ID refuses it as archived");
            if release.refuses_to_resume_archived() {
                report.check(&name, || {
                    let (home, subject) = live.context("not set up")?;
                    match home.resume(&subject.id, &prompt) {
                        Ok(()) => bail!("Codex resumed the archived thread"),
                        Err(error) => {
                            let error = format!("{error:#}");
                            ensure!(error.contains("archived"), "{error}");
                            Ok(())
                        }
                    }
                });
            } else {
                report.skip(
                    &name,
                    &format!(
                        "Codex {} does not find an archived thread (it starts a new one)",
                        release.version
                    ),
                );
            }
        }
        OurEdit::Memory(_) | OurEdit::Unarchive => {
            report.check(
                &check_name("codex exec resume ID continues the thread"),
                || {
                    let (home, subject) = live.context("not set up")?;
                    continues(home, plan, &subject.id, &prompt)
                },
            );
        }
    }
}

/// `codex exec resume THREAD PROMPT` succeeds, and the model's input for that turn holds the
/// thread's first prompt.
fn continues(home: &ReleaseHome, plan: &Plan, thread: &str, prompt: &str) -> Result<()> {
    home.resume(thread, prompt)?;
    let input = turn_input(home, prompt)?;
    ensure!(
        input.iter().any(|text| text.contains(&plan.prompt())),
        "the model's input for the resumed turn lacks the thread's first prompt ({} user messages)",
        input.len()
    );
    Ok(())
}

/// The user messages of the model's latest request, which must be the one for `prompt`.
fn turn_input(home: &ReleaseHome, prompt: &str) -> Result<Vec<String>> {
    let input = home.last_model_input()?;
    ensure!(
        input.iter().any(|text| text.contains(prompt)),
        "the model's latest request is not the resumed turn's"
    );
    Ok(input)
}

/// The rollout's size and its lines without an `ordinal`.
fn rollout_state(home: &ReleaseHome, id: &str) -> Result<(u64, Vec<String>)> {
    let rollout = home.rollout(id)?;
    Ok((
        std::fs::metadata(&rollout)?.len(),
        lines_without_ordinal(&rollout)?,
    ))
}

fn check_thread(release: &CodexRelease, thread: &Value, expected: &Expected) -> Result<()> {
    if let (true, Some(name)) = (release.shows_names(), &expected.names.read) {
        ensure!(
            thread["name"].as_str() == name.as_deref(),
            "its name is {}",
            thread["name"]
        );
    }
    let path = thread["path"].as_str().unwrap_or_default();
    ensure!(
        path.contains("/archived_sessions/") == expected.archived,
        "its path is {path:?}"
    );
    Ok(())
}

fn seen(view: Option<&Result<CodexView>>) -> Result<&CodexView> {
    view.context("not set up")?
        .as_ref()
        .map_err(|e| anyhow::anyhow!("reading Codex's view failed: {e:#}"))
}

/// The thread's index in each of Codex's orders (`sortKey`), newest first.
type Places = Vec<(&'static str, Option<usize>)>;

fn compare_places(ours: &Places, wanted: &Places, counterpart: &Counterpart) -> Result<()> {
    let mut differences = Vec::new();
    for ((key, ours), (_, wanted)) in ours.iter().zip(wanted) {
        if ours != wanted {
            differences.push(format!(
                "by {key} ours puts it at {} where {} {}",
                place(*ours),
                match counterpart {
                    Counterpart::Codex(edit) => format!("Codex's own {} puts it at", edit.method()),
                    Counterpart::Unchanged | Counterpart::None(_) => "it was at".to_owned(),
                },
                place(*wanted)
            ));
        }
    }
    ensure!(differences.is_empty(), "{}", differences.join("; "));
    Ok(())
}

fn place(index: Option<usize>) -> String {
    match index {
        Some(index) => format!("#{}", index + 1),
        None => "nowhere".to_owned(),
    }
}

/// What one fresh app server says about a thread and its lists.
struct CodexView {
    read: Result<Value>,
    /// `(archived, sortKey, threads in order)`.
    lists: Vec<(bool, &'static str, Vec<Value>)>,
}

impl CodexView {
    /// A fresh app server each time: a long-running one might answer from what it loaded
    /// before our edit.
    fn read(home: &ReleaseHome, id: &str) -> Result<Self> {
        let mut server = home.app_server()?;
        let read = server.read_thread(id);
        let mut lists = Vec::new();
        for archived in [false, true] {
            for &key in home.release.sort_keys() {
                lists.push((archived, key, server.list_threads_sorted(archived, key)?));
            }
        }
        Ok(Self { read, lists })
    }

    fn places(&self, id: &str, archived: bool) -> Result<Places> {
        Ok(self
            .lists
            .iter()
            .filter(|(a, _, _)| *a == archived)
            .map(|(_, key, threads)| (*key, threads.iter().position(|t| t["id"] == id)))
            .collect())
    }

    fn list(&self, archived: bool) -> &[Value] {
        self.lists
            .iter()
            .find(|(a, _, _)| *a == archived)
            .map(|(_, _, threads)| threads.as_slice())
            .unwrap_or_default()
    }

    /// The thread is in the archived list or the active one as expected, not in the other,
    /// and named as expected.
    fn listed_as(&self, release: &CodexRelease, id: &str, expected: &Expected) -> Result<()> {
        let find = |archived| self.list(archived).iter().find(|t| t["id"] == id);
        let (wanted, other) = (expected.archived, !expected.archived);
        let list_name = |archived| if archived { "archived" } else { "active" };
        let thread =
            find(wanted).with_context(|| format!("not in the {} list", list_name(wanted)))?;
        ensure!(
            find(other).is_none(),
            "also in the {} list",
            list_name(other)
        );
        if let (true, Some(name)) = (release.shows_names(), &expected.names.list) {
            ensure!(
                thread["name"].as_str() == name.as_deref(),
                "its name is {}",
                thread["name"]
            );
        }
        Ok(())
    }

    /// The names shown for the thread now.
    fn names(&self, id: &str) -> Names {
        let name = |thread: &Value| thread["name"].as_str().map(str::to_owned);
        let listed = [false, true]
            .into_iter()
            .find_map(|archived| self.list(archived).iter().find(|t| t["id"] == id));
        Names {
            read: self.read.as_ref().ok().map(name),
            list: listed.map(name),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Codex's edits, read back by us.

enum CodexEdit {
    Name(String),
    Memory(&'static str),
    Archive,
    Unarchive,
    Delete,
}

impl CodexEdit {
    fn method(&self) -> &'static str {
        match self {
            CodexEdit::Name(_) => "thread/name/set",
            CodexEdit::Memory(_) => "thread/memoryMode/set",
            CodexEdit::Archive => "thread/archive",
            CodexEdit::Unarchive => "thread/unarchive",
            CodexEdit::Delete => "thread/delete",
        }
    }

    fn label(&self) -> String {
        match self {
            CodexEdit::Memory(mode) => format!("{} {mode}", self.method()),
            _ => self.method().to_owned(),
        }
    }

    /// Makes the edit through a fresh app server, stopped before returning.
    fn apply(&self, home: &ReleaseHome, id: &str) -> Result<()> {
        let mut server = home.app_server()?;
        self.apply_on(&mut server, &home.release, id)
    }

    fn apply_on(&self, server: &mut AppServer, release: &CodexRelease, id: &str) -> Result<()> {
        let params = match self {
            CodexEdit::Name(name) => {
                if release.names_loaded_threads_only() {
                    server.request("thread/resume", json!({"threadId": id}))?;
                }
                json!({"threadId": id, "name": name})
            }
            CodexEdit::Memory(mode) => json!({"threadId": id, "mode": mode}),
            CodexEdit::Archive | CodexEdit::Unarchive | CodexEdit::Delete => {
                json!({"threadId": id})
            }
        };
        server.request(self.method(), params)?;
        if let (CodexEdit::Name(_), true) = (self, release.names_loaded_threads_only()) {
            // 0.104 writes the name after replying, and announces it once written; stopping
            // the server before then would lose the edit.
            server
                .wait_for_notification("thread/name/updated", |params| params["threadId"] == id)?;
        }
        Ok(())
    }
}

fn codex_edits(
    report: &mut Report,
    release: &CodexRelease,
    plan: &Plan,
    live: Option<(&ReleaseHome, &Subject)>,
) {
    let edits = [
        CodexEdit::Name(plan.codex_name()),
        CodexEdit::Memory("disabled"),
        CodexEdit::Memory("enabled"),
        CodexEdit::Archive,
        CodexEdit::Unarchive,
    ];
    for edit in edits {
        let check_name = |check: &str| format!("{}: Codex's {}: {check}", plan.label, edit.label());
        let missing = (matches!(edit, CodexEdit::Memory(_)) && !release.sets_memory_mode())
            .then(|| format!("Codex {} has no thread/memoryMode/set", release.version));
        report.skipping(missing, |report| {
            codex_edit_checks(report, live, &edit, &check_name)
        });
    }
}

fn codex_edit_checks(
    report: &mut Report,
    live: Option<(&ReleaseHome, &Subject)>,
    edit: &CodexEdit,
    check_name: &dyn Fn(&str) -> String,
) {
    let applied = report.setup(&check_name("the app server makes it"), || {
        let (home, subject) = live.context("not set up")?;
        edit.apply(home, &subject.id)
    });
    let failed = (report.live() && applied.is_none()).then(|| "Codex's edit failed".to_owned());
    report.skipping(failed, |report| match edit {
        CodexEdit::Name(name) => {
            let expected = json!(name);
            report.check(&check_name("show --json has the name"), || {
                let (home, subject) = live.context("not set up")?;
                home.ours.wait_for_shown(&subject.id, "name", &expected)
            });
            report.check(&check_name("list --json has the name"), || {
                listed_field(live, false, "name", &expected)
            });
        }
        CodexEdit::Memory(mode) => {
            let expected = json!(mode);
            report.check(
                &check_name(&format!("show --json has memory_mode {mode}")),
                || {
                    let (home, subject) = live.context("not set up")?;
                    home.ours
                        .wait_for_shown(&subject.id, "memory_mode", &expected)
                },
            );
            report.check(
                &check_name(&format!("list --json has memory_mode {mode}")),
                || listed_field(live, false, "memory_mode", &expected),
            );
        }
        CodexEdit::Archive | CodexEdit::Unarchive => {
            let archived = matches!(edit, CodexEdit::Archive);
            let state = if archived { "archived" } else { "not archived" };
            report.check(&check_name(&format!("show --json says {state}")), || {
                let (home, subject) = live.context("not set up")?;
                home.ours
                    .wait_for_shown(&subject.id, "archived", &json!(archived))
            });
            report.check(
                &check_name(&format!("list --json lists it {state}")),
                || {
                    let (home, subject) = live.context("not set up")?;
                    listed_field(live, archived, "archived", &json!(archived))?;
                    ensure!(
                        home.ours.listed(&subject.id, !archived)?.is_none(),
                        "also listed {}",
                        if archived {
                            "without --archived"
                        } else {
                            "with --archived"
                        }
                    );
                    Ok(())
                },
            );
        }
        CodexEdit::Delete => {}
    });
}

/// `field` of the thread in `list --json` (with `--archived` when `archived`) is `expected`.
fn listed_field(
    live: Option<(&ReleaseHome, &Subject)>,
    archived: bool,
    field: &str,
    expected: &Value,
) -> Result<()> {
    let (home, subject) = live.context("not set up")?;
    let thread = home.ours.listed(&subject.id, archived)?.with_context(|| {
        format!(
            "not in list --json{}",
            if archived { " --archived" } else { "" }
        )
    })?;
    ensure!(
        &thread[field] == expected,
        "list --json has {field} {}",
        thread[field]
    );
    Ok(())
}

fn codex_deletes(report: &mut Report, plan: &Plan, live: Option<(&ReleaseHome, &Subject)>) {
    let check_name = |check: &str| format!("{}: Codex's thread/delete: {check}", plan.label);
    let applied = report.setup(&check_name("the app server makes it"), || {
        let (home, subject) = live.context("not set up")?;
        CodexEdit::Delete.apply(home, &subject.id)
    });
    let failed = (report.live() && applied.is_none()).then(|| "Codex's edit failed".to_owned());
    report.skipping(failed, |report| {
        report.check(&check_name("list --json no longer has it"), || {
            let (home, subject) = live.context("not set up")?;
            for archived in [false, true] {
                ensure!(
                    home.ours.listed(&subject.id, archived)?.is_none(),
                    "still listed{}",
                    if archived { " with --archived" } else { "" }
                );
            }
            Ok(())
        });
        report.check(&check_name("show fails"), || {
            let (home, subject) = live.context("not set up")?;
            match home.ours.show(&subject.id) {
                Ok(thread) => bail!("show --json still prints it: {thread:.200}"),
                Err(error) => {
                    // Failing for another reason (a crash, a bad home) would hide a thread
                    // that is still there.
                    let error = format!("{error:#}");
                    let gone = format!("thread {} not found", subject.id);
                    ensure!(error.contains(&gone), "{error}");
                    Ok(())
                }
            }
        });
    });
}

/// Our `delete`: a thread of the home's release, deleted by us, is gone for the release (not
/// listed, not read, no row), whose other threads keep working; its rollout is in the trash,
/// and putting it back where the `.trashinfo` says makes the release list it again.
fn our_delete(report: &mut Report, home: Option<&ReleaseHome>, filler: Option<&str>) {
    let check_name = |check: &str| format!("our delete: {check}");
    let subject = report.setup(&check_name("(setup) a thread to delete"), || {
        let home = home.context("no home")?;
        home.exec_thread(
            &home.release,
            "Conformance our-delete [shell: echo ran-delete]",
        )
    });
    let not_written = (report.live() && subject.is_none()).then(|| "not written".to_owned());
    report.skipping(not_written, |report| {
        let live = home.zip(subject.as_deref());
        let rollout = live.map(|(home, id)| home.rollout(id));
        report.check(&check_name("codex-threads delete --yes succeeds"), || {
            let (home, id) = live.context("not set up")?;
            home.ours.run(&["delete", id, "--yes"]).map(|_| ())
        });
        report.check(
            &check_name("thread/list and thread/read no longer find it"),
            || {
                let (home, id) = live.context("not set up")?;
                let view = CodexView::read(home, id)?;
                for archived in [false, true] {
                    ensure!(
                        !view.list(archived).iter().any(|t| t["id"] == id),
                        "still in thread/list (archived: {archived})"
                    );
                }
                ensure!(view.read.is_err(), "thread/read still answers");
                Ok(())
            },
        );
        if home.is_some_and(|home| home.release.writes_state_db()) {
            report.check(&check_name("the state DB has no row for it"), || {
                let (home, id) = live.context("not set up")?;
                let connection = rusqlite::Connection::open(home.home.join("state_5.sqlite"))?;
                let rows: i64 = connection.query_row(
                    "SELECT COUNT(*) FROM threads WHERE id = ?1",
                    [id],
                    |row| row.get(0),
                )?;
                ensure!(rows == 0, "{rows} row(s) left");
                Ok(())
            });
        }
        report.check(
            &check_name("Codex lists and resumes the other threads"),
            || {
                let (home, _) = live.context("not set up")?;
                let filler = filler.context("no filler thread")?;
                let listed = home.app_server()?.list_threads(false)?;
                ensure!(
                    listed.contains_key(filler),
                    "the newest thread is not listed"
                );
                home.resume(filler, "After our delete")
            },
        );
        report.check(
            &check_name("restored from the trash, Codex lists it again"),
            || {
                let (home, id) = live.context("not set up")?;
                let original = rollout
                    .as_ref()
                    .context("not set up")?
                    .as_ref()
                    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
                let name = original.file_name().context("no file name")?;
                let trash = home.ours.trash_dir();
                let info_path = trash
                    .join("info")
                    .join(format!("{}.trashinfo", name.to_string_lossy()));
                let info = std::fs::read_to_string(&info_path)
                    .with_context(|| format!("reading {}", info_path.display()))?;
                let path = info
                    .lines()
                    .find_map(|line| line.strip_prefix("Path="))
                    .context("no Path= line")?;
                let restored = std::path::PathBuf::from(percent_decode(path)?);
                ensure!(
                    &restored == original,
                    "Path= is {} for {}",
                    restored.display(),
                    original.display()
                );
                std::fs::rename(trash.join("files").join(name), &restored)?;
                std::fs::remove_file(&info_path)?;
                let listed = home.app_server()?.list_threads(false)?;
                ensure!(listed.contains_key(id), "not listed after the restore");
                Ok(())
            },
        );
    });
}

/// A `.trashinfo` `Path=` value, `%XX` escapes decoded.
fn percent_decode(text: &str) -> Result<String> {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2).context("a cut-off escape")?;
            bytes.push(u8::from_str_radix(std::str::from_utf8(hex)?, 16)?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    Ok(String::from_utf8(bytes)?)
}

/// Every thread Codex lists (active or archived) is in our list, with the same preview.
fn previews_agree(home: &ReleaseHome) -> Result<()> {
    let mut server = home.app_server()?;
    let mut differences = Vec::new();
    for archived in [false, true] {
        let theirs = server.list_threads_sorted(archived, "created_at")?;
        let ours = home.ours.list(archived)?;
        for thread in &theirs {
            let id = thread["id"].as_str().unwrap_or_default();
            match ours.iter().find(|t| t["id"] == id) {
                None => differences.push(format!("{id} is not in list --json")),
                Some(mine) if mine["preview"] != thread["preview"] => differences.push(format!(
                    "{id}: ours {} vs Codex's {}",
                    mine["preview"], thread["preview"]
                )),
                Some(_) => {}
            }
        }
    }
    ensure!(differences.is_empty(), "{}", differences.join("; "));
    Ok(())
}
