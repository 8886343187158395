//! The one inbound Event Socket connection: `api`/`bgapi` and switch-wide
//! events. freeswitch-esl-tokio never reconnects by itself, so this loop does:
//! jittered exponential backoff, re-subscription, and a resynchronisation of
//! the live channels (`show channels`) after every (re)connect. A wrong
//! password is final: it is reported, not retried.

use std::sync::Arc;
use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslError, EslEventType, EventFormat};
use tokio::sync::{watch, Mutex};
use tracing::{debug, info, warn};

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
    let handle = Inbound { client: client.clone(), state: rx };
    let task = tokio::spawn(run(cfg, client, tx, shutdown));
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

async fn run(cfg: InboundConfig, slot: Arc<Mutex<Option<EslClient>>>, state: watch::Sender<LinkState>, mut shutdown: watch::Receiver<bool>) -> Result<(), InboundError> {
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
                    .subscribe_events(EventFormat::Plain, [EslEventType::ChannelCreate, EslEventType::ChannelHangupComplete, EslEventType::BackgroundJob, EslEventType::Heartbeat])
                    .await;
                if let Err(e) = subscribed {
                    warn!(error = %e, "inbound: subscription failed; reconnecting");
                    let _ = client.disconnect().await;
                } else {
                    client.set_liveness_timeout(LIVENESS);
                    // Resynchronise: what is live now, whatever happened while we were away.
                    let channels = match client.api("show channels as json").await {
                        Ok(r) => channel_ids(r.body().unwrap_or("")),
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
                                    (Some("CHANNEL_HANGUP_COMPLETE"), Some(u)) => state.send_modify(|s| s.channels.retain(|c| *c != u)),
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
