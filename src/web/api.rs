//! The JSON API, on which the secretaries' console and the command line
//! are built: a secretary's state (log in, log out, pause, resume); the live
//! queues; for a call, the doctors' instructions and the caller's history;
//! call-back requests and placing them; figures per practice; the audit log.
//!
//! Thin: every answer comes from the queue task or the store, cut down to
//! the practices the account sees (`auth::Access`). A secretary acts only
//! as herself; a call, a call-back or a figure of another practice is
//! answered as unknown. Every read of a caller's details is audited.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::auth::{Access, Admin, Secretaries};
use super::{ApiError, Web};
use crate::queue::{QueueError, Snapshot};
use crate::store::{AuditEntry, Callback, CallerHistory, Instructions};

impl From<QueueError> for ApiError {
    fn from(e: QueueError) -> Self {
        let status = match e {
            QueueError::UnknownAgent(_) | QueueError::UnknownCall(_) => StatusCode::NOT_FOUND,
            QueueError::WrongState(_) => StatusCode::CONFLICT,
            QueueError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError(status, e.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.body_text())
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Body of a pause.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    /// Why ("lunch").
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of placing a call back.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceBody {
    /// The secretary who calls.
    pub agent: String,
}

/// `?all=true` lists placed call backs too.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Every call back, not only the open ones.
    #[serde(default)]
    pub all: bool,
}

/// What `GET /api/queues` answers.
#[derive(Debug, Serialize)]
pub struct QueuesView {
    /// The live state.
    #[serde(flatten)]
    pub snapshot: Snapshot,
    /// Call backs not placed yet.
    pub callbacks: Vec<Callback>,
}

/// What `GET /api/calls/{uuid}` answers.
#[derive(Debug, Serialize)]
pub struct CallView {
    /// The waiting call.
    pub call: crate::queue::WaitingCall,
    /// The practice's and doctors' instructions.
    pub instructions: Instructions,
    /// The caller's appointments, messages and calls.
    pub history: Option<CallerHistory>,
}

/// `?practice=1&since=2026-12-01T00:00:00Z`
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// One practice.
    pub practice: Option<i64>,
    /// From then (a day ago without it).
    pub since: Option<DateTime<Utc>>,
}

/// A plain `{"ok": true}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Done {
    /// Always true.
    pub ok: bool,
}

/// The routes of the API.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/api/queues", get(queues))
        .route("/api/stats", get(stats))
        .route("/api/practices/{id}/stats", get(practice_stats))
        .route("/api/agents/{id}/login", post(login))
        .route("/api/agents/{id}/logout", post(logout))
        .route("/api/agents/{id}/pause", post(pause))
        .route("/api/agents/{id}/resume", post(resume))
        .route("/api/calls/{uuid}", get(call))
        .route("/api/callbacks", get(callbacks))
        .route("/api/callbacks/{id}/place", post(place))
        .route("/api/audit", get(audit))
}

/// The live state, cut down to what `access` sees: its practices' calls
/// and figures, and of each secretary only the practices it sees.
pub fn visible(mut snapshot: Snapshot, access: &Access) -> Snapshot {
    snapshot.waiting.retain(|w| access.sees(w.call.practice_id));
    snapshot.stats.retain(|s| access.sees(s.practice_id));
    snapshot.agents.retain_mut(|a| {
        a.practices.retain(|p, _| access.sees(*p));
        !a.practices.is_empty() || access.secretary.as_deref() == Some(a.id.as_str())
    });
    snapshot
}

async fn snapshot(web: &Web, access: &Access) -> Result<Snapshot, ApiError> {
    let s = web.queues.snapshot().await.ok_or(ApiError(StatusCode::SERVICE_UNAVAILABLE, QueueError::Stopped.to_string()))?;
    Ok(visible(s, access))
}

async fn audited(web: &Web, entry: AuditEntry) -> Result<(), ApiError> {
    web.store.run(move |db| db.audit(&entry)).await.map_err(ApiError::from)
}

async fn queues(State(web): State<Web>, access: Access) -> ApiResult<QueuesView> {
    let snapshot = snapshot(&web, &access).await?;
    let mut callbacks = web.store.run(|db| db.callbacks(true)).await?;
    callbacks.retain(|c| access.sees(c.practice_id));
    Ok(Json(QueuesView { snapshot, callbacks }))
}

async fn stats(State(web): State<Web>, access: Access) -> ApiResult<Vec<crate::queue::StatsView>> {
    Ok(Json(snapshot(&web, &access).await?.stats))
}

/// `?days=` of the figures (30 without it).
#[derive(Debug, Deserialize)]
struct Days {
    days: Option<u32>,
}

/// A practice's figures per day (`store::stats`), for its own staff and
/// the administrators: a secretary sees the queues' live figures, not these.
async fn practice_stats(State(web): State<Web>, access: Access, Path(id): Path<i64>, Query(q): Query<Days>) -> ApiResult<crate::store::PracticeStats> {
    if access.role == crate::store::Role::Secretary {
        return Err(ApiError::forbidden());
    }
    if !access.sees(id) {
        return Err(ApiError::not_found("practice"));
    }
    let (days, price) = (q.days.unwrap_or(super::doctor::figures::DAYS), web.doctor.price_per_call);
    let s = web.store.run(move |db| db.recent_stats(id, Utc::now(), days, price)).await?;
    audited(&web, access.audit("stats.read", Some(id), String::new())).await?;
    Ok(Json(s))
}

fn done() -> Json<Done> {
    Json(Done { ok: true })
}

