//! The lines of a paginated rollout, shaped (field names, key order, nesting) after what Codex
//! 0.169.0 wrote in `testdata/homes/0.169.0/` and in probes against the same release (a
//! workspace-write sandbox, a reasoning effort, a manual compaction).
//!
//! Where no recording shows a shape, the closest recorded one is followed and the guess is
//! named here: the `phase` of assistant messages (real models send it, the mock did not), a
//! `FileChange` update (recorded: an add), `custom_tool_call` items for `apply_patch` (the
//! recording ran patches through `exec_command`), a model change as a `world_state` diff, and
//! automatic compaction mid-turn (recorded: a manual compaction turn, whose lines are reused).

use super::text::{self, escaped};
use super::{LOCAL_OFFSET_SECONDS, Sandbox, TIMEZONE, Usage, UserInput, Writer};
use crate::protocol::time::{format_rollout_timestamp, from_millis};

/// The context window paginated turns report (0.169 reports 95% of the model's 272k).
pub const CONTEXT_WINDOW: i64 = 258_400;

/// Hashes that `world_state` records for instructions. Codex hashes the texts; the generator's
/// texts never change, so fixed values (from the recording) stand in for them.
const COLLABORATION_HASH: &str = "dfd53114f5f6f9f5fd7816370d0bf2847806246d";
const MODEL_CATALOG_HASH: &str = "ea1a55de2973a50e2e404222c5499c24df5591ed";

/// What a thread's sandbox looks like in paginated lines, built once per thread.
pub struct Permissions {
    /// `permission_profile` JSON.
    profile: String,
    /// `file_system_sandbox_policy` JSON (workspace-write only).
    file_system_policy: Option<String>,
    /// The `<filesystem>` element of the environment context, JSON-escaped.
    filesystem_xml: String,
    instructions_hash: &'static str,
}

impl Permissions {
    pub fn new(sandbox: Sandbox, cwd: &str) -> Self {
        let cwd_json = escaped(cwd);
        // The restricted entries of a workspace-write sandbox: read everywhere, write the
        // workspace and temporary directories, and keep a few dot directories read-only.
        let mut entries = String::from(
            "[{\"path\":{\"type\":\"special\",\"value\":{\"kind\":\"root\"}},\"access\":\"read\"}",
        );
        let mut xml = format!("<filesystem><workspace_roots><root>{cwd}</root></workspace_roots>");
        let (profile, file_system_policy, instructions_hash) = match sandbox {
            Sandbox::FullAccess => {
                xml.push_str("<permission_profile type=\"disabled\"><file_system type=\"unrestricted\" /></permission_profile>");
                (
                    "{\"type\":\"disabled\"}".to_string(),
                    None,
                    "32ca25d6d85edaeb6f1e19b2a5cc4e08d2a631cd",
                )
            }
            Sandbox::ReadOnly => {
                entries.push(']');
                xml.push_str("<permission_profile type=\"managed\"><file_system type=\"restricted\"><entry access=\"read\"><special>:root</special></entry></file_system></permission_profile>");
                (
                    format!(
                        "{{\"type\":\"managed\",\"file_system\":{{\"type\":\"restricted\",\"entries\":{entries}}},\"network\":\"restricted\"}}"
                    ),
                    None,
                    "fed2f53df24dd05a217b734cf7ad9abefa7cc6a2",
                )
            }
            Sandbox::WorkspaceWrite => {
                xml.push_str("<permission_profile type=\"managed\"><file_system type=\"restricted\"><entry access=\"read\"><special>:root</special></entry>");
                entries.push_str(&format!(
                    ",{{\"path\":{{\"type\":\"path\",\"path\":\"{cwd_json}\"}},\"access\":\"write\"}}"
                ));
                xml.push_str(&format!(
                    "<entry access=\"write\"><path>{cwd}</path></entry>"
                ));
                for special in ["slash_tmp", "tmpdir"] {
                    entries.push_str(&format!(
                        ",{{\"path\":{{\"type\":\"special\",\"value\":{{\"kind\":\"{special}\"}}}},\"access\":\"write\"}}"
                    ));
                    xml.push_str(&format!(
                        "<entry access=\"write\"><special>:{special}</special></entry>"
                    ));
                }
                for dir in [".git", ".agents", ".codex", ".aws"] {
                    entries.push_str(&format!(
                        ",{{\"path\":{{\"type\":\"path\",\"path\":\"{cwd_json}/{dir}\"}},\"access\":\"read\",\"missing_path_behavior\":\"skip\"}}"
                    ));
                    xml.push_str(&format!(
                        "<entry access=\"read\"><path>{cwd}/{dir}</path></entry>"
                    ));
                }
                entries.push(']');
                xml.push_str("</file_system></permission_profile>");
                (
                    format!(
                        "{{\"type\":\"managed\",\"file_system\":{{\"type\":\"restricted\",\"entries\":{entries}}},\"network\":\"restricted\"}}"
                    ),
                    Some(format!("{{\"kind\":\"restricted\",\"entries\":{entries}}}")),
                    "bf7a5460c4517040c44ac05fe5cf1a8782fb6258",
                )
            }
        };
        xml.push_str("</filesystem>");
        Permissions {
            profile,
            file_system_policy,
            filesystem_xml: escaped(&xml),
            instructions_hash,
        }
    }
}

