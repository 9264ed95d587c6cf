//! The live progress line on a terminal (cases done / total), silent when not a terminal, and the
//! colour policy (`NO_COLOR`). It renders no report: the summary comes from the report crate.

use std::io::Write as _;

use mcpspec_harness::RunEvent;

/// Longest case ID shown on the progress line, in characters, so that the line fits an
/// 80-column terminal and `\r` can redraw it.
const MAX_ID: usize = 64;

/// A progress display on stderr.
pub struct Progress {
    live: bool,
    total: usize,
    done: usize,
}

impl Progress {
    /// `live`: draw on stderr (only when it is a terminal and the run is not `--quiet`).
    pub fn new(live: bool) -> Self {
        Progress {
            live,
            total: 0,
            done: 0,
        }
    }

    pub fn on_event(&mut self, ev: RunEvent) {
        let text = match ev {
            RunEvent::Started { total } => {
                self.total = total;
                line(0, total, "starting the server")
            }
            RunEvent::CaseFinished { id, .. } => {
                self.done += 1;
                line(self.done, self.total, &id)
            }
        };
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{text}");
            let _ = err.flush();
        }
    }

    /// Erases the progress line.
    pub fn finish(&mut self) {
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// One redraw of the progress line: back to column 0, erase, `[done/total] what`.
fn line(done: usize, total: usize, what: &str) -> String {
    let what: String = if what.chars().count() > MAX_ID {
        let mut short: String = what.chars().take(MAX_ID - 1).collect();
        short.push('…');
        short
    } else {
        what.to_string()
    };
    format!("\r\x1b[2K[{done}/{total}] {what}")
}

/// Whether colour may be used at all: not when `NO_COLOR` is set to a non-empty value
/// (<https://no-color.org>). Callers also require the stream to be a terminal.
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_redraws_in_place_and_stays_short() {
        assert_eq!(line(3, 10, "ping.basic"), "\r\x1b[2K[3/10] ping.basic");
        let long = "x".repeat(200);
        let drawn = line(1, 2, &long);
        assert!(drawn.ends_with('…'));
        assert_eq!(drawn.chars().filter(|c| *c == 'x').count(), MAX_ID - 1);
    }

    #[test]
    fn a_silent_progress_still_counts() {
        let mut p = Progress::new(false);
        p.on_event(RunEvent::Started { total: 2 });
        p.on_event(RunEvent::CaseFinished {
            id: "a".into(),
            outcome: mcpspec_report::Outcome::Pass,
        });
        assert_eq!((p.done, p.total), (1, 2));
    }
}
