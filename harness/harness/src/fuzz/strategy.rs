//! proptest strategies for [`Action`]s and sequences of them. Sequences are plain
//! `Vec<Action>`, so proptest shrinks a failing one by dropping actions and by simplifying
//! each (earlier alternatives of a `prop_oneof!` count as simpler, so plain actions come first).
//!
//! Not the meaning of actions (`action.rs`) and not how they are played (`play/`).

use proptest::prelude::*;
use proptest::sample::select;

use super::action::{
    Action, Cursor, Hostile, Huge, InvalidShape, LevelPick, ListKind, Malformed, PromptArgs,
    ToolArgs, UriPick,
};
use super::http_abuse::http_abuse;
use super::payload::{MAX_LONG_EXPONENT, NumberEdge, Payload, TRICKY_TEXTS, Unicode};
use crate::config::REVISION;

/// How deep [`Hostile::DeepNesting`] goes: around the common parser limits and far past them.
const DEPTHS: [u32; 6] = [16, 128, 129, 1_000, 10_000, 100_000];

/// Sequences of at most `max_steps` actions (possibly none: the handshake and the closing
/// ping still run).
pub fn sequence(max_steps: usize) -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(action(), 0..=max_steps)
}

/// Sequences for a target: over Streamable HTTP a third of the actions abuse the transport's
/// own rules ([`Action::Http`]); over stdio exactly [`sequence`], so stdio searches keep their
/// sequences per seed.
pub fn sequence_for(max_steps: usize, http: bool) -> BoxedStrategy<Vec<Action>> {
    if http {
        let one = prop_oneof![
            2 => action(),
            1 => http_abuse().prop_map(Action::Http),
        ];
        proptest::collection::vec(one, 0..=max_steps).boxed()
    } else {
        sequence(max_steps).boxed()
    }
}

/// One action, plain ones weighted so that sequences usually list before they use.
pub fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => Just(Action::Ping),
        4 => (select(ListKind::ALL.to_vec()), cursor())
            .prop_map(|(kind, cursor)| Action::List { kind, cursor }),
        4 => (0..8usize, tool_args(), proptest::bool::weighted(0.8))
            .prop_map(|(tool, args, wait)| Action::CallTool { tool, args, wait }),
        2 => uri_pick().prop_map(Action::ReadResource),
        2 => (0..8usize, prompt_args()).prop_map(|(prompt, args)| Action::GetPrompt { prompt, args }),
        1 => (0..16usize, payload()).prop_map(|(target, value)| Action::Complete { target, value }),
        1 => level_pick().prop_map(Action::SetLevel),
        1 => (0..4usize).prop_map(|request| Action::Cancel { request }),
        1 => Just(Action::Initialized),
        1 => version().prop_map(Action::Initialize),
        5 => hostile().prop_map(Action::Hostile),
    ]
}

/// A protocol version string: the revision under test, older ones, and strings no server knows.
pub fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(REVISION.to_string()),
        Just("2025-03-26".to_string()),
        Just("2024-11-05".to_string()),
        Just("1999-01-01".to_string()),
        Just(String::new()),
        "[a-z0-9.-]{1,12}",
    ]
}

/// A value for a place that takes data.
pub fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        2 => "[a-z0-9 ]{1,12}".prop_map(Payload::Plain),
        1 => Just(Payload::Empty),
        2 => select(Unicode::ALL.to_vec()).prop_map(Payload::Unicode),
        3 => (0..TRICKY_TEXTS.len()).prop_map(Payload::Tricky),
        1 => (0..=MAX_LONG_EXPONENT).prop_map(Payload::Long),
        2 => select(NumberEdge::ALL.to_vec()).prop_map(Payload::Number),
        1 => any::<bool>().prop_map(Payload::Bool),
        1 => Just(Payload::Null),
        1 => (1..=64u8).prop_map(Payload::Nested),
        1 => (1..=2_000u16).prop_map(Payload::ManyKeys),
    ]
}

fn cursor() -> impl Strategy<Value = Cursor> {
    prop_oneof![
        2 => Just(Cursor::None),
        2 => Just(Cursor::Next),
        1 => garbage_text().prop_map(Cursor::Garbage),
    ]
}

fn garbage_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("not-a-cursor".to_string()),
        "[A-Za-z0-9+/=]{1,16}",
        select(Unicode::ALL.to_vec()).prop_map(|u| u.text().to_string()),
        (0..TRICKY_TEXTS.len()).prop_map(|i| TRICKY_TEXTS[i].to_string()),
    ]
}

fn tool_args() -> impl Strategy<Value = ToolArgs> {
    prop_oneof![
        2 => Just(ToolArgs::Valid),
        2 => (0..4usize).prop_map(ToolArgs::Invalid),
        3 => (0..8usize, payload()).prop_map(|(property, value)| ToolArgs::Mutated { property, value }),
        1 => Just(ToolArgs::Omitted),
    ]
}

