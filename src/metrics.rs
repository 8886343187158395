//! What a PBX administrator watches beside the switch: `GET /metrics` in
//! Prometheus's text format (OpenMetrics, encoded by `prometheus-client`)
//! and `GET /health`, on a listener of their own (`[metrics] listen`,
//! loopback by default). The figures name practices by their number only,
//! never a caller.
//!
//! What the service counts as it goes lives here ([`Metrics`]: calls by
//! outcome, hand-overs, the reaction histogram); what is a state (live
//! calls, the queues, the inbound link, the store's timings, the voice's
//! cache, the transcription backlog) is read from its room at each scrape.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::freeswitch::inbound::LinkState;
use crate::freeswitch::outbound::Counters;
use crate::queue::{AgentState, Queues};
use crate::speech::Voice;
use crate::store::Store;

/// Labels: name and value pairs.
type Labels = Vec<(&'static str, String)>;

/// What the service counts as it goes (clones share the figures).
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Calls finished, by practice and outcome (`booked`, `message`,
    /// `secretaries`, `urgent`, `abandoned`…, `unrouted` for a number of no
    /// practice).
    pub calls: Family<Labels, Counter>,
    /// Calls handed to a human (the secretaries, the doctor, the practice's
    /// phone), by practice, outcome and typed reason (`why`: asked, urgent,
    /// no_answer, wrong_keys, unidentified, not_bookable, agenda_refused,
    /// service_error, off_duty, allowed_caller).
    pub handovers: Family<Labels, Counter>,
    /// Seconds from the switch's event (an application done, keys typed) to
    /// the service's next command on that call.
    pub reaction: Histogram,
    /// Seconds callers waited in the secretaries' queue (answered, given
    /// back or abandoned).
    pub queue_wait: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            calls: Family::default(),
            handovers: Family::default(),
            reaction: crate::store::latency_histogram(),
            queue_wait: Histogram::new([1.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0]),
        }
    }
}

impl Metrics {
    /// One call finished (and waited `queue_wait` seconds for a secretary);
    /// `handover`: why it went to a human (`Handover::as_str`), when it did.
    pub fn call_ended(&self, practice: Option<i64>, outcome: &str, handover: Option<&str>, queue_wait: Option<f64>) {
        if let Some(w) = queue_wait {
            self.queue_wait.observe(w);
        }
        let practice = practice.map(|p| p.to_string()).unwrap_or_default();
        self.calls.get_or_create(&vec![("practice", practice.clone()), ("outcome", outcome.to_string())]).inc();
        if let crate::store::stats::Finished::HandedOver { to } = crate::store::stats::finished_by(outcome) {
            let why = handover.unwrap_or("unknown").to_string();
            self.handovers.get_or_create(&vec![("practice", practice), ("to", to.to_string()), ("outcome", outcome.to_string()), ("why", why)]).inc();
        }
    }
}

/// Where the states are read at each scrape.
#[derive(Clone)]
pub struct Sources {
    /// The figures counted as the service goes.
    pub metrics: Metrics,
    /// The outbound listener's counters.
    pub counters: Arc<Counters>,
    /// The inbound link's state.
    pub inbound: watch::Receiver<LinkState>,
    /// Whether the inbound link is meant to be up (a password is set).
    pub inbound_on: bool,
    /// The queues.
    pub queues: Queues,
    /// The store.
    pub store: Store,
    /// The voice.
    pub voice: Voice,
}

