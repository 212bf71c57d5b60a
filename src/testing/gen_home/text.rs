//! Text for generated threads: word lists, and large pools of command output, code and
//! "encrypted" base64 that rollout lines slice from. Pools are built once per run, already
//! JSON-escaped, so that writing a long output is a copy of a slice.

use std::fmt::Write as _;

use super::rng::Rng;

/// Appends `text` JSON-escaped (without quotes).
pub fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            let _ = std::io::Write::write_fmt(out, format_args!("\\u{byte:04x}"));
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// `text` JSON-escaped (without quotes).
pub fn escaped(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 16);
    escape_into(&mut out, text);
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

pub const USER: &str = "ana";

/// `(directory, GitHub owner)` of the projects threads work in.
pub const PROJECTS: &[(&str, &str)] = &[
    ("src/widget", "ana"),
    ("src/codex-threads", "ana"),
    ("src/billing-api", "acme"),
    ("src/web-dashboard", "acme"),
    ("src/infra", "acme"),
    ("src/ml-pipeline", "acme"),
    ("work/acme/monorepo", "acme"),
    ("work/acme/mobile-app", "acme"),
    ("src/dotfiles", "ana"),
    ("src/rust-analyzer-fork", "ana"),
    ("src/blog", "ana"),
    ("src/advent-of-code", "ana"),
    ("src/kv-store", "ana"),
    ("src/notes-sync", "ana"),
    ("work/acme/data-warehouse", "acme"),
    ("work/acme/auth-service", "acme"),
];

pub const BRANCHES: &[&str] = &[
    "main",
    "main",
    "main",
    "master",
    "develop",
    "feat/streaming-export",
    "fix/login-retry",
    "ana/refactor-config",
    "release/0.9",
    "chore/bump-deps",
];

pub const FILES: &[&str] = &[
    "src/lib.rs",
    "src/main.rs",
    "src/auth/login.rs",
    "src/config.rs",
    "src/store/sqlite.rs",
    "src/http/server.rs",
    "src/cli/args.rs",
    "tests/api.rs",
    "tests/login_flow.rs",
    "web/src/App.tsx",
    "web/src/components/Table.tsx",
    "web/src/hooks/useSession.ts",
    "cmd/server/main.go",
    "pkg/db/migrate.go",
    "pipeline/train.py",
    "pipeline/features/encode.py",
    "infra/terraform/main.tf",
    ".github/workflows/ci.yml",
    "Cargo.toml",
    "README.md",
    "docs/architecture.md",
    "scripts/release.sh",
];

pub const IDENTS: &[&str] = &[
    "session",
    "config",
    "retry_count",
    "handle",
    "reader",
    "cursor",
    "rows",
    "token",
    "user_id",
    "payload",
    "deadline",
    "state",
    "cache",
    "entries",
    "summary",
    "limit",
    "offset",
    "path",
    "buf",
    "index",
];

pub const COMMANDS: &[&str] = &[
    "cargo test",
    "cargo test -p auth login",
    "cargo clippy --all-targets -- -D warnings",
    "cargo build --release",
    "rg -n \"fn load\" src",
    "rg -n \"TODO|FIXME\" --glob '!target'",
    "git status --short",
    "git diff --stat",
    "git log --oneline -20",
    "sed -n '1,200p' src/lib.rs",
    "ls -la",
    "npm run build",
    "npm test -- --watch=false",
    "pytest -x tests/test_pipeline.py",
    "go test ./...",
    "terraform plan -no-color",
    "cat Cargo.toml",
    "find . -name '*.rs' | head -50",
];

const PROMPTS: &[&str] = &[
    "Fix the flaky login test",
    "Why does `cargo test` fail on CI but not locally?",
    "Add a --json flag to the list command",
    "Refactor {file} to use async I/O",
    "The dashboard table is slow with 10k rows, can you profile and fix it?",
    "Write integration tests for the retry logic in {file}",
    "Bump all dependencies and fix the breakages",
    "Explain how the session cache works",
    "Migrate the config loader from YAML to TOML",
    "Add pagination to the /threads endpoint",
    "Find out why memory grows when streaming large exports",
    "Set up a GitHub Actions workflow that runs clippy and tests",
    "Rename `{ident}` to something clearer across the codebase",
    "Implement a reverse line reader for huge log files",
    "The release script breaks on macOS, please fix",
    "Review my last commit and point out bugs",
    "Add structured logging with tracing to the HTTP server",
    "Speed up the feature encoding step in the pipeline",
    "Port {file} from Python 2 idioms to modern Python",
    "Make the login form accessible (labels, focus order)",
    "Write a migration that adds an index on created_at",
    "Our terraform plan wants to recreate the database, why?",
    "Add a dark mode toggle to the settings page",
    "Handle SIGTERM gracefully in the server",
    "Document the architecture in docs/architecture.md",
    "Deduplicate the error types in {file}",
];

