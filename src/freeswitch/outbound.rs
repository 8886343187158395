//! The outbound Event Socket listener: FreeSWITCH's dialplan runs
//! `socket 127.0.0.1:8084 async full` and connects here, once per call.
//!
//! One task per connection. A semaphore caps the calls held; a call over the
//! cap is handed straight back to the dialplan (`connect`, `resume`, close:
//! closing *before* `connect` would leave the caller parked, capture 08). On
//! shutdown the listener closes (new calls fall through to the dialplan's
//! fallback) and live calls are given time to finish.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use freeswitch_esl_tokio::{EslClient, EventFormat};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tracing::{Instrument, debug, error, info, info_span, warn};

use crate::agenda::phone;
use crate::call::{self, CallSetup, DriverEnv};
use crate::speech::Voice;

use super::channel::EslChannel;
use super::inbound::Inbound;

/// Channel events `myevents` subscribes that the channel never reads. Kept:
/// EXECUTE_COMPLETE, HANGUP, HANGUP_COMPLETE, BRIDGE, UNBRIDGE, DTMF,
/// DETECTED_SPEECH.
const UNUSED_EVENTS: &str = "CHANNEL_EXECUTE CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_PARK CHANNEL_UNPARK CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_APPLICATION CHANNEL_ANSWER CHANNEL_OUTGOING CHANNEL_ORIGINATE CHANNEL_UUID CHANNEL_CREATE CHANNEL_DATA CHANNEL_DESTROY TALK NOTALK";

/// How long `connect` and the setup commands may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections over the cap handed back at once; beyond this many at a time
/// they are simply closed.
const OVERFLOW_HANDLERS: usize = 256;

/// What every call task shares.
#[derive(Clone)]
pub struct CallService {
    /// The driver's environment.
    pub env: DriverEnv,
    /// Prompt rendering.
    pub voice: Voice,
    /// Per-call deadline.
    pub deadline: Duration,
    /// `linger N`.
    pub linger: Duration,
    /// Peers besides loopback that may connect (FreeSWITCH on another host).
    pub allowed_peers: Vec<std::net::IpAddr>,
    /// Where each new call is checked before it is acted on (`None`: unchecked).
    pub verify: Option<Inbound>,
    /// The figures of `/metrics`.
    pub metrics: crate::metrics::Metrics,
}

/// What the inbound link says of a new connection's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The switch has this channel, with this caller's number.
    Known,
    /// The link is down or did not answer: taken unchecked (a real caller
    /// is never refused because the link is down).
    Unchecked,
    /// The switch does not know this channel, or holds another number: a
    /// forged connection.
    Forged(&'static str),
}

/// A channel id as FreeSWITCH writes them (a UUID; hex digits and dashes):
/// anything else in a command could smuggle a second one.
pub fn is_channel_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Ask the inbound link whether the switch has channel `uuid` with this caller.
pub async fn verify(inbound: &Inbound, uuid: &str, caller: Option<&str>) -> Verified {
    match inbound.api(&format!("uuid_exists {uuid}")).await {
        None => return Verified::Unchecked,
        Some(Err(e)) => {
            warn!(error = %e, "the inbound link did not answer uuid_exists: the call is taken unchecked");
            return Verified::Unchecked;
        }
        Some(Ok(body)) if body.trim() != "true" => return Verified::Forged("unknown to the switch"),
        Some(Ok(_)) => {}
    }
    match inbound.api(&format!("uuid_getvar {uuid} caller_id_number")).await {
        None => Verified::Unchecked,
        Some(Err(e)) => {
            warn!(error = %e, "the inbound link did not answer uuid_getvar: the call is taken unchecked");
            Verified::Unchecked
        }
        Some(Ok(body)) => {
            let held = body.trim();
            let held = if held == "_undef_" || held.starts_with("-ERR") { None } else { phone::caller_number(held) };
            if held.as_deref() == caller { Verified::Known } else { Verified::Forged("another caller's number than the switch holds") }
        }
    }
}

/// Live counters, for logs and tests.
#[derive(Debug, Default)]
pub struct Counters {
    /// Calls accepted and driven.
    pub accepted: std::sync::atomic::AtomicU64,
    /// Calls handed back for being over the cap.
    pub over_cap: std::sync::atomic::AtomicU64,
    /// Calls finished (any way).
    pub finished: std::sync::atomic::AtomicU64,
    /// Connections refused: a peer that is not the switch, or a call the
    /// switch does not know.
    pub refused: std::sync::atomic::AtomicU64,
}

impl Counters {
    /// Calls in progress now.
    pub fn live(&self) -> u64 {
        use std::sync::atomic::Ordering::Relaxed;
        self.accepted.load(Relaxed).saturating_sub(self.finished.load(Relaxed))
    }
}

