//! Tool calls and prompts resolved against the session model: which listed tool the guard lets
//! the fuzzer call, its arguments from its `inputSchema` (valid, an invalid variant, or one
//! property replaced by a payload), and the arguments a listed prompt declares. When nothing is
//! listed yet, the listing is played first (see `resolve.rs`); a prompt variant that needs
//! arguments the prompt lacks becomes the valid call.
//!
//! Not the sending and judging (`exchange.rs`) and not hostile input (`hostile.rs`).

use serde_json::{Map, Value, json};

use super::resolve::after;
use super::{Player, Silence, ask, pick_of, request_message};
use crate::fuzz::action::{ListKind, PromptArgs, ToolArgs};
use crate::fuzz::model::{Pending, prompt_arguments};
use crate::fuzz::steps::Want;

impl Player<'_> {
    pub(super) async fn call_tool(
        &mut self,
        tool: usize,
        args: &ToolArgs,
        wait: bool,
    ) -> Option<String> {
        let have = !self.model.tools.is_empty();
        let first = self.prerequisite(ListKind::Tools, have).await;
        if self.stopped() {
            return first.map(str::to_string);
        }
        let callable = self.model.callable_tools(self.guard);
        let Some(tool) = pick_of(&callable, tool).map(|t| (*t).clone()) else {
            return first.map(|f| format!("{f} (nothing callable listed)"));
        };
        let name = tool.get("name").cloned().unwrap_or(Value::Null);
        let schema = tool
            .get("inputSchema")
            .cloned()
            .unwrap_or_else(|| json!({ "type": "object" }));
        let valid = || crate::r#gen::valid_example(&schema).unwrap_or_else(|| json!({}));
        let (arguments, want, hostile, label) = match args {
            ToolArgs::Valid => (
                Some(valid()),
                Want::Any,
                false,
                "valid arguments".to_string(),
            ),
            ToolArgs::Invalid(k) => {
                let variants = crate::r#gen::variants(&schema, true);
                let Some(v) = pick_of(&variants, *k) else {
                    return first.map(|f| format!("{f} (no invalid arguments for {name})"));
                };
                (Some(v.value.clone()), Want::Rejected, true, v.label.clone())
            }
            ToolArgs::Mutated { property, value } => {
                let mut base = match valid() {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                let names: Vec<String> =
                    crate::r#gen::property_types(&schema).into_keys().collect();
                let key = pick_of(&names, *property)
                    .cloned()
                    .unwrap_or_else(|| "mcpspec_extra".to_string());
                base.insert(key.clone(), value.value());
                let label = format!("`{key}` set to {}", value.describe());
                (Some(Value::Object(base)), Want::Any, true, label)
            }
            ToolArgs::Omitted => (None, Want::Any, false, "no arguments member".to_string()),
        };
        let mut params = json!({ "name": name });
        if let Some(a) = arguments {
            params["arguments"] = a;
        }
        let id = self.model.next_id();
        let message = request_message(&id, "tools/call", Some(params));
        let resolved = after(first, &format!("tools/call {name} with {label}"));
        self.what = resolved.clone();
        if wait {
            // Tools may legitimately run long: silence is soft here.
            self.ask(
                &message,
                hostile,
                ask("tools/call", id, Silence::Soft, want),
                None,
            )
            .await;
        } else {
            if !self.send_json(&message, hostile).await {
                return Some(resolved);
            }
            self.model.outstanding.push(Pending {
                id,
                method: "tools/call".into(),
                cancelled: false,
            });
            self.sync().await;
            return Some(format!("{resolved}, not waiting"));
        }
        Some(resolved)
    }

    pub(super) async fn get_prompt(&mut self, prompt: usize, args: &PromptArgs) -> Option<String> {
        let have = !self.model.prompts.is_empty();
        let first = self.prerequisite(ListKind::Prompts, have).await;
        if self.stopped() {
            return first.map(str::to_string);
        }
        let Some(prompt) = pick_of(&self.model.prompts, prompt).cloned() else {
            return first.map(|f| format!("{f} (no prompt listed)"));
        };
        let name = prompt.get("name").cloned().unwrap_or(Value::Null);
        let declared = prompt_arguments(&prompt);
        let required: Vec<&String> = declared.iter().filter(|a| a.1).map(|a| &a.0).collect();
        // A variant that needs arguments the prompt does not have becomes the valid call.
        let args = match args {
            PromptArgs::MissingRequired if required.is_empty() => &PromptArgs::Valid,
            PromptArgs::NonString if declared.is_empty() => &PromptArgs::Valid,
            other => other,
        };
        let mut arguments = Map::new();
        let (want, hostile) = match args {
            PromptArgs::Valid => {
                for a in &required {
                    arguments.insert((*a).clone(), json!("mcpspec"));
                }
                (Want::Any, false)
            }
            PromptArgs::MissingRequired => {
                for a in required.iter().skip(1) {
                    arguments.insert((*a).clone(), json!("mcpspec"));
                }
                (Want::Error(vec![-32602]), false)
            }
            PromptArgs::NonString => {
                for (a, _) in &declared {
                    arguments.insert(a.clone(), json!(1));
                }
                (Want::Error(vec![-32602]), true)
            }
            PromptArgs::Values(payload) => {
                for (a, _) in &declared {
                    arguments.insert(a.clone(), json!(payload.text()));
                }
                (Want::Any, false)
            }
        };
        let id = self.model.next_id();
        self.what = match args {
            PromptArgs::Values(p) => format!(
                "prompts/get {name} with every argument set to {}",
                p.describe()
            ),
            PromptArgs::Valid => format!("prompts/get {name} with its required arguments"),
            PromptArgs::MissingRequired => {
                format!("prompts/get {name} with a required argument missing")
            }
            PromptArgs::NonString => format!("prompts/get {name} with non-string arguments"),
        };
        let params = json!({ "name": name, "arguments": arguments });
        let message = request_message(&id, "prompts/get", Some(params));
        self.ask(
            &message,
            hostile,
            ask("prompts/get", id, Silence::Fatal, want),
            Some(self.limits.timeout),
        )
        .await;
        Some(after(first, &self.what))
    }
}
