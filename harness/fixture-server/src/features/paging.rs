//! Cursor pagination of the four list methods: pages of [`PAGE_SIZE`] items, opaque cursors
//! (base64 of `"<list>:<offset>"`), rejection of cursors the server never issued, and the
//! pagination knobs. It does not know what the items are; the feature modules build the lists.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Params;
use super::media::{base64_decode, base64_encode};
use crate::bugs::Bugs;
use crate::protocol::Reply;

/// Items per page.
pub const PAGE_SIZE: usize = 2;

/// The paginated list methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// `tools/list`.
    Tools,
    /// `resources/list`.
    Resources,
    /// `resources/templates/list`.
    Templates,
    /// `prompts/list`.
    Prompts,
}

impl List {
    /// Every list method.
    const ALL: [List; 4] = [List::Tools, List::Resources, List::Templates, List::Prompts];

    /// The name baked into this list's cursors.
    fn tag(self) -> &'static str {
        match self {
            List::Tools => "tools",
            List::Resources => "resources",
            List::Templates => "templates",
            List::Prompts => "prompts",
        }
    }

    /// The result member that holds the items.
    fn member(self) -> &'static str {
        match self {
            List::Tools => "tools",
            List::Resources => "resources",
            List::Templates => "resourceTemplates",
            List::Prompts => "prompts",
        }
    }
}

/// The cursor that leads to the page starting at `offset` of `list`.
pub fn cursor(list: List, offset: usize) -> String {
    base64_encode(format!("{}:{offset}", list.tag()).as_bytes())
}

/// Hands out pages; remembers how often each cursor was used (for `pagination-unstable-cursor`).
#[derive(Debug, Default)]
pub struct Pager {
    uses: HashMap<String, u64>,
}

impl Pager {
    /// The page of `items` that `params.cursor` asks for, as the list method's result.
    pub fn page(&mut self, list: List, items: Vec<Value>, params: Params, bugs: &Bugs) -> Reply {
        let len = items.len();
        let mut offset = match params.and_then(|p| p.get("cursor")) {
            None | Some(Value::Null) => 0,
            Some(given) => match issued_offset(list, given, len, bugs) {
                Some(offset) => offset,
                None if bugs.pagination_invalid_cursor_accepted => 0,
                None => match foreign_offset(list, given, len) {
                    Some(offset) if bugs.pagination_foreign_cursor_accepted => offset,
                    _ => return Reply::invalid_params("invalid cursor"),
                },
            },
        };
        if bugs.pagination_unstable_cursor
            && let Some(Value::String(given)) = params.and_then(|p| p.get("cursor"))
        {
            let uses = self.uses.entry(given.clone()).or_insert(0);
            *uses += 1;
            if uses.is_multiple_of(2) {
                // Another page than the one this cursor named the first time.
                offset = if offset == 0 && len > PAGE_SIZE {
                    PAGE_SIZE
                } else {
                    0
                };
            }
        }
        let end = (offset + PAGE_SIZE).min(len);
        let page: Vec<Value> = if bugs.pagination_repeat_items && offset == PAGE_SIZE {
            // The first page's items again, whatever this page should have held.
            items[..PAGE_SIZE].to_vec()
        } else {
            items[offset..end].to_vec()
        };
        let mut result = Map::new();
        result.insert(list.member().into(), Value::Array(page));
        if end < len {
            result.insert("nextCursor".into(), json!(cursor(list, end)));
        } else if bugs.pagination_endless {
            result.insert("nextCursor".into(), json!(cursor(list, 0)));
        }
        Reply::Result(Value::Object(result))
    }
}

/// The list tag and offset inside `given`, if it has the form of this server's cursors.
fn decode_cursor(given: &Value) -> Option<(String, usize)> {
    let bytes = base64_decode(given.as_str()?)?;
    let text = String::from_utf8(bytes).ok()?;
    let (tag, offset) = text.split_once(':')?;
    if offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((tag.to_owned(), offset.parse().ok()?))
}

/// The offset `given` stands for, if it is a cursor this server could have issued for `list`.
fn issued_offset(list: List, given: &Value, len: usize, bugs: &Bugs) -> Option<usize> {
    let (tag, offset) = decode_cursor(given)?;
    if tag != list.tag() {
        return None;
    }
    let first_page_allowed = bugs.pagination_endless;
    let issued =
        offset.is_multiple_of(PAGE_SIZE) && offset < len && (offset > 0 || first_page_allowed);
    issued.then_some(offset)
}

