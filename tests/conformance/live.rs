//! The live check: our TUI runs on the home while the release's `codex exec` starts a new
//! thread; the thread must appear in our list, and its history, opened while Codex is still in
//! the turn, must follow what Codex writes after that.
//!
//! The turn's shell command waits for a gate file that the check writes only once the history
//! is open, and prints what the check put in it: the command's output (and the answer quoting
//! it) cannot be on disk before the history opened, and is in no prompt, so seeing it proves
//! the history followed the rollout. No fixed delay is needed on either side.

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use codex_threads::testing::codex;

use crate::home::ReleaseHome;
use crate::pty::{ENTER, PtySession};
use crate::report::Report;

const COLS: u16 = 120;
const ROWS: u16 = 40;

/// How long our TUI may take to show something: the list refreshes every 3 s and a release
/// takes a second or two to start its turn, so this only stops a miss from hanging the suite.
const SCREEN_DEADLINE: Duration = Duration::from_secs(20);

/// How long `codex exec` may take to end once its command is released (about a second).
const EXIT_DEADLINE: Duration = Duration::from_secs(30);

/// How often a screen or the process is looked at while waiting.
const POLL: Duration = Duration::from_millis(50);

// The checks' names: the checks that cannot run are reported skipped under the same ones.
const STARTED: &str = "setup: codex exec starts a thread in the background";
const LISTED: &str = "our list shows the new thread";
const MARKED: &str = "our list marks it working (▶) while Codex runs";
const OPENED: &str = "opening it shows its prompt, working, and follows";
const OUTPUT: &str = "the open history shows the command's output, printed after it opened";
const ANSWER: &str = "the open history shows Codex's final answer";
const EXITED: &str = "codex exec succeeds";
const AFTER_SETUP: [&str; 6] = [LISTED, MARKED, OPENED, OUTPUT, ANSWER, EXITED];

pub fn checks(report: &mut Report, home: Option<&ReleaseHome>) {
    let name = |check: &str| format!("live thread: {check}");
    let tui = report.setup(&name("setup: our TUI lists the home's threads"), || {
        let home = home.context("no home")?;
        let codex_home = home.home.to_string_lossy().into_owned();
        let tui = PtySession::spawn(
            &["--codex-home", &codex_home],
            &home.scratch("ours-tui")?,
            COLS,
            ROWS,
        );
        wait_for_screen(&tui, "the list of threads", None, |screen| {
            screen.contains("by updated") && !screen.contains("Loading threads")
        })?;
        Ok(tui)
    });
    let Some(mut tui) = tui else {
        report.skipping(Some("our TUI did not start".to_owned()), |report| {
            report.check(&name(STARTED), || Ok(()));
            declare_live_checks(report, &name);
        });
        return;
    };
    let run = report.setup(&name(STARTED), || LiveRun::start(home.context("no home")?));
    let Some(mut run) = run else {
        report.skipping(Some("codex exec did not start".to_owned()), |report| {
            declare_live_checks(report, &name);
        });
        return;
    };
    let head = run.head.clone();

    let listed = report.setup(&name(LISTED), || {
        let screen = wait_for_screen(&tui, &format!("a row {head:?}"), Some(&mut run), |s| {
            row(s, &head).is_some()
        })?;
        Ok(row(&screen, &head).unwrap_or_default().to_owned())
    });
    let not_listed = listed
        .is_none()
        .then(|| "our list did not show the thread".to_owned());
    let opened = report.skipping(not_listed, |report| {
        report.check(&name(MARKED), || {
            let row = listed.as_deref().context("not listed")?;
            ensure!(row.contains('▶'), "its row is {:?}", row.trim_end());
            Ok(())
        });
        report.setup(&name(OPENED), || {
            // The newest thread is the first row once the list has it; `g` selects the
            // first row, whatever was selected before.
            tui.send("g");
            wait_for_screen(&tui, "the new thread's row selected", Some(&mut run), |s| {
                row(s, &head).is_some_and(|r| r.trim_start().starts_with('›'))
            })?;
            tui.send(ENTER);
            wait_for_screen(
                &tui,
                "its history, following, with its prompt",
                Some(&mut run),
                |s| {
                    let header = s.lines().next().unwrap_or_default();
                    in_history(s, &head)
                        && header.contains("▶ working")
                        && header.contains("· following")
                        && body(s).contains(&head)
                },
            )?;
            Ok(())
        })
    });

    let not_opened =
        (report.live() && opened.is_none()).then(|| "its history did not open".to_owned());
    report.skipping(not_opened, |report| {
        report.check(&name(OUTPUT), || {
            run.release()?;
            let marker = run.marker.clone();
            // On a line of its own: the final answer quotes it too, and must not count.
            wait_for_screen(&tui, &format!("{marker:?}"), Some(&mut run), |s| {
                in_history(s, &head)
                    && body(s)
                        .lines()
                        .any(|l| l.contains(&marker) && !l.contains("The command printed"))
            })?;
            Ok(())
        });
        report.check(&name(ANSWER), || {
            let answer = format!("The command printed: {}", run.marker);
            wait_for_screen(&tui, &format!("{answer:?}"), Some(&mut run), |s| {
                in_history(s, &head) && body(s).contains(&answer)
            })?;
            Ok(())
        });
    });
    report.check(&name(EXITED), || {
        let status = run.finish()?;
        ensure!(status.success(), "{}", run.describe());
        Ok(())
    });
    // Nothing is left running: the TUI is killed when dropped, Codex is waited for above (or
    // killed by the drop), and 0.169's app-server daemon, if any, stopped.
    drop(run);
}