/// Accept calls until `shutdown` turns true, then drain for at most `drain`.
pub async fn serve(
    listener: TcpListener,
    service: Arc<CallService>,
    max_calls: usize,
    mut shutdown: watch::Receiver<bool>,
    drain: Duration,
    counters: Arc<Counters>,
) {
    let calls = Arc::new(Semaphore::new(max_calls));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_HANDLERS));
    info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), max_calls, "waiting for FreeSWITCH's calls");
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors and the like: wait a moment, keep serving.
                        error!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                if !peer.ip().is_loopback() && !service.allowed_peers.contains(&peer.ip()) {
                    counters.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    warn!(%peer, "a connection from an address that is not the switch's ([server] allowed_peers): handed back");
                    if let Ok(p) = overflow.clone().try_acquire_owned() {
                        tokio::spawn(hand_back(stream, p));
                    }
                    continue;
                }
                match calls.clone().try_acquire_owned() {
                    Ok(permit) => {
                        counters.accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let service = service.clone();
                        let counters = counters.clone();
                        tokio::spawn(async move {
                            handle_call(stream, service, permit, counters.clone()).await;
                            counters.finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        });
                    }
                    Err(_) => {
                        counters.over_cap.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        warn!(%peer, max_calls, "over the call cap: handing the call back to the dialplan");
                        if let Ok(p) = overflow.clone().try_acquire_owned() {
                            tokio::spawn(hand_back(stream, p));
                        }
                    }
                }
            }
        }
    }
    drop(listener);
    let live = max_calls - calls.available_permits();
    info!(live, "shutting down: no new calls; live calls may finish");
    match tokio::time::timeout(drain, calls.acquire_many(max_calls as u32)).await {
        Ok(_) => info!("every call finished"),
        Err(_) => warn!(left = max_calls - calls.available_permits(), "drain time over: closing the remaining calls (the dialplan takes them back)"),
    }
}

/// Over the cap: `connect`, `resume`, close. The dialplan goes on to its fallback.
async fn hand_back(stream: TcpStream, _permit: OwnedSemaphorePermit) {
    let (client, _events) = EslClient::accept_outbound_stream(stream);
    client.set_command_timeout(SETUP_TIMEOUT);
    if let Err(e) = client.connect_session().await {
        debug!(error = %e, "over-cap connection gone before connect");
        return;
    }
    if let Err(e) = client.resume().await {
        debug!(error = %e, "over-cap connection: resume failed");
    }
    let _ = client.disconnect().await;
}

/// One call, from `connect` to the socket's close.
async fn handle_call(stream: TcpStream, service: Arc<CallService>, _permit: OwnedSemaphorePermit, counters: Arc<Counters>) {
    let started = Utc::now();
    let (client, events) = EslClient::accept_outbound_stream(stream);
    client.set_command_timeout(SETUP_TIMEOUT);
    let data = match client.connect_session().await {
        Ok(d) => d,
        Err(e) => {
            warn!(error = %e, "no channel data from the switch: closing");
            let _ = client.disconnect().await;
            return;
        }
    };
    let uuid = data.header("Unique-ID").or_else(|| data.header("Caller-Unique-ID")).unwrap_or("").to_string();
    let caller_id = data.header("Caller-Caller-ID-Number").or_else(|| data.header("Channel-Caller-ID-Number")).unwrap_or("");
    let caller = phone::caller_number(caller_id);
    let destination = data.header("Caller-Destination-Number").or_else(|| data.header("Channel-Destination-Number")).unwrap_or("").to_string();
    // The channel data (some 150 headers, ~19 KiB) is not kept for the
    // whole call: three values are all the call needs.
    drop(data);
    let masked = caller.as_deref().map(phone::mask).unwrap_or_else(|| "masqué".into());
    let span = info_span!("call", uuid = %uuid, caller = %masked, to = %destination, practice = tracing::field::Empty);
    async move {
        if !is_channel_id(&uuid) {
            warn!("connect reply without a channel id FreeSWITCH would write: handing the call back");
            let _ = client.resume().await;
            let _ = client.disconnect().await;
            return;
        }
        if let Some(inbound) = &service.verify
            && let Verified::Forged(why) = verify(inbound, &uuid, caller.as_deref()).await
        {
            counters.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            warn!(why, "a call the switch does not know: resume and close, nothing else");
            let _ = client.resume().await;
            let _ = client.disconnect().await;
            return;
        }
        info!("call received");
        let deadline = service.deadline;
        let setup = CallSetup { started, ..CallSetup::new(uuid.clone(), caller, destination) };
        let set_up = async {
            // resume first: if anything below fails, closing hands the call
            // back to the dialplan instead of hanging it up.
            client.resume().await.map_err(|e| e.to_string())?;
            client.myevents(EventFormat::Plain).await.map_err(|e| e.to_string())?;
            // Events nobody here reads: every one is a few kilobytes to parse.
            if let Err(e) = client.nixevent_raw(UNUSED_EVENTS).await {
                debug!(error = %e, "nixevent refused: every channel event will be parsed");
            }
            client.linger(Some(service.linger)).await.map_err(|e| e.to_string())?;
            let sched = format!("sched_hangup +{} {} ALLOTTED_TIMEOUT", deadline.as_secs() + 60, uuid);
            if let Err(e) = client.api(&sched).await {
                warn!(error = %e, "could not arm the switch-side deadline");
            }
            let mut channel = EslChannel::new(client.clone(), events, service.voice.clone(), uuid.clone()).with_reaction(service.metrics.reaction.clone());
            channel.prepare().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(channel)
        };
        // Whatever happens, the dialplan takes the call back when the socket closes.
        let summary = call::run(&service.env, setup, Some(deadline), set_up).await.summary;
        service.metrics.call_ended(summary.practice_id, summary.recorded_outcome(), summary.recorded_handover(), summary.queue_wait_secs);
        info!(outcome = summary.recorded_outcome(), "call over");
        let _ = client.disconnect().await;
    }
    .instrument(span)
    .await;
}