const FOLLOW_UPS: &[&str] = &[
    "Looks good. Now also handle the empty case.",
    "Run the tests again please",
    "That didn't work, the same error is still there:",
    "Can you make it faster?",
    "Commit this with a good message",
    "Also update the README",
    "Please revert the change to {file}, it was fine before",
    "What about Windows?",
    "ok continue",
    "Add a regression test for that",
    "Now split this into smaller functions",
    "Why did you choose this approach over a channel?",
];

const NAMES: &[&str] = &[
    "Login flake",
    "CI failure hunt",
    "JSON output",
    "Async refactor",
    "Table perf",
    "Retry tests",
    "Deps bump",
    "Config to TOML",
    "Pagination",
    "Export memory leak",
    "Release script",
    "Tracing setup",
    "Dark mode",
    "SIGTERM handling",
    "Architecture doc",
    "Terraform drift",
];

const SUMMARIES: &[&str] = &[
    "**Inspecting the failing test**",
    "**Reading the relevant module**",
    "**Planning the change**",
    "**Running the test suite**",
    "**Checking for other call sites**",
    "**Reviewing the diff**",
    "**Considering edge cases**",
    "**Investigating the error output**",
    "**Updating the documentation**",
    "**Verifying the fix**",
];

const SENTENCES: &[&str] = &[
    "I traced the failure to a race between the session refresh and the retry timer.",
    "The loader now reads the file once and keeps the parsed value in the cache.",
    "I kept the public API unchanged so callers do not need to be updated.",
    "The slow path was an O(n²) scan over the rows on every render.",
    "Tests cover the empty input, a single element and the large case.",
    "I could not reproduce the macOS failure here, but the script now avoids GNU-only flags.",
    "The migration is reversible and runs in a single transaction.",
    "Clippy is clean and the full test suite passes.",
    "One open question: should the limit be configurable per user?",
    "I left a TODO where the old behaviour is still needed for the v1 endpoint.",
    "Errors now carry the path they refer to, which makes the logs much easier to read.",
    "The benchmark went from 840 ms to 95 ms on the 10k-row fixture.",
];

const GUIDELINES: &[&str] = &[
    "You are Codex, a coding agent based on GPT-5. You and the user share the same workspace and collaborate to achieve the user's goals.",
    "When searching for text or files, prefer using `rg` or `rg --files` because it is much faster than alternatives like `grep`.",
    "Default to ASCII when editing or creating files. Only introduce non-ASCII characters when there is a clear justification.",
    "Add succinct code comments that explain what is going on if code is not self-explanatory.",
    "You may be in a dirty git worktree. NEVER revert existing changes you did not make unless explicitly requested.",
    "Do not amend a commit unless explicitly requested to do so.",
    "While you are working, you might notice unexpected changes that you didn't make. If this happens, STOP IMMEDIATELY and ask the user how they would like to proceed.",
    "**NEVER** use destructive commands like `git reset --hard` or `git checkout --` unless specifically requested or approved by the user.",
    "When using the planning tool: skip it for straightforward tasks, do not make single-step plans, and update the plan after having performed one of the sub-tasks.",
    "Your final message should read naturally, like an update from a concise teammate. For casual conversation, respond in a friendly tone.",
    "Use backticks for commands, paths, environment variables and code identifiers. Keep headers short and use them only when they help.",
    "If the codebase has tests or the ability to build or run, consider using them to verify that your work is complete.",
];

pub const PERMISSIONS: &str = "<permissions instructions>\nFilesystem sandboxing defines which files can be read or written. `sandbox_mode` is `workspace-write`: The sandbox permits reading files, and editing files in `cwd` and `writable_roots`. Editing files in other directories requires approval. Network access is restricted.\nApproval policy is currently on-request. Commands will be run in the sandbox by default, and you can specify in your tool call if you want to escalate a command to run without sandboxing.\n</permissions instructions>";

/// The skills a paginated thread's instructions list (the body of `<skills_instructions>`).
pub const SKILLS: &str = "\n## Skills\nA skill is a folder of instructions in a `SKILL.md` file that you load when a task matches its description. Skills available in this session:\n- changelog: Write the changelog entry for the current branch from its commits. (file: /home/ana/.codex/skills/changelog/SKILL.md)\n- release-notes: Draft release notes from the pull requests merged since the last tag. (file: /home/ana/.codex/skills/release-notes/SKILL.md)\n- db-migration: Write and check a reversible database migration. (file: /home/ana/.codex/skills/db-migration/SKILL.md)\n";