/// Reports the checks after the setups as skipped (the reason is the report's).
fn declare_live_checks(report: &mut Report, name: &dyn Fn(&str) -> String) {
    for check in AFTER_SETUP {
        report.check(&name(check), || Ok(()));
    }
}

/// The list row (a screen line) showing a thread whose title starts with `head`, after the
/// selection pointer, the unread mark and the status glyph.
fn row<'a>(screen: &'a str, head: &str) -> Option<&'a str> {
    const MARKS: [char; 9] = ['›', '*', '●', '▶', '?', '○', '✓', '✗', '!'];
    screen.lines().find(|line| {
        line.trim_start_matches(|c: char| c == ' ' || MARKS.contains(&c))
            .starts_with(head)
    })
}

/// Whether the screen is the history of the thread titled `head` (its header line).
fn in_history(screen: &str, head: &str) -> bool {
    screen
        .lines()
        .next()
        .is_some_and(|header| header.starts_with(&format!("‹ {head}")))
}

/// The history's transcript, below its header line.
fn body(screen: &str) -> String {
    screen.lines().skip(1).collect::<Vec<_>>().join("\n")
}

/// Waits (polling our screen, at most [`SCREEN_DEADLINE`]) until `ready` holds for it; the
/// screen then. On a timeout the whole screen goes to stderr (the report keeps one line) and
/// the error says what Codex was doing.
fn wait_for_screen(
    tui: &PtySession,
    what: &str,
    mut run: Option<&mut LiveRun>,
    ready: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + SCREEN_DEADLINE;
    loop {
        let screen = tui.contents();
        if ready(&screen) {
            return Ok(screen);
        }
        if Instant::now() >= deadline {
            eprintln!("conformance: our TUI's screen when waiting for {what} timed out:\n{screen}");
            let codex = run.as_deref_mut().map(LiveRun::describe);
            bail!(
                "no {what} on our screen within {} s ({}); the screen: {}",
                SCREEN_DEADLINE.as_secs(),
                codex.unwrap_or_else(|| "Codex not started".to_owned()),
                screen
                    .lines()
                    .map(str::trim_end)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" / ")
            );
        }
        std::thread::sleep(POLL);
    }
}

/// The background `codex exec` and the gate its command waits on.
struct LiveRun {
    child: Child,
    status: Option<ExitStatus>,
    /// The start of the prompt, which our list and history show as the thread's title.
    head: String,
    /// The file the turn's command waits for and then prints.
    gate: PathBuf,
    /// What the check puts in the gate for the command to print.
    marker: String,
    log: PathBuf,
    home: PathBuf,
}

impl LiveRun {
    fn start(home: &ReleaseHome) -> Result<Self> {
        let version = &home.release.version;
        let head = format!("Live check {version}");
        let gate_name = format!("live-gate-{version}");
        // A bounded wait (30 s), so that the command ends even if the check never opens the
        // gate and Codex is killed; `test`, not `[`, since `]` ends the mock's directive.
        let prompt = format!(
            "{head} [shell: for i in $(seq 300); do test -e {gate_name} && break; sleep 0.1; \
             done; cat {gate_name}]"
        );
        let log = home.scratch("live-exec")?.join("codex-exec.log");
        let gate = home.cwd.join(&gate_name);
        let child = home.spawn_exec(&prompt, &log)?;
        Ok(Self {
            child,
            status: None,
            head,
            gate,
            marker: format!("live-output-{version}"),
            log,
            home: home.home.clone(),
        })
    }

    /// Lets the turn's command go on: it prints the marker, and the turn ends.
    fn release(&self) -> Result<()> {
        if self.gate.exists() {
            return Ok(());
        }
        // Written whole, then renamed: the command must never read a half-written gate.
        let staged = self.gate.with_extension("staged");
        std::fs::write(&staged, format!("{}\n", self.marker))?;
        std::fs::rename(&staged, &self.gate).context("opening the gate")
    }

    /// Opens the gate and waits (at most [`EXIT_DEADLINE`]) for `codex exec` to end, killing it
    /// (only it) on overrun.
    fn finish(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let released = self.release();
        let deadline = Instant::now() + EXIT_DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.status = Some(status);
                released?;
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                self.status = self.child.wait().ok();
                bail!(
                    "codex exec did not end within {} s of its command's release, so it was killed; its log ends: {}",
                    EXIT_DEADLINE.as_secs(),
                    log_tail(&self.log)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Whether `codex exec` still runs, or how it ended and what it printed last.
    fn describe(&mut self) -> String {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        match self.status {
            None => "codex exec still runs".to_owned(),
            Some(status) => format!(
                "codex exec ended ({status}); its log ends: {}",
                log_tail(&self.log)
            ),
        }
    }
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        if let Err(error) = self.finish() {
            eprintln!("conformance: {error:#}");
        }
        // Newer releases may leave an app-server daemon on the home.
        codex::stop_daemons(&self.home);
    }
}

/// The last few non-empty lines of a log, on one line.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