/// A secretary acts only as herself (an admin as anyone): another's id is
/// answered as unknown.
fn own(access: &Access, id: &str) -> Result<(), ApiError> {
    if access.acts_as(id) { Ok(()) } else { Err(ApiError::not_found(&format!("secretary {id}"))) }
}

async fn login(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<String>) -> ApiResult<Done> {
    own(&access, &id)?;
    web.queues.login(&id).await?;
    audited(&web, access.audit("agent.login", None, id)).await?;
    Ok(done())
}

async fn logout(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<String>) -> ApiResult<Done> {
    own(&access, &id)?;
    web.queues.logout(&id).await?;
    audited(&web, access.audit("agent.logout", None, id)).await?;
    Ok(done())
}

async fn pause(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<String>, body: axum::body::Bytes) -> ApiResult<Done> {
    own(&access, &id)?;
    // The body is optional: no reason given is a plain "pause".
    let body: PauseBody = if body.iter().all(u8::is_ascii_whitespace) {
        PauseBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("body: {e}")))?
    };
    let reason = body.reason.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "pause".into());
    crate::agenda::text::check_text("reason", &reason, 80).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    web.queues.pause(&id, &reason).await?;
    audited(&web, access.audit("agent.pause", None, id)).await?;
    Ok(done())
}

async fn resume(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<String>) -> ApiResult<Done> {
    own(&access, &id)?;
    web.queues.resume(&id).await?;
    audited(&web, access.audit("agent.resume", None, id)).await?;
    Ok(done())
}

async fn call(State(web): State<Web>, access: Access, Path(uuid): Path<String>) -> ApiResult<CallView> {
    let what = "such call in the queues";
    let info = web.queues.call_info(&uuid).await.ok_or_else(|| ApiError::not_found(what))?;
    access.practice(info.practice_id, what)?;
    let (practice_id, caller) = (info.practice_id, info.caller.clone());
    let entry = access.audit("call.read", Some(practice_id), uuid);
    let (instructions, history) = web
        .store
        .run(move |db| {
            let instructions = db.instructions(practice_id)?;
            let history = match &caller {
                Some(phone) => Some(db.caller_history(practice_id, phone, Utc::now())?),
                None => None,
            };
            db.audit(&entry)?;
            Ok((instructions, history))
        })
        .await?;
    Ok(Json(CallView { call: info, instructions, history }))
}

async fn callbacks(State(web): State<Web>, access: Access, Query(q): Query<ListQuery>) -> ApiResult<Vec<Callback>> {
    let mut list = web.store.run(move |db| db.callbacks(!q.all)).await?;
    list.retain(|c| access.sees(c.practice_id));
    Ok(Json(list))
}

async fn place(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<i64>, body: Result<Json<PlaceBody>, JsonRejection>) -> ApiResult<Done> {
    let agent = body?.0.agent;
    own(&access, &agent)?;
    let what = "such callback";
    let cb = web.store.run(move |db| db.callback(id)).await.map_err(|_| ApiError::not_found(what))?;
    access.practice(cb.practice_id, what)?;
    let entry = access.audit("callback.place", Some(cb.practice_id), id.to_string());
    let placed_before = cb.placed_at.is_some();
    let claimant = agent.clone();
    let (cb, practice, number, blocked, claimed) = web
        .store
        .run(move |db| {
            let snap = db.snapshot(cb.practice_id)?;
            let number = snap.practice.dids.first().cloned();
            // Checked again where it is dialled: a request taken before the rule.
            let blocked = crate::agenda::phone::callback_check(&cb.caller, &snap.practice.callback_countries).err();
            if let (Some(why), None) = (blocked, cb.placed_at) {
                db.callback_placed(id, "standardiste", Utc::now(), &format!("refusé: {why}"))?;
            }
            // One statement decides between two clicks: one call.
            let claimed = blocked.is_none() && db.claim_callback(id, &claimant, Utc::now())?;
            db.audit(&entry)?;
            Ok((db.callback(id)?, snap.practice.name, number, blocked, claimed))
        })
        .await?;
    // Placed already (before this click, or by another one meanwhile): said
    // first, as before a refusal of the number.
    if placed_before || (blocked.is_none() && cb.placed_at.is_some()) {
        return Err(ApiError(StatusCode::CONFLICT, format!("callback {id} was placed already")));
    }
    if let Some(why) = blocked {
        warn!(callback = id, %why, "a call back to a number the practice does not call was refused");
        return Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, format!("callback {id}: not called back ({why})")));
    }
    if !claimed {
        let by = cb.claimed_by.unwrap_or_default();
        return Err(ApiError(StatusCode::CONFLICT, format!("callback {id} is being placed by {by}")));
    }
    if let Err(e) = web.queues.place_callback(cb, &practice, number, &agent).await {
        // Not started: the call back is to do again, for anyone.
        let release = web.store.run(move |db| db.release_callback(id, &agent)).await;
        if let Err(r) = release {
            warn!(callback = id, error = %r, "could not give back the claim of a call back that did not start (it lapses after five minutes)");
        }
        return Err(e.into());
    }
    Ok(done())
}

async fn audit(State(web): State<Web>, Admin(_): Admin, Query(q): Query<AuditQuery>) -> ApiResult<Vec<AuditEntry>> {
    let since = q.since.unwrap_or_else(|| Utc::now() - chrono::Duration::days(1));
    Ok(Json(web.store.run(move |db| db.audit_log(q.practice, since, 10_000)).await?))
}