/// Everything a run slices from, built once from the seed.
pub struct Pools {
    /// Command output lines, JSON-escaped, each ending in an escaped newline.
    output: String,
    /// Byte offsets of the lines of `output`.
    output_lines: Vec<usize>,
    /// Code lines for patches, each JSON-escaped, without newline.
    pub code: Vec<String>,
    /// Random base64 for `encrypted_content`.
    base64: String,
    /// Escaped base instructions of several lengths (shortest first).
    pub base_instructions: Vec<String>,
}

impl Pools {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::derive(seed, 0x9001, 0);
        let raw_code: Vec<String> = (0..4096).map(|_| code_line(&mut rng)).collect();
        let mut output = String::with_capacity(3 << 20);
        let mut output_lines = Vec::new();
        let mut raw = String::new();
        while output.len() < 2 << 20 {
            raw.clear();
            output_block(&mut rng, &raw_code, &mut raw);
            for line in raw.lines() {
                output_lines.push(output.len());
                output.push_str(&escaped(line));
                output.push_str("\\n");
            }
        }
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let base64: String = (0..(1 << 20))
            .map(|_| alphabet[rng.below(64) as usize] as char)
            .collect();
        let base_instructions = [2_000, 6_000, 12_000, 21_000]
            .iter()
            .map(|&len| {
                let mut text = String::new();
                let mut n = 0;
                while text.len() < len {
                    if n % 4 == 0 {
                        let _ = write!(text, "## Section {}\n\n", n / 4 + 1);
                    }
                    text.push_str(GUIDELINES[n % GUIDELINES.len()]);
                    text.push_str("\n\n");
                    n += 1;
                }
                escaped(&text)
            })
            .collect();
        Pools {
            code: raw_code.iter().map(|line| escaped(line)).collect(),
            output,
            output_lines,
            base64,
            base_instructions,
        }
    }

    /// About `len` bytes of escaped command output, starting and ending on line boundaries.
    pub fn output(&self, rng: &mut Rng, len: usize) -> &str {
        let last_start = self.output.len().saturating_sub(len + 1);
        let first = self.output_lines.partition_point(|&at| at <= last_start);
        let line = rng.below(first.max(1) as u64) as usize;
        let start = self.output_lines[line];
        let end_line = self.output_lines.partition_point(|&at| at < start + len);
        let end = self
            .output_lines
            .get(end_line)
            .copied()
            .unwrap_or(self.output.len());
        &self.output[start..end]
    }

    /// `len` characters of base64.
    pub fn base64(&self, rng: &mut Rng, len: usize) -> &str {
        let len = len.min(self.base64.len());
        let start = rng.below((self.base64.len() - len + 1) as u64) as usize;
        &self.base64[start..start + len]
    }
}

fn fill(template: &str, rng: &mut Rng) -> String {
    template
        .replace("{file}", rng.pick::<&str>(FILES))
        .replace("{ident}", rng.pick::<&str>(IDENTS))
}

pub fn prompt(rng: &mut Rng) -> String {
    let base = fill(rng.pick::<&str>(PROMPTS), rng);
    match rng.below(10) {
        0 => format!(
            "{base}\n\nHere is the error:\n\n```\nerror[E0502]: cannot borrow `{}` as mutable because it is also borrowed as immutable\n  --> {}:{}:9\n```",
            rng.pick(IDENTS),
            rng.pick(FILES),
            rng.range(10, 400)
        ),
        1 => format!("{base}. Keep the change small and add tests."),
        _ => base,
    }
}

pub fn follow_up(rng: &mut Rng) -> String {
    fill(rng.pick::<&str>(FOLLOW_UPS), rng)
}

pub fn thread_name(rng: &mut Rng) -> String {
    let name = *rng.pick(NAMES);
    match rng.below(3) {
        0 => format!("{name} ({})", rng.pick(BRANCHES)),
        _ => name.to_string(),
    }
}

pub fn reasoning_summary(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(SUMMARIES)
}

pub fn commentary(rng: &mut Rng) -> String {
    format!(
        "I'll look at `{}` first and then run `{}`.",
        rng.pick(FILES),
        rng.pick(COMMANDS)
    )
}

/// A final answer of a few sentences and a list of changed files.
pub fn final_answer(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.range(1, 4) {
        text.push_str(rng.pick::<&str>(SENTENCES));
        text.push(' ');
    }
    text.push_str("\n\nChanges:\n");
    for _ in 0..rng.range(1, 5) {
        let _ = writeln!(
            text,
            "- `{}`: {}",
            rng.pick(FILES),
            rng.pick(SENTENCES).to_lowercase()
        );
    }
    if rng.chance(0.5) {
        text.push_str("\nTests: `cargo test` passes (");
        let _ = write!(text, "{} passed).", rng.range(3, 900));
    }
    text.trim_end().to_string()
}