/// Where `pagination-foreign-cursor-accepted` takes `list` when `given` is a cursor of another
/// list: the same offset when `list` has a page there, else the first page. `None` when `given`
/// is not another list's cursor.
fn foreign_offset(list: List, given: &Value, len: usize) -> Option<usize> {
    let (tag, offset) = decode_cursor(given)?;
    let foreign = tag != list.tag() && List::ALL.iter().any(|other| other.tag() == tag);
    let page_exists = offset.is_multiple_of(PAGE_SIZE) && offset < len;
    foreign.then_some(if page_exists { offset } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!(i)).collect()
    }

    fn page(pager: &mut Pager, bugs: &Bugs, cursor: Option<&str>, n: usize) -> Reply {
        let params = cursor.map(|c| json!({ "cursor": c }));
        let params = params.as_ref().and_then(Value::as_object);
        pager.page(List::Prompts, items(n), params, bugs)
    }

    fn result(reply: Reply) -> Value {
        match reply {
            Reply::Result(v) => v,
            Reply::Error { message, .. } => panic!("error: {message}"),
        }
    }

    #[test]
    fn walks_all_pages_then_stops() {
        let bugs = Bugs::default();
        let mut pager = Pager::default();
        let first = result(page(&mut pager, &bugs, None, 5));
        assert_eq!(first["prompts"], json!([0, 1]));
        let c1 = first["nextCursor"].as_str().expect("cursor").to_owned();
        let second = result(page(&mut pager, &bugs, Some(&c1), 5));
        assert_eq!(second["prompts"], json!([2, 3]));
        let c2 = second["nextCursor"].as_str().expect("cursor").to_owned();
        let last = result(page(&mut pager, &bugs, Some(&c2), 5));
        assert_eq!(last["prompts"], json!([4]));
        assert!(last.get("nextCursor").is_none());
        // Cursors are reusable and stable.
        assert_eq!(result(page(&mut pager, &bugs, Some(&c1), 5)), second);
    }

    #[test]
    fn foreign_and_forged_cursors_are_rejected() {
        let bugs = Bugs::default();
        let mut pager = Pager::default();
        let forged = [
            "garbage".to_owned(),
            cursor(List::Tools, 2),
            cursor(List::Prompts, 0),
            cursor(List::Prompts, 3),
            cursor(List::Prompts, 6),
            base64_encode(b"prompts:-2"),
        ];
        for c in &forged {
            assert!(matches!(
                page(&mut pager, &bugs, Some(c), 5),
                Reply::Error { .. }
            ));
        }
    }

    #[test]
    fn knobs_bend_the_pages() {
        let mut pager = Pager::default();
        let repeat = Bugs {
            pagination_repeat_items: true,
            ..Bugs::default()
        };
        let c = cursor(List::Prompts, 2);
        let second = result(page(&mut pager, &repeat, Some(&c), 5));
        assert_eq!(second["prompts"], json!([0, 1]));
        assert_eq!(second["nextCursor"], json!(cursor(List::Prompts, 4)));

        let endless = Bugs {
            pagination_endless: true,
            ..Bugs::default()
        };
        let last = result(page(
            &mut pager,
            &endless,
            Some(&cursor(List::Prompts, 4)),
            5,
        ));
        assert_eq!(last["nextCursor"], json!(cursor(List::Prompts, 0)));
        let again = result(page(
            &mut pager,
            &endless,
            Some(&cursor(List::Prompts, 0)),
            5,
        ));
        assert_eq!(again["prompts"], json!([0, 1]));

        let foreign = Bugs {
            pagination_foreign_cursor_accepted: true,
            ..Bugs::default()
        };
        let tools_cursor = cursor(List::Tools, 2);
        let taken = result(page(&mut pager, &foreign, Some(&tools_cursor), 5));
        assert_eq!(taken["prompts"], json!([2, 3]));
        let beyond = result(page(&mut pager, &foreign, Some(&cursor(List::Tools, 8)), 5));
        assert_eq!(beyond["prompts"], json!([0, 1]));
        assert!(matches!(
            page(&mut pager, &foreign, Some("garbage"), 5),
            Reply::Error { .. }
        ));

        let unstable = Bugs {
            pagination_unstable_cursor: true,
            ..Bugs::default()
        };
        let a = result(page(&mut pager, &unstable, Some(&c), 5));
        let b = result(page(&mut pager, &unstable, Some(&c), 5));
        let c3 = result(page(&mut pager, &unstable, Some(&c), 5));
        assert_ne!(a, b);
        assert_eq!(a, c3);
    }
}