impl Writer<'_, '_> {
    /// `"turn_id":"…","create_time":…`-style fractional seconds, as Codex stamps inputs.
    fn create_time(&mut self) -> String {
        let micros = self.rng().below(1000);
        format!(
            "{}.{:06}",
            self.now_ms.div_euclid(1000),
            self.now_ms.rem_euclid(1000) * 1000 + micros as i64
        )
    }

    /// An id the model API would give an output item: `<prefix>_` and 48 hex digits.
    pub(super) fn openai_id(&mut self, prefix: &str) -> String {
        let mut bytes = [0u8; 24];
        self.rng().fill(&mut bytes);
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{prefix}_{hex}")
    }

    fn permissions(&self) -> &Permissions {
        self.settings
            .permissions
            .as_ref()
            .expect("paginated threads have their permissions")
    }

    /// Closes a response item's payload, then writes its `metadata`: the sequence numbers,
    /// the retained source of a message the user sees (`message id, turn id, role`), and
    /// `tail` (further fields, each starting with a comma).
    ///
    /// Returns the revision of a retained message (a compaction lists it again).
    fn end_item(&mut self, retained: Option<(&str, &str, &str)>, tail: &str) -> String {
        self.history_sequence += 1;
        let (sequence, sampled) = (self.history_sequence, self.sampled_through);
        self.push("}");
        let revision =
            retained.map_or_else(String::new, |_| format!("retained_{}", self.uuid_v7()));
        let metadata = item_metadata(sequence, sampled, retained, &revision, tail);
        self.push_fmt(format_args!(",\"metadata\":{metadata}"));
        self.end();
        revision
    }

    fn next_input_order(&mut self) -> u64 {
        let order = self.user_input_order;
        self.user_input_order += 1;
        order
    }

    /// Closes a model output item (a tool call): its passthrough and metadata.
    pub(super) fn end_model_output(&mut self, turn_id: &str) {
        if !self.paginated() {
            self.push("}");
            self.end();
            return;
        }
        self.push_fmt(format_args!(
            ",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\"}}"
        ));
        let order = self.next_input_order();
        self.end_item(None, &format!(",\"user_input_order\":{order}"));
    }

    /// Closes a tool output item.
    pub(super) fn end_output(&mut self, turn_id: &str) {
        if !self.paginated() {
            self.push("}");
            self.end();
            return;
        }
        let create_time = self.create_time();
        self.push_fmt(format_args!(
            ",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"create_time\":{create_time}}}"
        ));
        self.end_item(None, ",\"fallback_token_limit_override\":3000");
    }