/// `standardiste_*` in OpenMetrics text.
pub async fn render(s: &Sources) -> String {
    let mut registry = Registry::with_prefix("standardiste");
    registry.register("build", "The service's version", Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string())]));
    registry.register("calls", "Calls finished, by practice and outcome", s.metrics.calls.clone());
    registry.register("handovers", "Calls handed to a human, by practice, to whom and why", s.metrics.handovers.clone());
    registry.register("reaction_seconds", "From the switch's event to the service's next command on the call", s.metrics.reaction.clone());
    registry.register("queue_wait_seconds", "Seconds callers waited for a secretary, answered or not", s.metrics.queue_wait.clone());
    registry.register("store_operation_seconds", "A store operation, from its request to its answer (queue included)", s.store.timings());
    let gauge = |v: i64| {
        let g: Gauge = Gauge::default();
        g.set(v);
        g
    };
    let counter = |v: u64| {
        let c: Counter = Counter::default();
        c.inc_by(v);
        c
    };
    registry.register("calls_live", "Calls in progress", gauge(s.counters.live() as i64));
    registry.register("calls_refused", "Connections refused: not the switch, or a call it does not know", counter(s.counters.refused.load(Relaxed)));
    registry.register("calls_over_cap", "Calls handed back for being over max_calls", counter(s.counters.over_cap.load(Relaxed)));
    let link = s.inbound.borrow().clone();
    registry.register("inbound_up", "The inbound Event Socket link is connected (1) or not (0)", gauge(i64::from(link.connected)));
    registry.register("inbound_enabled", "A password is set, so the inbound link is meant to be up", gauge(i64::from(s.inbound_on)));
    registry.register("inbound_connections", "Times the inbound link was established (reconnections are the rest)", counter(link.connections));
    let (renders, hits) = s.voice.cache_figures();
    registry.register("prompt_renders", "Sentences rendered by espeak-ng", counter(renders));
    registry.register("prompt_cache_hits", "Sentences found already rendered", counter(hits));
    let backlog = s.store.run(|db| db.untranscribed_count()).await.unwrap_or(-1);
    registry.register("transcription_backlog", "Messages waiting for their transcript (-1: the store did not answer)", gauge(backlog));
    if let Some(snap) = s.queues.snapshot().await {
        let waiting: Family<Labels, Gauge> = Family::default();
        for w in &snap.waiting {
            waiting.get_or_create(&vec![("practice", w.call.practice_id.to_string())]).inc();
        }
        registry.register("queue_waiting", "Callers waiting for a secretary, by practice", waiting);
        let agents: Family<Labels, Gauge> = Family::default();
        for state in ["logged_out", "available", "offered", "on_call", "wrap_up", "paused"] {
            let _ = agents.get_or_create(&vec![("state", state.to_string())]);
        }
        for a in &snap.agents {
            agents.get_or_create(&vec![("state", agent_state(&a.state).to_string())]).inc();
        }
        registry.register("secretaries", "Secretaries by state", agents);
        let queued: Family<Labels, Counter> = Family::default();
        for st in &snap.stats {
            let p = st.practice_id.to_string();
            for (what, n) in
                [("offered", st.stats.offered), ("answered", st.stats.answered), ("abandoned", st.stats.abandoned), ("taken_back", st.stats.taken_back)]
            {
                queued.get_or_create(&vec![("practice", p.clone()), ("what", what.to_string())]).inc_by(n);
            }
        }
        registry.register("queue_calls", "Calls through the queues, by practice: offered, answered, abandoned, taken back", queued);
    }
    let mut out = String::new();
    if let Err(e) = encode(&mut out, &registry) {
        warn!(error = %e, "the metrics could not be encoded");
    }
    out
}

fn agent_state(s: &AgentState) -> &'static str {
    match s {
        AgentState::LoggedOut => "logged_out",
        AgentState::Available { .. } => "available",
        AgentState::Offered { .. } => "offered",
        AgentState::OnCall { .. } => "on_call",
        AgentState::WrapUp { .. } => "wrap_up",
        AgentState::Paused { .. } => "paused",
    }
}

/// What `/health` finds: each part and whether it is up.
pub async fn health(s: &Sources) -> (bool, String) {
    let store = s.store.run(|db| db.ping()).await;
    let link = s.inbound.borrow().connected;
    let mut parts = vec![match &store {
        Ok(()) => "store: ok".to_string(),
        Err(e) => format!("store: {e}"),
    }];
    parts.push(match (s.inbound_on, link) {
        (true, true) => "inbound link: up".into(),
        (true, false) => "inbound link: down (the queues and call-backs wait for it)".into(),
        (false, _) => "inbound link: off ([freeswitch] password is empty)".into(),
    });
    (store.is_ok() && (link || !s.inbound_on), parts.join("\n") + "\n")
}

async fn metrics_page(State(s): State<Sources>) -> Response {
    let body = render(&s).await;
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    r
}

/// `GET /health`: 200 when the store answers and the inbound link is up
/// (or meant to be off), 503 otherwise; each part said in the body.
pub async fn health_page(State(s): State<Sources>) -> Response {
    let (ok, body) = health(&s).await;
    let mut r = (if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Serve `/metrics` and `/health` until `shutdown`.
pub async fn serve(listener: TcpListener, sources: Sources, mut shutdown: watch::Receiver<bool>) {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    info!(addr = ?addr, "metrics listening (/metrics, /health)");
    let app = Router::new().route("/metrics", get(metrics_page)).route("/health", get(health_page)).with_state(sources);
    let stop = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
        warn!(error = %e, "the metrics listener stopped");
    }
}
