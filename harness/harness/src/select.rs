//! Case selection by ID: glob patterns (`tools.*`) or plain prefixes (`lifecycle`, which selects
//! `lifecycle` and everything under `lifecycle.`).

use globset::{Glob, GlobMatcher};

/// Compiled include and skip patterns.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    include: Vec<Pattern>,
    skip: Vec<Pattern>,
}

#[derive(Debug, Clone)]
enum Pattern {
    Prefix(String),
    Glob(GlobMatcher),
}

impl Pattern {
    fn new(p: &str) -> Result<Self, String> {
        if p.contains(['*', '?', '[', '{']) {
            Glob::new(p)
                .map(|g| Pattern::Glob(g.compile_matcher()))
                .map_err(|e| format!("{p:?}: {e}"))
        } else {
            Ok(Pattern::Prefix(p.to_string()))
        }
    }

    fn matches(&self, id: &str) -> bool {
        match self {
            Pattern::Prefix(p) => {
                id == p
                    || id
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            }
            Pattern::Glob(g) => g.is_match(id),
        }
    }
}

impl Selector {
    /// Compiles the patterns; an invalid glob is an error naming it.
    pub fn new(include: &[String], skip: &[String]) -> Result<Self, String> {
        Ok(Selector {
            include: include
                .iter()
                .map(|p| Pattern::new(p))
                .collect::<Result<_, _>>()?,
            skip: skip
                .iter()
                .map(|p| Pattern::new(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether an ID is selected: included (or no include given) and not skipped. Oracle
    /// pseudo-cases are included unless an include pattern or a skip names them.
    pub fn selects(&self, id: &str) -> bool {
        let included = self.include.is_empty()
            || self.include.iter().any(|p| p.matches(id))
            || (id.starts_with("oracle.") && !self.include.iter().any(|p| p.matches("oracle")));
        included && !self.skip.iter().any(|p| p.matches(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection() {
        let s = Selector::new(
            &["ping".into(), "jsonrpc.id.*".into()],
            &["jsonrpc.id.zero".into()],
        )
        .unwrap();
        assert!(s.selects("ping.behavior.empty-result"));
        assert!(!s.selects("pingx.a"));
        assert!(s.selects("jsonrpc.id.negative"));
        assert!(!s.selects("jsonrpc.id.zero"));
        assert!(!s.selects("lifecycle.x"));
        assert!(s.selects("oracle.schema-valid"));
        assert!(Selector::new(&["[".into()], &[]).is_err());
    }
}
