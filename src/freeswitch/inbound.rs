//! The one inbound Event Socket connection: `api`/`bgapi` and switch-wide
//! events. freeswitch-esl-tokio never reconnects by itself, so this loop does:
//! jittered exponential backoff, re-subscription, and a resynchronisation of
//! the live channels (`show channels`) after every (re)connect. A wrong
//! password is final: it is reported, not retried.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslError, EslEventType, EventFormat};
use tokio::sync::{Mutex, mpsc, oneshot, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::queue::LineEvent;

/// How long a `BACKGROUND_JOB` result that arrived before its `bgapi` reply
/// was read is kept for it.
const EARLY_RESULT_KEEP: Duration = Duration::from_secs(60);

/// `bgapi` jobs waiting for their `BACKGROUND_JOB`, matched by Job-UUID
/// (every client on the switch sees every job's result: only ours count).
#[derive(Default)]
struct Jobs {
    pending: HashMap<String, oneshot::Sender<String>>,
    /// Results read before their job was registered: the event and the
    /// command reply travel on the same socket but through different queues.
    early: HashMap<String, (String, Instant)>,
}

impl Jobs {
    fn completed(&mut self, job: String, body: String) {
        match self.pending.remove(&job) {
            Some(tx) => {
                let _ = tx.send(body);
            }
            None => {
                let now = Instant::now();
                self.early.retain(|_, (_, at)| now.duration_since(*at) < EARLY_RESULT_KEEP);
                self.early.insert(job, (body, now));
            }
        }
    }
}

/// A `bgapi` whose result could not be had.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The link is down or went down before the result came.
    #[error("the inbound Event Socket is not connected")]
    LinkLost,
    /// The switch refused the command.
    #[error("bgapi refused: {0}")]
    Refused(String),
    /// No result in time.
    #[error("no result in time")]
    Timeout,
}

/// Backoff bounds.
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(200);
/// Upper bound of the backoff.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// FreeSWITCH sends a HEARTBEAT every 20 s; silence for this long means the link is dead.
const LIVENESS: Duration = Duration::from_secs(60);

/// What the inbound link knows, for the rest of the service and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkState {
    /// Connected and subscribed.
    pub connected: bool,
    /// How many times a connection was established.
    pub connections: u64,
    /// Live channel ids, as last resynchronised and then followed by events.
    pub channels: Vec<String>,
}

/// The inbound connection could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The switch refused the password: nothing will change by retrying.
    #[error("FreeSWITCH refused the Event Socket password ({0}): fix [freeswitch] password")]
    Auth(String),
}

/// Handle on the inbound link.
#[derive(Clone)]
pub struct Inbound {
    client: Arc<Mutex<Option<EslClient>>>,
    state: watch::Receiver<LinkState>,
    jobs: Arc<std::sync::Mutex<Jobs>>,
    lines: LineFeed,
}

impl Inbound {
    /// Run an `api` command if the link is up.
    pub async fn api(&self, command: &str) -> Option<Result<String, EslError>> {
        let client = self.client.lock().await.clone()?;
        Some(client.api(command).await.and_then(|r| r.api_result().map(str::to_string)))
    }

    /// The link's state, to watch.
    pub fn state(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    /// Run a `bgapi` and wait for its result's body (`+OK …` or `-ERR …`).
    pub async fn bgapi(&self, command: &str, wait: Duration) -> Result<String, JobError> {
        let client = self.client.lock().await.clone().ok_or(JobError::LinkLost)?;
        let reply = client.bgapi(command).await.map_err(|e| if e.is_connection_error() { JobError::LinkLost } else { JobError::Refused(e.to_string()) })?;
        if !reply.is_success() {
            return Err(JobError::Refused(reply.reply_text().unwrap_or("").to_string()));
        }
        let job = reply.job_uuid().ok_or_else(|| JobError::Refused("no Job-UUID in the reply".into()))?.to_string();
        let rx = {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((body, _)) = jobs.early.remove(&job) {
                return Ok(body);
            }
            let (tx, rx) = oneshot::channel();
            jobs.pending.insert(job.clone(), tx);
            rx
        };
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(body)) => Ok(body),
            // Dropped by a reconnect: the result went with the old connection.
            Ok(Err(_)) => Err(JobError::LinkLost),
            Err(_) => {
                self.jobs.lock().unwrap_or_else(|p| p.into_inner()).pending.remove(&job);
                Err(JobError::Timeout)
            }
        }
    }

    /// What the switch reports about legs: parked, gone, and the live
    /// channels after every (re)connect.
    pub fn line_events(&self) -> mpsc::UnboundedReceiver<LineEvent> {
        self.lines.subscribe()
    }
}

