//! What the redaction rules find in a home, without a store (issue 19's false positives):
//! `cargo run --release --example redact_survey -- HOME [EXAMPLES]`.
//!
//! Runs the rules `sync` applies over every line of every thread (active and archived) and over
//! the thread fields it redacts (title, preview, first message, git remote), and prints the
//! number of secrets each rule would replace, then for each rule the most frequent contexts
//! (the name before the value: `API_KEY=`, `"token":`) with an example of each. The output
//! holds what was found: run it on a generated home, or keep it to yourself.

use std::collections::HashMap;
use std::path::Path;

use codex_threads::redact::{Finding, Redactor};
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::{
    HistoryCursor, HistoryDirection, ListThreadsParams, ReadHistoryPageParams, ThreadStore,
};

#[derive(Default)]
struct Tally {
    count: usize,
    contexts: HashMap<String, (usize, String)>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--files FILE…`: plain text files (source code, logs) line by line instead of a home,
    // to see what the rules take from text that holds no secret.
    if args.first().map(String::as_str) == Some("--files") {
        return survey_files(&args[1..]);
    }
    let (home, examples) = match args.as_slice() {
        [home] => (home.as_str(), 12),
        [home, examples] => (home.as_str(), examples.parse()?),
        _ => anyhow::bail!("usage: redact_survey HOME [EXAMPLES]"),
    };
    let local = LocalThreadStore::open(Path::new(home), LocalStoreOptions::default());
    let redactor = Redactor::builtin();
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let mut record = |finding: Finding<'_>| {
        let tally = tallies.entry(finding.kind.to_string()).or_default();
        tally.count += 1;
        let (context, example) = describe(&finding);
        let entry = tally.contexts.entry(context).or_insert((0, example));
        entry.0 += 1;
    };
    let (mut lines, mut threads, mut redacted_lines) = (0usize, 0usize, 0usize);
    for archived in [false, true] {
        let listed = local
            .list_threads(ListThreadsParams {
                page_size: 0,
                archived,
                ..Default::default()
            })
            .await?
            .items;
        for thread in listed {
            threads += 1;
            for field in [
                Some(thread.preview.as_str()),
                thread.name.as_deref(),
                thread.first_user_message.as_deref(),
                thread
                    .git_info
                    .as_ref()
                    .and_then(|git| git.repository_url.as_deref()),
            ]
            .into_iter()
            .flatten()
            {
                redactor.redact_text_observed(field, &mut record);
            }
            let mut anchor = Some(HistoryCursor(0));
            loop {
                let page = local
                    .read_history_page(ReadHistoryPageParams {
                        thread_id: thread.thread_id,
                        include_archived: true,
                        anchor,
                        direction: HistoryDirection::Forward,
                        limit: 4_000,
                        include_raw: true,
                    })
                    .await?;
                for raw in page.lines.iter().filter_map(|line| line.raw.as_deref()) {
                    lines += 1;
                    if redactor.redact_line_observed(raw, &mut record).is_some() {
                        redacted_lines += 1;
                    }
                }
                if page.at_end || page.lines.is_empty() {
                    break;
                }
                anchor = Some(page.end);
            }
        }
    }
    let total: usize = tallies.values().map(|tally| tally.count).sum();
    println!("home: {home}");
    println!("{threads} threads, {lines} lines, {redacted_lines} lines redacted, {total} secrets");
    print_tallies(&tallies, examples);
    Ok(())
}

fn survey_files(files: &[String]) -> anyhow::Result<()> {
    let redactor = Redactor::builtin();
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let (mut lines, mut redacted_lines) = (0usize, 0usize);
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(file)?).into_owned();
        for line in text.lines() {
            lines += 1;
            let found = redactor.redact_text_observed(line, &mut |finding| {
                let tally = tallies.entry(finding.kind.to_string()).or_default();
                tally.count += 1;
                let (context, example) = describe(&finding);
                tally.contexts.entry(context).or_insert((0, example)).0 += 1;
            });
            redacted_lines += usize::from(found.is_some());
        }
    }
    let total: usize = tallies.values().map(|tally| tally.count).sum();
    println!(
        "{} files, {lines} lines, {redacted_lines} lines redacted, {total} secrets",
        files.len()
    );
    print_tallies(&tallies, 40);
    Ok(())
}

fn print_tallies(tallies: &HashMap<String, Tally>, examples: usize) {
    println!();
    let mut kinds: Vec<(&String, &Tally)> = tallies.iter().collect();
    kinds.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    println!("| rule | secrets |");
    println!("| --- | --- |");
    for (kind, tally) in &kinds {
        println!("| {kind} | {} |", tally.count);
    }
    for (kind, tally) in &kinds {
        println!();
        println!("## {kind} ({})", tally.count);
        let mut contexts: Vec<(&String, &(usize, String))> = tally.contexts.iter().collect();
        contexts.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        for (context, (count, example)) in contexts.into_iter().take(examples) {
            println!("{count:>7}  {context:<32}  {example}");
        }
    }
}

/// The name in front of a found value (the key of a `KEY=value`, else the text just before
/// it), and the value with a little around it, as one escaped line.
fn describe(finding: &Finding<'_>) -> (String, String) {
    let text = finding.text;
    let before = &text[..finding.span.start];
    let name: String = before
        .trim_end_matches(['"', '\'', ' ', ':', '=', '\t'])
        .chars()
        .rev()
        .take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.' | '/'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let start = floor_char(text, finding.span.start.saturating_sub(40));
    let end = floor_char(text, (finding.span.end + 20).min(text.len()));
    let example = format!("{:?}", &text[start..end]);
    let example: String = example.chars().take(160).collect();
    (
        if name.is_empty() {
            "(none)".into()
        } else {
            name
        },
        example,
    )
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
