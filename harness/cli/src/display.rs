//! The live progress line on a terminal (cases done / total), silent when not a terminal.

use std::io::Write as _;

use mcpspec_harness::RunEvent;

/// A progress display on stderr.
pub struct Progress {
    live: bool,
    total: usize,
    done: usize,
}

impl Progress {
    pub fn new(live: bool) -> Self {
        Progress {
            live,
            total: 0,
            done: 0,
        }
    }

    pub fn on_event(&mut self, ev: RunEvent) {
        match ev {
            RunEvent::Started { total } => self.total = total,
            RunEvent::CaseFinished { id, .. } => {
                self.done += 1;
                if self.live {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K[{}/{}] {}", self.done, self.total, id);
                    let _ = err.flush();
                }
            }
        }
    }

    pub fn finish(&mut self) {
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