    /// `{"type":"item_completed","thread_id":…,"turn_id":…,"item":` — the item follows, then
    /// [`Self::end_item_completed`].
    fn begin_item_completed(&mut self, turn_id: &str) {
        let id = self.plan.id;
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"item_completed\",\"thread_id\":\"{id}\",\"turn_id\":\"{turn_id}\",\"item\":"
        ));
    }

    fn end_item_completed(&mut self, started_ms: i64) {
        let completed_ms = self.now_ms;
        self.push_fmt(format_args!(
            ",\"started_at_ms\":{started_ms},\"completed_at_ms\":{completed_ms}}}"
        ));
        self.end();
    }

    pub(super) fn paginated_session_meta(&mut self) {
        let id = self.plan.id;
        let created = format_rollout_timestamp(from_millis(self.plan.created_ms));
        let window = self.uuid_v7();
        self.first_window_id = window.clone();
        self.window_id = window.clone();
        self.begin("session_meta");
        self.push("{");
        if self.settings.account_scoped {
            self.push("\"account_scoped\":true,");
        }
        self.push_fmt(format_args!(
            "\"session_id\":\"{id}\",\"id\":\"{id}\",\"timestamp\":\"{created}\","
        ));
        self.out
            .extend_from_slice(self.settings.meta_middle.as_bytes());
        self.push(",\"base_instructions\":{\"text\":\"");
        let pools = self.plan.pools;
        self.push(&pools.base_instructions[self.settings.base_instructions]);
        let model = self.settings.model.clone();
        self.push_fmt(format_args!(
            "\",\"provenance\":{{\"type\":\"model\",\"model\":\"{model}\"}}}}"
        ));
        if self.settings.memory_disabled {
            self.push(",\"memory_mode\":\"disabled\"");
        }
        self.push_fmt(format_args!(
            ",\"history_mode\":\"paginated\",\"context_window\":{{\"window_id\":\"{window}\"}}"
        ));
        if let Some(git) = &self.settings.git_json {
            self.out.extend_from_slice(b",\"git\":");
            self.out.extend_from_slice(git.as_bytes());
        }
        self.push("}");
        self.end();
    }

    /// The start of a turn: settings re-applied after a resume or a model change, the task,
    /// and on the first turn the instructions, the environment and the full world state.
    pub(super) fn paginated_turn_start(
        &mut self,
        turn_id: &str,
        first: bool,
        resumed: bool,
        switched_model: bool,
    ) {
        if resumed || switched_model {
            self.thread_settings_applied();
            self.advance(15.0);
        }
        let started = self.seconds();
        let trigger = self.settings.turn_trigger;
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"task_started\",\"turn_attribution\":{{\"turn_id\":\"{turn_id}\",\"turn_trigger\":{trigger},\"parent_turn_id\":null,\"initiating_agent_path\":null,\"root_turn_id\":\"{turn_id}\"}},\"turn_id\":\"{turn_id}\",\"root_turn_id\":\"{turn_id}\",\"started_at\":{started},\"model_context_window\":{CONTEXT_WINDOW},\"collaboration_mode_kind\":\"default\"}}"
        ));
        self.end();
        if first {
            self.advance(30.0);
            self.developer_message(turn_id);
            self.environment_message(turn_id);
            self.advance(2.0);
            let state = self.world_state_full();
            self.begin("world_state");
            self.push(&state);
            self.end();
        } else if switched_model {
            let model = self.settings.model.clone();
            self.begin("world_state");
            self.push_fmt(format_args!(
                "{{\"full\":false,\"state\":{{\"collaboration_mode\":{{\"model\":\"{model}\"}},\"model\":\"{model}\"}}}}"
            ));
            self.end();
        }
        self.advance(2.0);
        self.paginated_turn_context(turn_id);
        if first {
            self.thread_settings_applied();
        }
        self.advance(10.0);
    }

    /// The skills and permissions instructions (`role: developer`).
    fn developer_message(&mut self, turn_id: &str) {
        let id = format!("msg_{}", self.uuid_v7());
        let create_time = self.create_time();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"developer\",\"content\":"
        ));
        self.developer_content();
        self.push_fmt(format_args!(
            ",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"create_time\":{create_time},"
        ));
        self.push(DEVELOPER_KINDS);
        self.push("}");
        self.end_item(None, &format!(",{NO_MCP}"));
    }

    fn developer_content(&mut self) {
        self.push("[{\"type\":\"input_text\",\"text\":\"");
        self.push_escaped(&format!(
            "<skills_instructions>{}</skills_instructions>",
            text::SKILLS
        ));
        self.push("\"},{\"type\":\"input_text\",\"text\":\"");
        self.push_escaped(text::PERMISSIONS);
        self.push("\"}]");
    }

    /// The environment context (`role: user`, injected by Codex, not typed by the user).
    fn environment_message(&mut self, turn_id: &str) {
        let id = format!("msg_{}", self.uuid_v7());
        let create_time = self.create_time();
        let context = self.environment_context();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{context}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"create_time\":{create_time},{ENVIRONMENT_KINDS}}}"
        ));
        self.end_item(None, "");
    }

    /// The `<environment_context>` text, JSON-escaped.
    fn environment_context(&self) -> String {
        let cwd = escaped(&self.settings.cwd);
        format!(
            "<environment_context>\\n  <cwd>{cwd}</cwd>\\n  <shell>zsh</shell>\\n  <current_date>{}</current_date>\\n  <timezone>{TIMEZONE}</timezone>\\n  {}\\n</environment_context>",
            self.local_date(),
            self.permissions().filesystem_xml
        )
    }

    fn local_date(&self) -> String {
        from_millis(self.now_ms + LOCAL_OFFSET_SECONDS * 1000)
            .format("%Y-%m-%d")
            .to_string()
    }

    /// The whole `world_state` payload Codex writes at the start of a thread and after a
    /// compaction.
    fn world_state_full(&self) -> String {
        let s = &self.settings;
        let cwd = escaped(&s.cwd);
        let permissions = self.permissions();
        format!(
            "{{\"full\":true,\"state\":{{\"agents_md\":{{}},\"apps_instructions\":false,\"collaboration_mode\":{{\"mode\":\"default\",\"model\":\"{model}\",\"instructions\":\"{COLLABORATION_HASH}\"}},\"context_window_guidance\":\"\",\"environments\":{{\"environments\":{{\"local\":{{\"cwd\":\"{cwd}\",\"status\":\"available\",\"shell\":\"zsh\"}}}},\"current_date\":\"{date}\",\"timezone\":\"{TIMEZONE}\",\"filesystem\":\"{filesystem}\"}},\"environments_instructions\":false,\"git_attribution\":false,\"host_skills\":{{\"body\":\"{skills}\",\"includeInstructions\":true}},\"managed_developer_instructions\":{{}},\"model\":\"{model}\",\"model_catalog\":\"{MODEL_CATALOG_HASH}\",\"multi_agent_mode\":{{}},\"permissions\":{{\"instructions\":\"{hash}\",\"approved_command_prefixes\":[]}},\"persistent_mode\":{{}},\"plugins_instructions\":false,\"realtime\":{{\"active\":false}},\"skills\":{{\"includeInstructions\":true}}}}}}",
            model = s.model,
            date = self.local_date(),
            filesystem = permissions.filesystem_xml,
            skills = escaped(text::SKILLS),
            hash = permissions.instructions_hash,
        )
    }

    /// `"collaboration_mode":{…}` as turn contexts and thread settings repeat it.
    fn collaboration_mode(&self) -> String {
        let s = &self.settings;
        format!(
            "\"collaboration_mode\":{{\"mode\":\"default\",\"settings\":{{\"model\":\"{}\",\"reasoning_effort\":\"{}\",\"developer_instructions\":null}}}}",
            s.model, s.effort
        )
    }

    pub(super) fn paginated_turn_context(&mut self, turn_id: &str) {
        let s = &self.settings;
        let permissions = self.permissions();
        let file_system_policy = permissions
            .file_system_policy
            .as_ref()
            .map(|policy| format!(",\"file_system_sandbox_policy\":{policy}"))
            .unwrap_or_default();
        let payload = format!(
            "{{\"turn_id\":\"{turn_id}\",\"root_turn_id\":\"{turn_id}\",\"disabled_plugin_ids\":[],\"cwd\":\"{}\",\"approval_policy\":\"{}\",\"approvals_reviewer\":\"user\",\"permission_profile\":{},\"model\":\"{}\",{},\"multi_agent_version\":\"v1\",\"realtime_active\":false,\"effort\":\"{}\",\"summary\":\"auto\",\"sandbox_policy\":{}{file_system_policy}}}",
            escaped(&s.cwd),
            s.approval,
            permissions.profile,
            s.model,
            self.collaboration_mode(),
            s.effort,
            s.sandbox.policy_json(),
        );
        self.begin("turn_context");
        self.push(&payload);
        self.end();
    }

    fn thread_settings_applied(&mut self) {
        let s = &self.settings;
        let cwd = escaped(&s.cwd);
        let payload = format!(
            "{{\"type\":\"thread_settings_applied\",\"thread_id\":\"{}\",\"thread_settings\":{{\"model\":\"{}\",\"model_provider_id\":\"openai\",\"approval_policy\":\"{}\",\"approvals_reviewer\":\"user\",\"requested_approvals_reviewer\":\"user\",\"permission_profile\":{},\"cwd\":\"{cwd}\",\"runtime_workspace_roots\":[\"{cwd}\"],\"reasoning_effort\":\"{}\",{},\"disabled_plugin_ids\":[]}}}}",
            self.plan.id,
            s.model,
            s.approval,
            self.permissions().profile,
            s.effort,
            self.collaboration_mode(),
        );
        self.begin("event_msg");
        self.push(&payload);
        self.end();
    }

    /// The user's prompt: the response item the model sees, then the `UserMessage` item.
    pub(super) fn paginated_user_prompt(&mut self, turn_id: &str, prompt: String) -> UserInput {
        let id = format!("msg_{}", self.uuid_v7());
        let create_time = self.create_time();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\""
        ));
        self.push(&prompt);
        self.push_fmt(format_args!(
            "\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"create_time\":{create_time},{USER_KINDS}}}"
        ));
        let order = self.next_input_order();
        let sampled_through = self.sampled_through;
        let revision = self.end_item(
            Some((&id, turn_id, "user")),
            &format!(",\"user_input_order\":{order},{NO_MCP}"),
        );
        let history_sequence = self.history_sequence;
        self.advance(5.0);
        let started = self.now_ms;
        let item_id = self.uuid_v7();
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"UserMessage\",\"id\":\"{item_id}\",\"content\":[{{\"type\":\"text\",\"text\":\""
        ));
        self.push(&prompt);
        self.push("\",\"text_elements\":[]}]}");
        self.end_item_completed(started);
        if self.aborted_before {
            self.aborted_before = false;
            self.turn_aborted_notice(turn_id);
        }
        UserInput {
            escaped: prompt,
            id,
            turn_id: turn_id.to_string(),
            create_time,
            history_sequence,
            sampled_through,
            revision,
            order,
        }
    }

    /// What Codex tells the model at the next turn after an interrupted one.
    fn turn_aborted_notice(&mut self, turn_id: &str) {
        let id = format!("msg_{}", self.uuid_v7());
        let create_time = self.create_time();
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"<turn_aborted>\\nThe user stopped the previous turn. Commands it started may still be running or may have done part of their work.\\n</turn_aborted>\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"create_time\":{create_time},\"content_item_kinds\":[\"generic.turn_aborted\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"harness\",\"hook\":false}}}}]}}"
        ));
        self.end_item(None, "");
    }

    pub(super) fn paginated_reasoning(&mut self, turn_id: &str, summary: &str, blob: &str) {
        let id = self.openai_id("rs");
        let started = self.now_ms;
        self.advance(1.0);
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"Reasoning\",\"id\":\"{id}\",\"summary_text\":[\"{summary}\"],\"raw_content\":[]}}"
        ));
        self.end_item_completed(started);
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"reasoning\",\"id\":\"{id}\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{summary}\"}}],\"content\":null,\"encrypted_content\":\"gAAAAAB"
        ));
        self.push(blob);
        self.push_fmt(format_args!(
            "\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\"}}"
        ));
        self.end_item(None, "");
    }

    /// An assistant message (`text` already escaped): the `AgentMessage` item, then the
    /// response item.
    pub(super) fn paginated_agent_message(&mut self, turn_id: &str, text: &str, phase: &str) {
        let id = self.openai_id("msg");
        let started = self.now_ms;
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"AgentMessage\",\"id\":\"{id}\",\"content\":[{{\"type\":\"Text\",\"text\":\""
        ));
        self.push(text);
        self.push_fmt(format_args!("\"}}],\"phase\":\"{phase}\"}}"));
        self.end_item_completed(started);
        self.advance(1.0);
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"assistant\",\"content\":[{{\"type\":\"output_text\",\"text\":\""
        ));
        self.push(text);
        self.push_fmt(format_args!(
            "\",\"annotations\":[]}}],\"phase\":\"{phase}\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"content_item_kinds\":[\"unknown\"]}}"
        ));
        let order = self.next_input_order();
        let revision = self.end_item(
            Some((&id, turn_id, "assistant")),
            &format!(",\"user_input_order\":{order}"),
        );
        // Compactions retain the latest few answers.
        if self.assistant_messages.len() == RETAINED {
            self.assistant_messages.remove(0);
        }
        self.assistant_messages.push(Retained {
            message_id: id,
            turn_id: turn_id.to_string(),
            revision,
            order,
            escaped: text.to_string(),
        });
    }

    /// One model call's usage, with the turn's and the thread's so far.
    pub(super) fn token_usage_record(&mut self, turn_id: &str, last: Usage) {
        let id = self.plan.id;
        let response = self.openai_id("resp");
        let (turn, total) = (self.turn_usage, self.total);
        let record = format!(
            "{{\"thread_id\":\"{id}\",\"turn_id\":\"{turn_id}\",\"session_id\":\"{id}\",\"root_turn_id\":\"{turn_id}\",\"response_id\":\"{response}\",\"usage\":{},\"turn_token_usage\":{},\"thread_token_usage\":{}}}",
            usage_json(last),
            usage_json(turn),
            usage_json(total)
        );
        self.begin("token_usage_record");
        self.push(&record);
        self.end();
        // A compaction repeats the record of its own call.
        self.last_usage_record = record;
        self.last_response_id = response;
    }

    /// The `CommandExecution` item of an `exec_command` call (`output` already escaped).
    pub(super) fn command_execution_item(
        &mut self,
        turn_id: &str,
        call_id: &str,
        command: &str,
        output: &str,
        exit: i32,
        started_ms: i64,
    ) {
        let process = self.rng().range(1_000, 99_999);
        let nanos = self.rng().below(1_000_000_000);
        let seconds = (self.now_ms - started_ms) / 1000;
        let command = escaped(command);
        let cwd = escaped(&self.settings.cwd);
        let status = if exit == 0 { "completed" } else { "failed" };
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"CommandExecution\",\"id\":\"{call_id}\",\"process_id\":\"{process}\",\"command\":[\"/bin/zsh\",\"-lc\",\"{command}\"],\"cwd\":\"file://{cwd}\",\"parsed_cmd\":[{{\"type\":\"unknown\",\"cmd\":\"{command}\"}}],\"source\":\"unified_exec_startup\",\"status\":\"{status}\",\"aggregated_output\":\""
        ));
        self.push(output);
        self.push_fmt(format_args!(
            "\",\"exit_code\":{exit},\"duration\":{{\"secs\":{seconds},\"nanos\":{nanos}}}}}"
        ));
        self.end_item_completed(started_ms);
    }

    /// The `FileChange` item of an `apply_patch` call (arguments already escaped).
    pub(super) fn file_change_item(
        &mut self,
        turn_id: &str,
        call_id: &str,
        path: &str,
        diff: &str,
        result: &str,
    ) {
        let started = self.now_ms;
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"FileChange\",\"id\":\"{call_id}\",\"changes\":{{\"{path}\":{{\"type\":\"update\",\"unified_diff\":\""
        ));
        self.push(diff);
        self.push_fmt(format_args!(
            "\",\"move_path\":null}}}},\"status\":\"completed\",\"stdout\":\"{result}\",\"stderr\":\"\"}}"
        ));
        self.end_item_completed(started);
    }

    /// Compaction when the context fills up mid-turn: the summarizing call's answer (marked
    /// `compaction_output`), the `compacted` line with the history that replaces the old one,
    /// then the state, context and settings anew, the reset token count and the
    /// `ContextCompaction` item.
    pub(super) fn paginated_compact(&mut self, turn_id: &str) {
        let started = self.now_ms;
        self.sampled_through = self.history_sequence;
        let summary = escaped(&format!(
            "Summary of the work so far: the user asked for changes in {}. Files were inspected and edited, tests were run; the remaining steps are tracked in the plan.",
            self.settings.cwd
        ));
        let id = self.openai_id("msg");
        self.begin("response_item");
        self.push_fmt(format_args!(
            "{{\"type\":\"message\",\"id\":\"{id}\",\"role\":\"assistant\",\"content\":[{{\"type\":\"output_text\",\"text\":\"{summary}\",\"annotations\":[]}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"content_item_kinds\":[\"unknown\"]}}"
        ));
        self.end_item(None, ",\"compaction_output\":true");
        let usage = self.model_call(turn_id);
        self.token_count(usage, 0);
        self.advance(1.0);

        let handoff = format!(
            "A previous model worked on this task and left the summary below; continue from it without redoing finished work.\\n{summary}"
        );
        // The instructions, the environment and the summary enter the new history as new
        // items; the user's latest messages keep their own.
        let sampled = self.sampled_through;
        let developer_sequence = self.history_sequence + 1;
        self.history_sequence += 3;
        let developer_id = format!("msg_{}", self.uuid_v7());
        let environment_id = format!("msg_{}", self.uuid_v7());
        let summary_id = format!("msg_{}", self.uuid_v7());
        let context = self.environment_context();
        self.begin("compacted");
        self.push_fmt(format_args!(
            "{{\"message\":\"{handoff}\",\"replacement_history\":[{{\"type\":\"message\",\"id\":\"{developer_id}\",\"role\":\"developer\",\"content\":"
        ));
        self.developer_content();
        self.push_fmt(format_args!(
            ",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",{DEVELOPER_KINDS}}}}},{{\"type\":\"message\",\"id\":\"{environment_id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{context}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",{ENVIRONMENT_KINDS}}}}}"
        ));
        let messages = std::mem::take(&mut self.user_messages);
        let kept = &messages[messages.len() - messages.len().min(RETAINED)..];
        for message in kept {
            self.push_fmt(format_args!(
                ",{{\"type\":\"message\",\"id\":\"{}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"",
                message.id
            ));
            self.push(&message.escaped);
            self.push_fmt(format_args!(
                "\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{}\",\"create_time\":{},{USER_KINDS}}}}}",
                message.turn_id, message.create_time
            ));
        }
        self.push_fmt(format_args!(
            ",{{\"type\":\"message\",\"id\":\"{summary_id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{handoff}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{turn_id}\",\"content_item_kinds\":[\"compaction.summary\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"harness\",\"hook\":false}}}}]}}}}]"
        ));

        // The metadata of each replacement item, in the same order.
        let mut metadata = vec![
            item_metadata(developer_sequence, sampled, None, "", ""),
            item_metadata(developer_sequence + 1, sampled, None, "", ""),
        ];
        for message in kept {
            metadata.push(item_metadata(
                message.history_sequence,
                message.sampled_through,
                Some((&message.id, &message.turn_id, "user")),
                &message.revision,
                &format!(",\"user_input_order\":{},{NO_MCP}", message.order),
            ));
        }
        metadata.push(item_metadata(
            developer_sequence + 2,
            sampled,
            None,
            "",
            &format!(",{NO_MCP}"),
        ));
        self.push_fmt(format_args!(
            ",\"replacement_history_metadata\":[{}]",
            metadata.join(",")
        ));

        // What the new window keeps of the conversation.
        let retained = |entries: &mut dyn Iterator<Item = Retained>| -> String {
            entries
                .map(|entry| {
                    format!(
                        "{{\"revision\":\"{}\",\"order\":{},\"turn_id\":\"{}\",\"message_id\":\"{}\",\"text\":\"{}\",\"complete\":true}}",
                        entry.revision, entry.order, entry.turn_id, entry.message_id, entry.escaped
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let users = retained(&mut kept.iter().map(|message| Retained {
            message_id: message.id.clone(),
            turn_id: message.turn_id.clone(),
            revision: message.revision.clone(),
            order: message.order,
            escaped: message.escaped.clone(),
        }));
        let users_incomplete = messages.len() > kept.len();
        self.user_messages = messages;
        let assistants = retained(&mut self.assistant_messages.iter().map(|entry| Retained {
            message_id: entry.message_id.clone(),
            turn_id: entry.turn_id.clone(),
            revision: entry.revision.clone(),
            order: entry.order,
            escaped: entry.escaped.clone(),
        }));
        let assistants_incomplete = self.assistant_messages.len() == RETAINED;
        let next_order = self.user_input_order;
        self.push_fmt(format_args!(
            ",\"retained_context\":{{\"verified_answers\":[],\"incomplete\":false,\"user_messages\":[{users}],\"user_messages_incomplete\":{users_incomplete},\"assistant_messages\":[{assistants}],\"assistant_messages_incomplete\":{assistants_incomplete},\"next_order\":{next_order}}}"
        ));

        // Each compaction opens a new context window.
        let new_window = self.uuid_v7();
        let previous_window = std::mem::replace(&mut self.window_id, new_window);
        self.window_number += 1;
        let model = self.settings.model.clone();
        let trigger = self.settings.turn_trigger;
        let windows = format!(
            ",\"window_number\":{},\"first_window_id\":\"{}\",\"previous_window_id\":\"{previous_window}\",\"window_id\":\"{}\",\"compaction_response_id\":\"{}\",\"latest_token_usage_record\":{},\"resume_metadata\":{{\"dynamic_tools\":{{\"thread_id\":\"{}\",\"tools\":[]}},\"multi_agent_version\":\"v1\",\"last_started_turn_id\":\"{turn_id}\",\"turn_attribution\":{{\"turn_id\":\"{turn_id}\",\"turn_trigger\":{trigger},\"parent_turn_id\":null,\"initiating_agent_path\":null,\"root_turn_id\":\"{turn_id}\"}},\"previous_turn_settings\":{{\"model\":\"{model}\",\"comp_hash\":null,\"realtime_active\":false}}}}}}",
            self.window_number,
            self.first_window_id,
            self.window_id,
            self.last_response_id,
            self.last_usage_record,
            self.plan.id,
        );
        self.push(&windows);
        self.end();

        let state = self.world_state_full();
        self.begin("world_state");
        self.push(&state);
        self.end();
        self.paginated_turn_context(turn_id);
        self.thread_settings_applied();
        self.advance(4.0);
        // The new context is estimated, not billed: the last usage is zero but its total.
        self.context_tokens = 12_000 + self.rng().range(0, 8_000);
        let t = self.total;
        let context = self.context_tokens;
        let limits = self.rate_limits();
        self.begin("event_msg");
        self.push_fmt(format_args!(
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{},\"last_token_usage\":{{\"input_tokens\":0,\"cached_input_tokens\":0,\"cache_write_input_tokens\":0,\"output_tokens\":0,\"reasoning_output_tokens\":0,\"total_tokens\":{context}}},\"last_usage_includes_reasoning\":true,\"model_context_window\":{CONTEXT_WINDOW}}},\"rate_limits\":{limits}}}",
            usage_json(t)
        ));
        self.end();
        self.advance(2.0);
        let item_id = self.uuid_v7();
        self.begin_item_completed(turn_id);
        self.push_fmt(format_args!(
            "{{\"type\":\"ContextCompaction\",\"id\":\"{item_id}\"}}"
        ));
        self.end_item_completed(started);
    }
}

/// `content_item_kinds` and `content_item_metadata` of the developer instructions.
const DEVELOPER_KINDS: &str = "\"content_item_kinds\":[\"host_skills.instructions\",\"permissions.instructions\"],\"content_item_metadata\":[{\"provenance\":{\"type\":\"skills\"}},{\"provenance\":{\"type\":\"harness\",\"hook\":false}}]";
/// … of the environment context.
const ENVIRONMENT_KINDS: &str = "\"content_item_kinds\":[\"environments.environment_context\"],\"content_item_metadata\":[{\"provenance\":{\"type\":\"harness\",\"hook\":false}}]";
/// … of what the user typed.
const USER_KINDS: &str = "\"content_item_kinds\":[\"user.text\"],\"content_item_metadata\":[{\"provenance\":{\"type\":\"user\"}}]";

fn usage_json(usage: Usage) -> String {
    format!(
        "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"cache_write_input_tokens\":0,\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
        usage.input, usage.cached, usage.output, usage.reasoning, usage.total
    )
}

/// `mcp_attribution` of an input no MCP server touched.
const NO_MCP: &str = "\"mcp_attribution\":{\"status\":\"none\"}";

/// How many of the latest user and assistant messages a compaction keeps.
const RETAINED: usize = 4;

/// A message a compaction keeps, as its `retained_context` lists it.
pub struct Retained {
    message_id: String,
    turn_id: String,
    revision: String,
    order: u64,
    /// The text, JSON-escaped.
    escaped: String,
}

/// A response item's `metadata` object: its sequence numbers, the retained source of a
/// message the user sees (`message id, turn id, role` and `revision`), and `tail`.
fn item_metadata(
    sequence: u64,
    sampled: u64,
    retained: Option<(&str, &str, &str)>,
    revision: &str,
    tail: &str,
) -> String {
    let mut metadata =
        format!("{{\"history_sequence\":{sequence},\"sampled_through_sequence\":{sampled}");
    if let Some((message_id, turn_id, role)) = retained {
        metadata.push_str(&format!(
            ",\"retained_source\":{{\"id\":{{\"message_id\":\"{message_id}\",\"turn_id\":\"{turn_id}\",\"role\":\"{role}\"}},\"revision\":\"{revision}\",\"complete\":true}}"
        ));
    }
    metadata.push_str(",\"client_authored\":false");
    metadata.push_str(tail);
    metadata.push('}');
    metadata
}