fn uri_pick() -> impl Strategy<Value = UriPick> {
    prop_oneof![
        3 => (0..8usize).prop_map(UriPick::Listed),
        2 => (0..4usize, payload()).prop_map(|(template, value)| UriPick::Template { template, value }),
        2 => prop_oneof![
            Just("not a uri".to_string()),
            Just(String::new()),
            Just("x://".to_string()),
            Just("http://[::1".to_string()),
            Just("%zz%".to_string()),
            Just("../../../../etc/passwd".to_string()),
            Just("mcpspec://no-such-resource".to_string()),
            "[a-z]{1,6}://[a-z/.]{0,12}",
        ]
        .prop_map(UriPick::Garbage),
    ]
}

fn prompt_args() -> impl Strategy<Value = PromptArgs> {
    prop_oneof![
        2 => Just(PromptArgs::Valid),
        1 => Just(PromptArgs::MissingRequired),
        1 => Just(PromptArgs::NonString),
        3 => payload().prop_map(PromptArgs::Values),
    ]
}

fn level_pick() -> impl Strategy<Value = LevelPick> {
    prop_oneof![
        2 => (0..8usize).prop_map(LevelPick::Valid),
        1 => prop_oneof![
            Just("verbose".to_string()),
            Just("DEBUG".to_string()),
            Just(String::new()),
            "x-[a-z]{1,8}",
        ]
        .prop_map(LevelPick::Invalid),
    ]
}

/// Input a careful client never sends.
pub fn hostile() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        3 => select(Malformed::ALL.to_vec()).prop_map(Hostile::Malformed),
        2 => select(InvalidShape::ALL.to_vec()).prop_map(Hostile::InvalidRequest),
        2 => (0..16usize, 0..8usize)
            .prop_map(|(method, variant)| Hostile::WrongParams { method, variant }),
        2 => prop_oneof![
            Just("mcpspec/fuzz-unknown".to_string()),
            Just("tools/List".to_string()),
            Just("rpc.discover".to_string()),
            Just(String::new()),
            Just("ping/extra".to_string()),
            "x-[a-z]{1,8}/[a-z]{1,8}",
        ]
        .prop_map(Hostile::UnknownMethod),
        1 => "notifications/x-[a-z]{1,8}".prop_map(Hostile::UnknownNotification),
        1 => (0..4usize).prop_map(Hostile::ReuseInFlightId),
        1 => Just(Hostile::Batch),
        1 => select(DEPTHS.to_vec()).prop_map(Hostile::DeepNesting),
        1 => prop_oneof![
            (0..=MAX_LONG_EXPONENT).prop_map(Huge::LongString),
            Just(Huge::BigNumbers),
            (100..=20_000u16).prop_map(Huge::ManyKeys),
            Just(Huge::LongMethod),
        ]
        .prop_map(Hostile::Huge),
        1 => Just(Hostile::NullId),
        1 => select(Unicode::ALL.to_vec()).prop_map(Hostile::UnicodeId),
    ]
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngSeed, TestRunner};

    use super::*;

    #[test]
    fn sequences_are_deterministic_per_seed_and_bounded() {
        let draw = |seed: u64| {
            let mut runner = TestRunner::new(Config {
                rng_seed: RngSeed::Fixed(seed),
                ..Config::default()
            });
            (0..20)
                .map(|_| {
                    sequence(6)
                        .new_tree(&mut runner)
                        .expect("a value tree")
                        .current()
                })
                .collect::<Vec<_>>()
        };
        let a = draw(7);
        assert_eq!(a, draw(7));
        assert_ne!(a, draw(8));
        assert!(a.iter().all(|s| s.len() <= 6));
        let flat: Vec<&Action> = a.iter().flatten().collect();
        assert!(flat.iter().any(|x| matches!(x, Action::Hostile(_))));
        assert!(flat.iter().any(|x| matches!(x, Action::List { .. })));
        assert!(!flat.iter().any(|x| matches!(x, Action::Http(_))));
    }

    #[test]
    fn http_sequences_hold_transport_abuse_and_stdio_ones_do_not_change() {
        let draw = |seed: u64, http: bool| {
            let mut runner = TestRunner::new(Config {
                rng_seed: RngSeed::Fixed(seed),
                ..Config::default()
            });
            (0..20)
                .map(|_| {
                    sequence_for(6, http)
                        .new_tree(&mut runner)
                        .expect("a value tree")
                        .current()
                })
                .collect::<Vec<_>>()
        };
        let plain = {
            let mut runner = TestRunner::new(Config {
                rng_seed: RngSeed::Fixed(3),
                ..Config::default()
            });
            (0..20)
                .map(|_| sequence(6).new_tree(&mut runner).expect("tree").current())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3, false), plain);
        let http = draw(3, true);
        assert_eq!(http, draw(3, true));
        assert!(http.iter().flatten().any(|x| matches!(x, Action::Http(_))));
    }
}
