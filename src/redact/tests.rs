use super::*;

fn user(patterns: &[(&str, &str)], allow: &[&str]) -> Redactor {
    Redactor::new(&RedactConfig {
        patterns: patterns
            .iter()
            .map(|(kind, pattern)| UserPattern {
                kind: kind.to_string(),
                pattern: pattern.to_string(),
            })
            .collect(),
        allow: allow.iter().map(|value| value.to_string()).collect(),
    })
    .unwrap()
}

#[test]
fn a_line_keeps_its_json_and_other_fields_and_names_the_kind() {
    let line = r#"{"timestamp":"2025-01-01T00:00:00.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_1","output":"OPENAI_API_KEY=sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5jL7\nok"}}"#;
    let (out, count) = Redactor::builtin().redact_line(line).unwrap();
    assert_eq!(count, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        value["payload"]["output"],
        "OPENAI_API_KEY=[redacted: openai-api-key]\nok"
    );
    assert_eq!(value["payload"]["call_id"], "call_1");
    assert_eq!(value["timestamp"], "2025-01-01T00:00:00.000Z");
    // Order of members is kept.
    assert!(out.starts_with(r#"{"timestamp":"#), "{out}");
}

#[test]
fn a_line_without_secrets_is_left_byte_for_byte() {
    let line = r#"{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":12,"output_tokens":3}}}}"#;
    assert_eq!(Redactor::builtin().redact_line(line), None);
}

#[test]
fn a_pem_block_written_with_json_escapes_is_found_in_the_decoded_text() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
    let line =
        serde_json::json!({"type": "x", "payload": {"output": format!("$ cat id\n{key}\n$ ")}})
            .to_string();
    let (out, count) = Redactor::builtin().redact_line(&line).unwrap();
    assert_eq!(count, 1);
    assert!(!out.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        value["payload"]["output"],
        "$ cat id\n[redacted: private-key]\n$ "
    );
}

#[test]
fn a_json_member_named_as_a_secret_is_redacted_with_its_name() {
    let line = r#"{"type":"x","payload":{"arguments":"{}","client_secret":"Zq8Wm3Rt6Yu1Io4Pa7Sd0Fg","max_tokens":"4096"}}"#;
    let (out, count) = Redactor::builtin().redact_line(line).unwrap();
    assert_eq!(count, 1);
    assert!(
        out.contains(r#""client_secret":"[redacted: secret-assignment]""#),
        "{out}"
    );
    assert!(out.contains(r#""max_tokens":"4096""#), "{out}");
}

#[test]
fn tool_arguments_that_are_json_in_a_string_stay_json() {
    let arguments = serde_json::json!({"command": ["bash", "-lc", "curl -H 'Authorization: Bearer abcdef0123456789abcdef0123456789' x"]}).to_string();
    let line = serde_json::json!({"type": "response_item", "payload": {"type": "function_call", "arguments": arguments}}).to_string();
    let (out, _) = Redactor::builtin().redact_line(&line).unwrap();
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arguments: serde_json::Value =
        serde_json::from_str(value["payload"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments["command"][2],
        "curl -H 'Authorization: Bearer [redacted: bearer-token]' x"
    );
}

#[test]
fn user_patterns_apply_and_allowed_values_stay() {
    let redactor = user(
        &[("acme-token", "ACME-[0-9A-F]{16}")],
        &["AKIAIOSFODNN7EXAMPLE"],
    );
    let (out, count) = redactor
        .redact_text("id AKIAIOSFODNN7EXAMPLE, other AKIAQYLPMN5HFIQR7XYZ, ACME-0123456789ABCDEF")
        .unwrap();
    assert_eq!(count, 2);
    assert_eq!(
        out,
        "id AKIAIOSFODNN7EXAMPLE, other [redacted: aws-access-key-id], [redacted: acme-token]"
    );
}

#[test]
fn a_bad_user_pattern_is_an_error_naming_it() {
    let err = Redactor::new(&RedactConfig {
        patterns: vec![UserPattern {
            kind: "mine".into(),
            pattern: "(unclosed".into(),
        }],
        allow: Vec::new(),
    })
    .unwrap_err();
    assert!(
        err.to_string().starts_with("redaction rule mine: "),
        "{err}"
    );
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn thread_fields_are_redacted() {
    let mut thread = StoredThread::blank(
        crate::protocol::ThreadId::new(),
        crate::protocol::time::now_millis(),
    );
    thread.preview = "use GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Abcdefghij0123456789 please".into();
    thread.first_user_message = Some(thread.preview.clone());
    thread.git_info = Some(crate::protocol::GitInfo {
        commit_hash: Some("9fceb02d0ae598e95dc970b74767f19372d61af8".into()),
        branch: Some("main".into()),
        repository_url: Some("https://bot:Sup3rS3cret@git.example.com/r.git".into()),
    });
    assert_eq!(Redactor::builtin().redact_thread(&mut thread), 3);
    assert_eq!(
        thread.preview,
        "use GITHUB_TOKEN=[redacted: github-token] please"
    );
    let git = thread.git_info.unwrap();
    assert_eq!(
        git.repository_url.as_deref(),
        Some("https://bot:[redacted: url-password]@git.example.com/r.git")
    );
    assert_eq!(
        git.commit_hash.as_deref(),
        Some("9fceb02d0ae598e95dc970b74767f19372d61af8")
    );
}
