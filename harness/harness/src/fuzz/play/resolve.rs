//! Actions that need what the session revealed, and their prerequisites. An action whose items
//! are not known yet (a resource read before any `resources/list`, a completion before any
//! prompt or template was listed) first plays the listing it needs, then itself against what the
//! listing revealed; a `Next` cursor with no cursor known lists the first page. Only what even a
//! listing cannot make playable (a capability the server does not declare, a list that came back
//! empty) is skipped. The mapping depends only on the model, so a sequence plays the same way
//! each time and stays shrinkable: dropping the listing that revealed an item makes the action
//! list for itself.
//!
//! Not tool calls and prompts (`features.rs`) and not the sending (`exchange.rs`).

use serde_json::{Value, json};

use super::{Player, Silence, ask, pick_of, request_message, short};
use crate::fuzz::action::{Cursor, LOG_LEVELS, LevelPick, ListKind, UriPick};
use crate::fuzz::model::fill_template;
use crate::fuzz::payload::Payload;
use crate::fuzz::steps::Want;

impl Player<'_> {
    /// Lists `kind` from its first page when the action lacks its items (`have` false), the
    /// list was not requested in this session yet and the server declares its capability.
    /// Returns the method when it was played.
    pub(super) async fn prerequisite(
        &mut self,
        kind: ListKind,
        have: bool,
    ) -> Option<&'static str> {
        if have || self.model.listed.contains(&kind) || !self.s.server_has(capability(kind)) {
            return None;
        }
        self.list_page(kind, None, Want::Any).await;
        Some(kind.method())
    }

    /// Whether a prerequisite ended the sequence (a failure, or the time budget).
    pub(super) fn stopped(&self) -> bool {
        self.failure.is_some() || self.cut_short
    }

    /// One page of a list, learned into the model.
    async fn list_page(&mut self, kind: ListKind, params: Option<Value>, want: Want) {
        if params.is_none() {
            self.model.listed.insert(kind);
        }
        let answer = self
            .request(kind.method(), params, want, self.limits.timeout)
            .await;
        if let Some(a) = answer
            && let Some(result) = a.value.get("result")
        {
            self.model.learn_list(kind, result);
        }
    }

    /// A `*/list` request.
    pub(super) async fn list(&mut self, kind: ListKind, cursor: &Cursor) -> String {
        match cursor {
            Cursor::None => self.list_page(kind, None, Want::Any).await,
            Cursor::Next => match self.model.cursors.get(&kind).cloned() {
                Some(c) => {
                    self.list_page(kind, Some(json!({ "cursor": c })), Want::Any)
                        .await
                }
                None => {
                    self.list_page(kind, None, Want::Any).await;
                    return format!("{} (no nextCursor known: the first page)", kind.method());
                }
            },
            Cursor::Garbage(c) => {
                let params = Some(json!({ "cursor": c }));
                self.list_page(kind, params, Want::Error(vec![-32602]))
                    .await
            }
        }
        self.what.clone()
    }

    /// `resources/read`, listing resources or templates first when none is known.
    pub(super) async fn read_resource(&mut self, pick: &UriPick) -> Option<String> {
        let first = match pick {
            UriPick::Listed(_) => {
                let have = !self.model.resources.is_empty();
                self.prerequisite(ListKind::Resources, have).await
            }
            UriPick::Template { .. } => {
                let have = !self.model.templates.is_empty();
                self.prerequisite(ListKind::Templates, have).await
            }
            UriPick::Garbage(_) => None,
        };
        if self.stopped() {
            return first.map(|f| f.to_string());
        }
        let resolved = match pick {
            UriPick::Listed(k) => {
                pick_of(&self.model.resources, *k).map(|u| (u.clone(), Want::Any))
            }
            UriPick::Template { template, value } => pick_of(&self.model.templates, *template)
                .map(|t| (fill_template(t, &value.text()), Want::Any)),
            UriPick::Garbage(u) => Some((u.clone(), Want::Error(vec![-32002, -32602]))),
        };
        let Some((uri, want)) = resolved else {
            return first.map(|f| format!("{f} (nothing to read listed)"));
        };
        self.what = format!("resources/read of {}", short(&uri));
        self.request(
            "resources/read",
            Some(json!({ "uri": uri })),
            want,
            self.limits.timeout,
        )
        .await;
        Some(after(first, &self.what))
    }

    /// `completion/complete`, when the server declared `completions`; prompts and templates are
    /// listed first when no completion target is known.
    pub(super) async fn complete(&mut self, target: usize, value: &Payload) -> Option<String> {
        if !self.s.server_has("completions") {
            return None;
        }
        let mut first = Vec::new();
        for kind in [ListKind::Prompts, ListKind::Templates] {
            let have = !self.model.completion_targets().is_empty();
            if let Some(m) = self.prerequisite(kind, have).await {
                first.push(m);
            }
            if self.stopped() {
                return Some(first.join(", "));
            }
        }
        let first = (!first.is_empty()).then(|| first.join(", "));
        let targets = self.model.completion_targets();
        let Some((reference, argument)) = pick_of(&targets, target).cloned() else {
            return first.map(|f| format!("{f} (no completion target listed)"));
        };
        let params = json!({
            "ref": reference,
            "argument": { "name": argument, "value": value.text() },
        });
        self.request(
            "completion/complete",
            Some(params),
            Want::Any,
            self.limits.timeout,
        )
        .await;
        Some(after(first.as_deref(), &self.what))
    }

    /// `logging/setLevel`, when the server declared `logging`.
    pub(super) async fn set_level(&mut self, pick: &LevelPick) -> Option<String> {
        if !self.s.server_has("logging") {
            return None;
        }
        let (level, want, hostile) = match pick {
            LevelPick::Valid(k) => (
                LOG_LEVELS[k % LOG_LEVELS.len()].to_string(),
                Want::Any,
                false,
            ),
            LevelPick::Invalid(s) => (s.clone(), Want::Error(vec![-32602]), true),
        };
        let id = self.model.next_id();
        let message = request_message(&id, "logging/setLevel", Some(json!({ "level": level })));
        self.ask(
            &message,
            hostile,
            ask("logging/setLevel", id, Silence::Fatal, want),
            Some(self.limits.timeout),
        )
        .await;
        Some(self.what.clone())
    }
}

/// "`first`, then `what`" when a prerequisite was played.
pub(super) fn after(first: Option<&str>, what: &str) -> String {
    match first {
        Some(f) => format!("{f} first, then {what}"),
        None => what.to_string(),
    }
}

/// The capability that gates a list.
fn capability(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Tools => "tools",
        ListKind::Prompts => "prompts",
        ListKind::Resources | ListKind::Templates => "resources",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_the_prerequisite() {
        assert_eq!(after(None, "x"), "x");
        assert_eq!(
            after(Some("tools/list"), "tools/call t"),
            "tools/list first, then tools/call t"
        );
        assert_eq!(capability(ListKind::Templates), "resources");
    }
}
