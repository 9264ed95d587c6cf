//! The stdio transport: spawn a server in its own process group, pump its stdout through the
//! codec's line framer and its stderr into lines, write bytes to its stdin, and kill and reap the
//! whole group at the end.
//!
//! Not a session: it knows bytes and frames, never JSON-RPC ids. Every read is bounded (frame
//! size cap, bounded channel, stderr cap), so a hostile server cannot exhaust memory.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use mcpspec_codec::LineFramer;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use super::{Shutdown, StdioSpec, TransportError, TransportEvent};

/// Longest stderr line kept; the rest of a longer line is dropped.
const STDERR_LINE_CAP: usize = 4096;
/// Total stderr bytes kept per process; later stderr is read and discarded.
const STDERR_TOTAL_CAP: usize = 1 << 20;
/// Frames buffered between the reader task and the session before the reader waits.
const CHANNEL_DEPTH: usize = 256;

/// A running stdio server.
#[derive(Debug)]
pub struct StdioProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    events: mpsc::Receiver<TransportEvent>,
    pgid: Option<Pid>,
    exit: Option<ExitStatus>,
}

impl StdioProcess {
    /// Spawns the server. `max_frame` caps one stdout line.
    pub fn spawn(spec: &StdioSpec, max_frame: usize) -> Result<Self, TransportError> {
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &spec.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|source| TransportError::Spawn {
            program: spec.program.clone(),
            source,
        })?;
        let pgid = child.id().map(|id| Pid::from_raw(id as i32));
        let stdin = child.stdin.take();
        let (tx, events) = mpsc::channel(CHANNEL_DEPTH);
        if let Some(mut stdout) = child.stdout.take() {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut framer = LineFramer::new(max_frame);
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match stdout.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            for frame in framer.push(&buf[..n]) {
                                if tx.send(TransportEvent::Frame(frame)).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
                for frame in framer.finish() {
                    let _ = tx.send(TransportEvent::Frame(frame)).await;
                }
                let _ = tx.send(TransportEvent::StdoutClosed).await;
            });
        }
        if let Some(mut stderr) = child.stderr.take() {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut line: Vec<u8> = Vec::new();
                let mut kept = 0usize;
                loop {
                    let n = match stderr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    for &b in &buf[..n] {
                        if b == b'\n' {
                            if kept < STDERR_TOTAL_CAP {
                                kept += line.len();
                                if send_stderr(&tx, &line).await.is_err() {
                                    return;
                                }
                            }
                            line.clear();
                        } else if line.len() < STDERR_LINE_CAP {
                            line.push(b);
                        }
                    }
                }
                if !line.is_empty() && kept < STDERR_TOTAL_CAP {
                    let _ = send_stderr(&tx, &line).await;
                }
            });
        }
        Ok(StdioProcess {
            child,
            stdin,
            events,
            pgid,
            exit: None,
        })
    }

    /// The OS process id, while known.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Writes bytes to the server's stdin.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let stdin = self.stdin.as_mut().ok_or(TransportError::InputClosed)?;
        stdin
            .write_all(bytes)
            .await
            .map_err(TransportError::Write)?;
        stdin.flush().await.map_err(TransportError::Write)
    }

    /// Closes the server's stdin (the first step of a stdio shutdown).
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Whether stdin is still open.
    pub fn input_open(&self) -> bool {
        self.stdin.is_some()
    }

    /// The next event, or `None` at the deadline. After stdout closed and the process exited,
    /// returns `Exited` once and then `None` immediately.
    pub async fn next_event(&mut self, deadline: tokio::time::Instant) -> Option<TransportEvent> {
        loop {
            if self.exit.is_some() && self.events.is_closed() && self.events.is_empty() {
                return None;
            }
            tokio::select! {
                biased;
                ev = self.events.recv() => match ev {
                    Some(ev) => return Some(ev),
                    None => {
                        // Both pipes are done: wait for the exit status, within the deadline.
                        if self.exit.is_some() {
                            return None;
                        }
                        match tokio::time::timeout_at(deadline, self.child.wait()).await {
                            Ok(Ok(status)) => {
                                self.exit = Some(status);
                                return Some(TransportEvent::Exited(status));
                            }
                            Ok(Err(_)) => return None,
                            Err(_) => return None,
                        }
                    }
                },
                status = self.child.wait(), if self.exit.is_none() => {
                    if let Ok(status) = status {
                        self.exit = Some(status);
                        return Some(TransportEvent::Exited(status));
                    }
                }
                _ = tokio::time::sleep_until(deadline) => return None,
            }
        }
    }

    /// The exit status, once seen.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.exit
    }

    /// Polls for exit without waiting.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            self.exit = Some(status);
        }
        self.exit
    }

    /// Ends the server: closes stdin, waits `grace`, then SIGTERM to the whole process group,
    /// then SIGKILL, and reaps the child. Returns how it ended.
    pub async fn shutdown(&mut self, grace: Duration) -> Shutdown {
        self.close_input();
        let how = if self.wait_for(grace).await {
            Shutdown::ExitedOnClose
        } else {
            self.signal(Signal::SIGTERM);
            if self.wait_for(Duration::from_millis(1000)).await {
                Shutdown::NeededSigterm
            } else {
                self.signal(Signal::SIGKILL);
                let _ = self.wait_for(Duration::from_millis(2000)).await;
                Shutdown::NeededSigkill
            }
        };
        // Whatever the leader did, take down anything left in its group.
        self.signal(Signal::SIGKILL);
        how
    }

    async fn wait_for(&mut self, limit: Duration) -> bool {
        if self.exit.is_some() {
            return true;
        }
        match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(Ok(status)) => {
                self.exit = Some(status);
                true
            }
            _ => false,
        }
    }

    fn signal(&self, sig: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(pgid, sig);
        }
    }
}

impl Drop for StdioProcess {
    fn drop(&mut self) {
        // Last line of defence when a session is dropped without `shutdown` (a panic, a
        // cancelled task): kill the whole group; tokio reaps the leader in the background.
        self.signal(Signal::SIGKILL);
    }
}

async fn send_stderr(
    tx: &mpsc::Sender<TransportEvent>,
    line: &[u8],
) -> Result<(), mpsc::error::SendError<TransportEvent>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (text, utf8) = match std::str::from_utf8(line) {
        Ok(s) => (s.to_string(), true),
        Err(_) => (String::from_utf8_lossy(line).into_owned(), false),
    };
    tx.send(TransportEvent::Stderr { text, utf8 }).await
}