/// The legs' reports, to every subscriber, none ever dropped: a queue task
/// busy for a while (a slow store, a burst of calls) reads them late, not
/// never; a lost hang-up would leave a secretary "on a call" and a lost park
/// a caller waiting for a leg that is ready. What it holds is the events of
/// the time the reader was busy.
#[derive(Clone, Default)]
pub(crate) struct LineFeed(Arc<std::sync::Mutex<Vec<mpsc::UnboundedSender<LineEvent>>>>);

impl LineFeed {
    fn subscribe(&self) -> mpsc::UnboundedReceiver<LineEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(tx);
        rx
    }

    /// To each subscriber still listening.
    fn send(&self, ev: LineEvent) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|tx| tx.send(ev.clone()).is_ok());
    }
}

/// Settings of the link.
#[derive(Debug, Clone)]
pub struct InboundConfig {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Password.
    pub password: String,
    /// Smallest wait between attempts.
    pub backoff_min: Duration,
    /// Largest wait between attempts.
    pub backoff_max: Duration,
}

/// Start the link in the background. The returned task ends with `Err` only
/// on a refused password, and with `Ok` when `shutdown` turns true.
pub fn start(cfg: InboundConfig, shutdown: watch::Receiver<bool>) -> (Inbound, tokio::task::JoinHandle<Result<(), InboundError>>) {
    let client = Arc::new(Mutex::new(None));
    let (tx, rx) = watch::channel(LinkState::default());
    let lines = LineFeed::default();
    let jobs = Arc::new(std::sync::Mutex::new(Jobs::default()));
    let handle = Inbound { client: client.clone(), state: rx, jobs: jobs.clone(), lines: lines.clone() };
    if cfg.password.trim().is_empty() {
        // An empty password is never sent: the link stays down, and says so.
        warn!(
            "[freeswitch] password is empty: the inbound Event Socket link (secretaries' queues, call-backs, checking each call) is off; calls are still taken; set the password of event_socket.conf.xml in [freeswitch] password"
        );
        let task = tokio::spawn(async move {
            let _keep = tx;
            let mut shutdown = shutdown;
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
            Ok(())
        });
        return (handle, task);
    }
    let task = tokio::spawn(run(cfg, client, tx, shutdown, Link { jobs, lines }));
    (handle, task)
}

fn jitter(d: Duration) -> Duration {
    // ±25 %, so that many services restarting together do not knock in step.
    let factor = 0.75 + fastrand::f64() * 0.5;
    d.mul_f64(factor)
}

fn channel_ids(json: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("rows").and_then(|r| r.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|row| row.get("uuid").and_then(|u| u.as_str()).map(str::to_string))
        .collect()
}

/// What the link loop feeds besides its state.
struct Link {
    jobs: Arc<std::sync::Mutex<Jobs>>,
    lines: LineFeed,
}

