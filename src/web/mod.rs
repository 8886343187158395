//! The agents' HTTP JSON API, on which a secretaries' console is built: log
//! in, log out, pause, resume; the live state of every queue; for a call, the
//! doctors' instructions and the caller's history; call-back requests and
//! placing them; figures per practice. Thin: every answer comes from the
//! queue task or the store. The command line (`standardiste agent …`,
//! `standardiste queue …`) speaks this same API.
//!
//! Errors are JSON too: `{"error": "..."}` with 400 (bad request body), 404
//! (unknown secretary, call or call back), 409 (not in this state), 503 (the
//! queue is not running).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::warn;

use crate::queue::{QueueError, Queues};
use crate::store::{Callback, Store, StoreError};

/// What the API serves from.
#[derive(Clone)]
pub struct Api {
    /// The queue task.
    pub queues: Queues,
    /// The practices' facts.
    pub store: Store,
}

/// An API error: status and message.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match e {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Invalid(_) | StoreError::Rule(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    /// Why ("lunch").
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of placing a call back.
#[derive(Debug, Deserialize)]
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
    pub snapshot: crate::queue::Snapshot,
    /// Call backs not placed yet.
    pub callbacks: Vec<Callback>,
}

/// The routes.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/api/queues", get(queues))
        .route("/api/stats", get(stats))
        .route("/api/agents/{id}/login", post(login))
        .route("/api/agents/{id}/logout", post(logout))
        .route("/api/agents/{id}/pause", post(pause))
        .route("/api/agents/{id}/resume", post(resume))
        .route("/api/calls/{uuid}", get(call))
        .route("/api/callbacks", get(callbacks))
        .route("/api/callbacks/{id}/place", post(place))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route: see the README's agents' API".into()) })
        .with_state(api)
}

/// Serve until `shutdown` turns true.
pub async fn serve(listener: TcpListener, api: Api, mut shutdown: watch::Receiver<bool>) {
    let stop = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    if let Err(e) = axum::serve(listener, router(api)).with_graceful_shutdown(stop).await {
        warn!(error = %e, "agents' API stopped");
    }
}

async fn snapshot(api: &Api) -> Result<crate::queue::Snapshot, ApiError> {
    api.queues.snapshot().await.ok_or(ApiError(StatusCode::SERVICE_UNAVAILABLE, QueueError::Stopped.to_string()))
}

async fn queues(State(api): State<Api>) -> ApiResult<QueuesView> {
    let snapshot = snapshot(&api).await?;
    let callbacks = api.store.run(|db| db.callbacks(true)).await?;
    Ok(Json(QueuesView { snapshot, callbacks }))
}

async fn stats(State(api): State<Api>) -> ApiResult<Vec<crate::queue::task::StatsView>> {
    Ok(Json(snapshot(&api).await?.stats))
}

fn done() -> Json<serde_json::Value> {
    Json(json!({ "ok": true }))
}

async fn login(State(api): State<Api>, Path(id): Path<String>) -> ApiResult<serde_json::Value> {
    api.queues.login(&id).await?;
    Ok(done())
}

async fn logout(State(api): State<Api>, Path(id): Path<String>) -> ApiResult<serde_json::Value> {
    api.queues.logout(&id).await?;
    Ok(done())
}

async fn pause(State(api): State<Api>, Path(id): Path<String>, body: axum::body::Bytes) -> ApiResult<serde_json::Value> {
    // The body is optional: no reason given is a plain "pause".
    let body: PauseBody = if body.iter().all(u8::is_ascii_whitespace) {
        PauseBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("body: {e}")))?
    };
    let reason = body.reason.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "pause".into());
    api.queues.pause(&id, &reason).await?;
    Ok(done())
}

async fn resume(State(api): State<Api>, Path(id): Path<String>) -> ApiResult<serde_json::Value> {
    api.queues.resume(&id).await?;
    Ok(done())
}

async fn call(State(api): State<Api>, Path(uuid): Path<String>) -> ApiResult<serde_json::Value> {
    let info = api.queues.call_info(&uuid).await.ok_or(ApiError(StatusCode::NOT_FOUND, format!("no call {uuid} in the queues")))?;
    let (practice_id, caller) = (info.practice_id, info.caller.clone());
    let (instructions, history) = api
        .store
        .run(move |db| {
            let instructions = db.instructions(practice_id)?;
            let history = match &caller {
                Some(phone) => Some(db.caller_history(practice_id, phone, Utc::now())?),
                None => None,
            };
            Ok((instructions, history))
        })
        .await?;
    Ok(Json(json!({ "call": info, "instructions": instructions, "history": history })))
}

async fn callbacks(State(api): State<Api>, Query(q): Query<ListQuery>) -> ApiResult<Vec<Callback>> {
    Ok(Json(api.store.run(move |db| db.callbacks(!q.all)).await?))
}

async fn place(State(api): State<Api>, Path(id): Path<i64>, body: Result<Json<PlaceBody>, JsonRejection>) -> ApiResult<serde_json::Value> {
    let agent = body?.0.agent;
    let (cb, practice, number, blocked) = api
        .store
        .run(move |db| {
            let cb = db.callback(id)?;
            let snap = db.snapshot(cb.practice_id)?;
            let number = snap.practice.dids.first().cloned();
            // Checked again where it is dialled: a request taken before the rule.
            let blocked = crate::agenda::phone::callback_check(&cb.caller, &snap.practice.callback_countries).err();
            if let (Some(why), None) = (blocked, cb.placed_at) {
                db.callback_placed(id, "standardiste", Utc::now(), &format!("refusé: {why}"))?;
            }
            Ok((cb, snap.practice.name, number, blocked))
        })
        .await?;
    if cb.placed_at.is_some() {
        return Err(ApiError(StatusCode::CONFLICT, format!("callback {id} was placed already")));
    }
    if let Some(why) = blocked {
        warn!(callback = id, %why, "a call back to a number the practice does not call was refused");
        return Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, format!("callback {id}: not called back ({why})")));
    }
    api.queues.place_callback(cb, &practice, number, &agent).await?;
    Ok(done())
}