fn code_line(rng: &mut Rng) -> String {
    let indent = "    ".repeat(rng.below(4) as usize);
    let a = rng.pick(IDENTS);
    let b = rng.pick(IDENTS);
    let line = match rng.below(9) {
        0 => format!("let {a} = {b}.load(&path)?;"),
        1 => format!("if {a}.is_empty() {{"),
        2 => "}".to_string(),
        3 => format!("// Keep {a} in sync with {b}: the reader relies on it."),
        4 => format!("println!(\"{a}: {{}}\", {b});"),
        5 => format!("fn {a}_{b}(&self, {b}: usize) -> Result<Vec<u8>, Error> {{"),
        6 => format!(
            "self.{a}.insert({b}.clone(), \"{}\".to_string());",
            rng.pick(FILES)
        ),
        7 => format!("return Err(Error::NotFound({{ {a} }}));"),
        _ => format!(
            "const {}: u64 = {};",
            a.to_uppercase(),
            rng.range(1, 1 << 20)
        ),
    };
    format!("{indent}{line}")
}

/// A block of output lines of one kind (compiler, tests, search hits, listings, logs).
fn output_block(rng: &mut Rng, code: &[String], out: &mut String) {
    let lines = rng.range(3, 60);
    match rng.below(6) {
        0 => {
            for _ in 0..lines {
                let _ = writeln!(
                    out,
                    "   Compiling {}-{} v0.{}.{}",
                    rng.pick(IDENTS),
                    rng.pick(IDENTS),
                    rng.range(1, 40),
                    rng.range(0, 12)
                );
            }
            let _ = writeln!(
                out,
                "    Finished `dev` profile [unoptimized + debuginfo] target(s) in {}.{:02}s",
                rng.range(0, 90),
                rng.range(0, 99)
            );
        }
        1 => {
            let mut failed = 0;
            for _ in 0..lines {
                let ok = rng.chance(0.93);
                failed += usize::from(!ok);
                let _ = writeln!(
                    out,
                    "test {}::{}_{} ... {}",
                    rng.pick(IDENTS),
                    rng.pick(IDENTS),
                    rng.pick(IDENTS),
                    if ok { "ok" } else { "FAILED" }
                );
            }
            let _ = writeln!(
                out,
                "\ntest result: {}. {} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out; finished in {}.{:02}s",
                if failed == 0 { "ok" } else { "FAILED" },
                lines as usize - failed,
                rng.range(0, 30),
                rng.range(0, 99)
            );
        }
        2 => {
            for _ in 0..lines {
                let code = rng.pick(code);
                let _ = writeln!(
                    out,
                    "{}:{}:{}",
                    rng.pick(FILES),
                    rng.range(1, 2000),
                    code.trim()
                );
            }
        }
        3 => {
            let _ = writeln!(out, "total {}", lines * 8);
            for _ in 0..lines {
                let _ = writeln!(
                    out,
                    "-rw-r--r--  1 {USER} staff {:>8} Nov {:>2} {:02}:{:02} {}",
                    rng.range(0, 400_000),
                    rng.range(1, 30),
                    rng.range(0, 23),
                    rng.range(0, 59),
                    rng.pick(FILES)
                );
            }
        }
        4 => {
            for _ in 0..lines {
                let _ = writeln!(
                    out,
                    "2026-11-{:02}T{:02}:{:02}:{:02}.{:03}Z  {} {}: request {} took {} ms — {}",
                    rng.range(1, 28),
                    rng.range(0, 23),
                    rng.range(0, 59),
                    rng.range(0, 59),
                    rng.range(0, 999),
                    rng.pick(&["INFO", "INFO", "DEBUG", "WARN", "ERROR"]),
                    rng.pick(IDENTS),
                    rng.range(1000, 99999),
                    rng.range(1, 5000),
                    rng.pick(SENTENCES)
                );
            }
        }
        _ => {
            for _ in 0..lines {
                out.push_str(rng.pick(code).as_str());
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_serde_json() {
        let text = "a \"quoted\" \\ path\nnext\tline\r\u{1} é ✓";
        let expected = serde_json::to_string(text).unwrap();
        assert_eq!(format!("\"{}\"", escaped(text)), expected);
    }

    #[test]
    fn output_slices_are_valid_json_strings() {
        let pools = Pools::new(3);
        let mut rng = Rng::new(9);
        for len in [1, 100, 5_000, 40_000] {
            let slice = pools.output(&mut rng, len);
            assert!(slice.len() >= len.min(100));
            let decoded: String = serde_json::from_str(&format!("\"{slice}\"")).unwrap();
            assert!(decoded.ends_with('\n'));
        }
    }
}