async fn run(
    cfg: InboundConfig,
    slot: Arc<Mutex<Option<EslClient>>>,
    state: watch::Sender<LinkState>,
    mut shutdown: watch::Receiver<bool>,
    link: Link,
) -> Result<(), InboundError> {
    let mut backoff = cfg.backoff_min;
    let mut failures: u64 = 0;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let attempt = tokio::select! {
            r = EslClient::connect(&cfg.host, cfg.port, &cfg.password) => r,
            _ = shutdown.changed() => return Ok(()),
        };
        match attempt {
            Ok((client, mut events)) => {
                backoff = cfg.backoff_min;
                failures = 0;
                let subscribed = client
                    .subscribe_events(
                        EventFormat::Plain,
                        [
                            EslEventType::ChannelCreate,
                            EslEventType::ChannelPark,
                            EslEventType::ChannelHangupComplete,
                            EslEventType::BackgroundJob,
                            EslEventType::Heartbeat,
                        ],
                    )
                    .await;
                if let Err(e) = subscribed {
                    warn!(error = %e, "inbound: subscription failed; reconnecting");
                    let _ = client.disconnect().await;
                } else {
                    client.set_liveness_timeout(LIVENESS);
                    // Resynchronise: what is live now, whatever happened while we were away.
                    let channels = match client.api("show channels as json").await {
                        Ok(r) => {
                            let ids = channel_ids(r.body().unwrap_or(""));
                            link.lines.send(LineEvent::Resynced(ids.clone()));
                            ids
                        }
                        Err(e) => {
                            warn!(error = %e, "inbound: could not list live channels");
                            Vec::new()
                        }
                    };
                    *slot.lock().await = Some(client.clone());
                    let connections = state.borrow().connections + 1;
                    info!(host = %cfg.host, port = cfg.port, live_channels = channels.len(), connections, "inbound Event Socket connected");
                    state.send_replace(LinkState { connected: true, connections, channels });
                    loop {
                        let ev = tokio::select! {
                            ev = events.recv() => ev,
                            _ = shutdown.changed() => {
                                let _ = client.disconnect().await;
                                return Ok(());
                            }
                        };
                        match ev {
                            Some(Ok(ev)) => {
                                let uuid = ev.header_str("Unique-ID").map(str::to_string);
                                match (ev.header_str("Event-Name"), uuid) {
                                    (Some("CHANNEL_CREATE"), Some(u)) => state.send_modify(|s| {
                                        if !s.channels.contains(&u) {
                                            s.channels.push(u)
                                        }
                                    }),
                                    (Some("CHANNEL_PARK"), Some(u)) => {
                                        link.lines.send(LineEvent::Parked(u));
                                    }
                                    (Some("CHANNEL_HANGUP_COMPLETE"), Some(u)) => {
                                        link.lines.send(LineEvent::Gone(u.clone()));
                                        state.send_modify(|s| s.channels.retain(|c| *c != u));
                                    }
                                    (Some("BACKGROUND_JOB"), _) => {
                                        if let Some(job) = ev.header_str("Job-UUID") {
                                            let body = ev.body().unwrap_or("").to_string();
                                            link.jobs.lock().unwrap_or_else(|p| p.into_inner()).completed(job.to_string(), body);
                                        }
                                    }
                                    _ => {}
                                }
                            }
                            Some(Err(e)) if e.is_connection_error() => break,
                            Some(Err(e)) => debug!(error = %e, "inbound: malformed event skipped"),
                            None => break,
                        }
                    }
                    warn!("inbound Event Socket lost: reconnecting");
                }
                *slot.lock().await = None;
                // Results of jobs in flight went with the connection.
                link.jobs.lock().unwrap_or_else(|p| p.into_inner()).pending.clear();
                state.send_modify(|s| s.connected = false);
            }
            Err(EslError::AuthenticationFailed { reason }) => return Err(InboundError::Auth(reason)),
            Err(e) => {
                failures += 1;
                if failures == 1 {
                    warn!(host = %cfg.host, port = cfg.port, error = %e, "FreeSWITCH's Event Socket is not reachable; calls are still taken, retrying in the background");
                } else {
                    debug!(error = %e, failures, "inbound: still unreachable");
                }
            }
        }
        let wait = jitter(backoff);
        backoff = (backoff * 2).min(cfg.backoff_max);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old broadcast kept 4 096 reports and skipped the rest for a
    /// reader that fell behind: the queue lost hang-ups and parks.
    #[test]
    fn a_reader_that_falls_behind_gets_every_report_in_order() {
        let feed = LineFeed::default();
        let mut rx = feed.subscribe();
        let gone = feed.subscribe();
        drop(gone);
        for i in 0..20_000 {
            feed.send(if i % 2 == 0 { LineEvent::Parked(format!("leg-{i}")) } else { LineEvent::Gone(format!("leg-{i}")) });
        }
        assert_eq!(feed.0.lock().unwrap().len(), 1, "a subscriber gone is dropped");
        for i in 0..20_000 {
            let want = if i % 2 == 0 { LineEvent::Parked(format!("leg-{i}")) } else { LineEvent::Gone(format!("leg-{i}")) };
            assert_eq!(rx.try_recv().unwrap(), want);
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn live_channels_are_read_from_show_channels_json() {
        let json = r#"{"row_count":2,"rows":[{"uuid":"a-1","name":"x"},{"uuid":"b-2"}]}"#;
        assert_eq!(channel_ids(json), vec!["a-1", "b-2"]);
        assert!(channel_ids("0 total.").is_empty());
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..100 {
            let j = jitter(Duration::from_secs(4));
            assert!(j >= Duration::from_secs(3) && j <= Duration::from_secs(5));
        }
    }
}
