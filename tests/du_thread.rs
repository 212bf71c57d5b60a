//! `du THREAD` on the real binary: the inline images and the repeated command output of a
//! thread's rollout, plain and compressed alike.

mod common;

use common::binary::{run, stdout};
use common::*;
use serde_json::{Value, json};

#[test]
fn du_of_a_thread_finds_its_images_and_repeated_output_plain_or_compressed() {
    let home = TestHome::new();
    let output = "compiling crate\n".repeat(100);
    let spec = ThreadSpec::new()
        .with_turn(Turn::new("Build it", "Built.").command("cargo build", &output));
    let written = home.add_thread(&spec);
    let image = format!("data:image/png;base64,{}", "iVBORw0K".repeat(2000));
    let extra = [
        json!({"timestamp":"2026-05-14T09:20:00.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_image","image_url":image}]}}),
        json!({"timestamp":"2026-05-14T09:20:01.000Z","type":"event_msg","payload":{"type":"exec_command_end","call_id":"again","stdout":output,"stderr":"","aggregated_output":output,"exit_code":0}}),
    ];
    for line in &extra {
        append_raw(&written.path, format!("{line}\n"));
    }
    let id = spec.id.to_string();
    let size = std::fs::metadata(&written.path).unwrap().len();

    let report: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["du", &id, "--json"]))).unwrap();
    let usage = &report["usage"];
    assert_eq!(report["bytes"], size);
    assert_eq!(report["compressed"], false);
    assert_eq!(usage["uncompressed_bytes"], size);
    assert_eq!(usage["inline_images"], 1);
    assert_eq!(usage["inline_image_bytes"], image.len());
    // The function_call_output is the first copy; stdout and aggregated_output repeat it.
    let outputs = usage["command_output_bytes"].as_u64().unwrap();
    let copies = 3 * output.len() as u64;
    // (and the fixture's short default output of another call)
    assert!((copies..copies + 100).contains(&outputs), "{usage}");
    assert_eq!(
        usage["repeated_command_output_bytes"].as_u64().unwrap(),
        2 * output.len() as u64
    );

    let text = stdout(&run(home.path(), &["du", &id]));
    assert!(
        text.contains("inline images (1)") && text.contains("of it repeated"),
        "{text}"
    );
    assert!(text.contains("response_item:message"), "{text}");

    // Compressed: the same figures, from the decompressed stream.
    compress_rollout(&written.path);
    let compressed: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["du", &id, "--json"]))).unwrap();
    assert_eq!(compressed["compressed"], true);
    assert!(compressed["bytes"].as_u64().unwrap() < size);
    assert_eq!(compressed["usage"], *usage);

    // An unknown thread is one line on stderr.
    let missing = run(home.path(), &["du", "no-such-thread"]);
    assert!(!missing.status.success());
    assert_eq!(String::from_utf8_lossy(&missing.stderr).lines().count(), 1);
}
