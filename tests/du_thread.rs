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

/// Every inline binary kind the rollout format names is counted, by kind, in `--json` and in
/// the table: data URLs in input_image items, image_url objects and a user message's images,
/// raw base64 of generated images and of MCP image, audio and resource content.
#[test]
fn du_of_a_thread_counts_each_kind_of_inline_binary() {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("Look at these", "Looked.");
    let written = home.add_thread(&spec);
    let png = format!("data:image/png;base64,{}", "iVBORw0K".repeat(300));
    let raw = "QUJDRA==".repeat(500);
    let at = "2026-05-14T09:20:00.000Z";
    let lines = [
        json!({"timestamp":at,"type":"event_msg","payload":{"type":"user_message","message":"","images":[png],"local_images":[],"text_elements":[]}}),
        json!({"timestamp":at,"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_image","image_url":png}]}}),
        json!({"timestamp":at,"type":"response_item","payload":{"type":"function_call_output","call_id":"v","output":[{"type":"input_image","image_url":png}]}}),
        json!({"timestamp":at,"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"image_url","image_url":{"url":png}}]}}),
        json!({"timestamp":at,"type":"response_item","payload":{"type":"image_generation_call","status":"completed","result":raw}}),
        json!({"timestamp":at,"type":"event_msg","payload":{"type":"mcp_tool_call_end","call_id":"m","invocation":{"server":"s","tool":"shot"},"duration":{"secs":1,"nanos":0},"result":{"Ok":{"content":[{"type":"image","data":raw,"mimeType":"image/png"},{"type":"resource","resource":{"uri":"file:///a","blob":raw}}]}}}}),
    ];
    for line in &lines {
        append_raw(&written.path, format!("{line}\n"));
    }
    let id = spec.id.to_string();
    let report: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["du", &id, "--json"]))).unwrap();
    let usage = &report["usage"];
    let kind = |name: &str| {
        usage["inline_binary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|kind| kind["kind"] == name)
            .map(|kind| {
                (
                    kind["items"].as_u64().unwrap(),
                    kind["bytes"].as_u64().unwrap(),
                )
            })
            .unwrap_or_else(|| panic!("no {name}: {usage}"))
    };
    let png_len = png.len() as u64;
    let raw_len = raw.len() as u64;
    assert_eq!(kind("input_image data URLs"), (2, 2 * png_len));
    assert_eq!(kind("image_url data URLs"), (1, png_len));
    assert_eq!(kind("user_message images"), (1, png_len));
    assert_eq!(kind("generated images"), (1, raw_len));
    assert_eq!(kind("MCP image/audio content"), (1, raw_len));
    assert_eq!(kind("MCP resource blobs"), (1, raw_len));
    // The data URL scan agrees on the data URLs (raw base64 has no marker to scan for).
    assert_eq!(usage["inline_images"], 4);

    let text = stdout(&run(home.path(), &["du", &id]));
    assert!(
        text.contains("inline binary (base64) by where it is:"),
        "{text}"
    );
    assert!(
        text.contains("generated images") && text.contains("MCP resource blobs"),
        "{text}"
    );
}
