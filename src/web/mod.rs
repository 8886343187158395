//! The people's side, served by the same process: the JSON API (`api`) on
//! which the secretaries' console and the command line are built, the
//! doctor's space (`doctor`: today, agenda, settings, messages, voice, the
//! calendar feeds), the log-in and account pages, and the rules of who may
//! see what (`auth`: accounts, sessions, tokens, one guard layer, the audit
//! log).
//!
//! Reads and writes only through the store and the queue task's handle,
//! never SQL of its own. Every answer carries the security headers and
//! `no-store` (health data); every connection is capped in number and in
//! the time its headers may take.
//!
//! Errors are JSON `{"error": …}` on the API: 400 bad body, 401 not logged
//! in, 403 not allowed, 404 unknown (or not yours), 409 wrong state, 415
//! wrong content type, 421 wrong host, 503 the queue is not running.

pub mod api;
pub mod auth;
pub mod console;
pub mod doctor;
pub mod words;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tracing::{debug, warn};

use crate::queue::Queues;
use crate::store::{Store, StoreError};

/// What every handler serves from.
#[derive(Clone)]
pub struct Web {
    /// The queue task.
    pub queues: Queues,
    /// The practices' facts.
    pub store: Store,
    /// Who may come in.
    pub gate: auth::Gate,
    /// What the doctor's pages need beside the store.
    pub doctor: Arc<doctor::Env>,
    /// The secretaries' consoles open.
    pub console: Arc<console::Presence>,
}

/// An error answer: status and message (JSON on the API).
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    /// 401: log in first.
    pub fn unauthenticated() -> Self {
        ApiError(StatusCode::UNAUTHORIZED, "authentication required: a session (log in at /login) or Authorization: Bearer <token>".into())
    }

    /// 403: this account may not do this.
    pub fn forbidden() -> Self {
        ApiError(StatusCode::FORBIDDEN, "this account may not do this".into())
    }

    /// 404: unknown — or not this account's, which is answered the same.
    pub fn not_found(what: &str) -> Self {
        ApiError(StatusCode::NOT_FOUND, format!("no {what}"))
    }

    /// 413: the body is over the cap.
    pub fn too_large() -> Self {
        ApiError(StatusCode::PAYLOAD_TOO_LARGE, "request body too large ([web] max_body_bytes)".into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.0, Json(json!({ "error": self.1 }))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
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

/// A page from its template, or a 500 naming the template's failure.
pub fn render(page: &impl askama::Template) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("static/style.css")).into_response()
}

async fn console_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("static/console.js")).into_response()
}

async fn voice_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], include_str!("static/voice.js")).into_response()
}

/// The routes, behind the guard and the security headers.
pub fn router(web: Web) -> Router {
    let gate = web.gate.clone();
    let max_body = gate.settings.max_body;
    Router::new()
        .route("/", get(|access: auth::Access| async move { axum::response::Redirect::to(auth::login::home_of(access.role)) }))
        .route("/login", get(auth::login::show).post(auth::login::submit))
        .route("/logout", post(auth::login::logout))
        .route("/account", get(auth::login::account))
        .route("/account/password", post(auth::login::change_password))
        .route("/static/style.css", get(style))
        .route("/static/voice.js", get(voice_script))
        .route("/static/console.js", get(console_script))
        // Browsers ask for it on their own: nothing, rather than a detour by the log-in page.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .merge(api::routes())
        .merge(doctor::routes())
        .merge(console::routes())
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route: see the README's API".into()) })
        .with_state(web)
        .layer(axum::middleware::from_fn_with_state(gate, auth::guard))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(auth::security_headers))
}

/// How many connections and how long their headers may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Headers (and an idle keep-alive) within this time.
    pub header_timeout: Duration,
}

/// Serve until `shutdown` turns true: each connection in its own task, at
/// most `limits.max_connections` at once (the others wait in the kernel's
/// backlog, so a flood of slow clients cannot take the descriptors the
/// calls need), each with a header-read timeout that also closes idle
/// keep-alive connections.
pub async fn serve(listener: TcpListener, web: Web, limits: Limits, mut shutdown: watch::Receiver<bool>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let app = router(web);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            _ = shutdown.changed() => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    warn!(error = %e, "web: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(auth::Peer(peer));
            let mut app = app.clone();
            async move { tower::Service::call(&mut app, req).await }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                debug!(error = %e, %peer, "web connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Live requests get a moment to finish.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => warn!("web: connections still open at shutdown were closed"),
    }
}

/// Where the web side listens, bound.
pub fn bound(listener: &TcpListener) -> SocketAddr {
    listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
}
