//! Who is asking, decided in one place for every page and endpoint.
//!
//! [`guard`] is the one layer every request goes through: it refuses a
//! `Host` that is not ours (421, against DNS rebinding), finds the account
//! behind a bearer token or a session cookie, checks the CSRF token of a
//! state-changing request made with a cookie, refuses a body of the wrong
//! type (415), and either lets the request in with its [`Access`] or answers
//! 401 (the API) or sends the browser to `/login` (pages). Handlers take an
//! extractor that says who may call them ([`Access`] for any account,
//! [`Staff`], [`Secretaries`], [`Admin`]): a handler cannot forget the check,
//! and an object of a practice the account may not see is answered as
//! unknown (404), never revealed.
//!
//! Must not hold the web's pages or the API's answers: only who may see them.

pub mod demo;
pub mod login;
pub mod secret;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::store::{Account, AuditEntry, Role, Store};

use super::ApiError;

/// The session cookie.
pub const SESSION_COOKIE: &str = "standardiste_session";
/// The header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a page sends it in.
pub const CSRF_FIELD: &str = "csrf";

/// How the web side lets people in (from `[web]`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `Host` values accepted.
    pub hosts: Vec<String>,
    /// Cookies are `Secure`; the client's address comes from `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// And after this long in all.
    pub session_max: Duration,
    /// Failed log-ins in a row before the account is locked.
    pub lock_after: u32,
    /// How long it stays locked.
    pub lock_for: Duration,
    /// Failed log-ins from one address in 15 minutes before it is refused.
    pub address_limit: u32,
    /// Largest body read.
    pub max_body: usize,
}

impl Settings {
    /// From the configuration; `bound` is the address the listener got
    /// (its port, when the configuration asked for port 0).
    pub fn new(web: &crate::config::Web, bound: SocketAddr) -> Self {
        let hosts = if web.hosts.is_empty() {
            let port = bound.port();
            let mut h = vec![bound.to_string(), format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
            h.dedup();
            h
        } else {
            web.hosts.clone()
        };
        Self {
            hosts,
            behind_tls_proxy: web.behind_tls_proxy,
            session_idle: Duration::from_secs(web.session_idle_minutes * 60),
            session_max: Duration::from_secs(web.session_hours * 3600),
            lock_after: web.login_lock_after,
            lock_for: Duration::from_secs(web.login_lock_secs),
            address_limit: web.login_address_limit,
            max_body: web.max_body_bytes,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
    }
}

/// What the guard needs.
#[derive(Clone)]
pub struct Gate {
    /// The store.
    pub store: Store,
    /// The rules.
    pub settings: Arc<Settings>,
}

/// The client's address, as the accept loop saw it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// How the account came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session: its id's hash and its CSRF token.
    Session {
        /// The stored hash of the cookie's value.
        token_hash: String,
        /// The CSRF token of its forms.
        csrf: String,
    },
    /// A program's bearer token.
    Token,
}

/// Who is asking, and what they may see. Made by [`guard`] only.
#[derive(Debug, Clone)]
pub struct Access {
    /// The account's id.
    pub account_id: i64,
    /// Its login.
    pub login: String,
    /// Its role.
    pub role: Role,
    /// The practices it sees (every one for an admin).
    pub practices: Vec<i64>,
    /// A secretary's id in the queues.
    pub secretary: Option<String>,
    /// Session or token.
    pub via: Via,
    /// The client's address (for the audit log).
    pub address: String,
}

impl Access {
    /// Whether this account sees practice `id`.
    pub fn sees(&self, practice_id: i64) -> bool {
        self.role == Role::Admin || self.practices.contains(&practice_id)
    }

    /// Practice `id`, or the same 404 an unknown one gets.
    pub fn practice(&self, practice_id: i64, what: &str) -> Result<(), ApiError> {
        if self.sees(practice_id) { Ok(()) } else { Err(ApiError::not_found(what)) }
    }

    /// Whether this account may act as secretary `id` (herself, or an admin).
    pub fn acts_as(&self, secretary_id: &str) -> bool {
        self.role == Role::Admin || self.secretary.as_deref() == Some(secretary_id)
    }

    /// The CSRF token of the session, for a page's forms.
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token => "",
        }
    }

    /// A line of the audit log about this account's request.
    pub fn audit(&self, action: &str, practice_id: Option<i64>, object: impl Into<String>) -> AuditEntry {
        AuditEntry { at: Utc::now(), account: self.login.clone(), address: self.address.clone(), action: action.into(), practice_id, object: object.into() }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Access {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Access>().cloned().ok_or_else(ApiError::unauthenticated)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Access {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Access>().cloned())
    }
}

macro_rules! role_extractor {
    ($name:ident, $doc:literal, $($role:path),+) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name(pub Access);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                let access = Access::from_request_parts(parts, state).await?;
                if matches!(access.role, $($role)|+) { Ok(Self(access)) } else { Err(ApiError::forbidden()) }
            }
        }
    };
}

role_extractor!(Admin, "The service's operator only.", Role::Admin);
role_extractor!(Secretaries, "A remote secretary, or the operator.", Role::Secretary, Role::Admin);
role_extractor!(Staff, "A practice's own staff, or the operator.", Role::Staff, Role::Admin);

/// Paths anyone may reach: the log-in page and the files it needs.
fn public(path: &str) -> bool {
    // A calendar feed's secret URL is its own key (calendar apps send no cookie).
    path == "/login" || path == "/favicon.ico" || path.starts_with("/static/") || path.starts_with("/calendar/")
}

/// Whether the request asks for a page (a browser) rather than the API.
fn wants_page(path: &str) -> bool {
    !path.starts_with("/api/")
}

/// The client's address: the peer, or behind a TLS proxy the last address
/// the proxy appended to `X-Forwarded-For`.
pub fn client_address(settings: &Settings, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if settings.behind_tls_proxy
        && let Some(last) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next())
        && let Ok(ip) = last.trim().parse::<IpAddr>()
    {
        return ip.to_string();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure behind TLS.
pub fn set_cookie(settings: &Settings, name: &str, value: &str, max_age: Option<Duration>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if settings.behind_tls_proxy {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::trim).unwrap_or("")
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0") || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Find the account behind the request, if any.
async fn identify(gate: &Gate, headers: &HeaderMap, address: String) -> Result<Option<Access>, ApiError> {
    let now = Utc::now();
    let (account_id, via) = if let Some(bearer) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) {
        let hash = secret::digest(bearer.trim());
        match gate.store.run(move |db| db.token_account(&hash, now)).await? {
            Some(id) => (id, Via::Token),
            // A token that is wrong or revoked is refused, not ignored.
            None => return Err(ApiError::unauthenticated()),
        }
    } else if let Some(value) = cookie(headers, SESSION_COOKIE) {
        let hash = secret::digest(value);
        let idle_since = now - chrono::Duration::from_std(gate.settings.session_idle).unwrap_or_default();
        let opened_since = now - chrono::Duration::from_std(gate.settings.session_max).unwrap_or_default();
        let h = hash.clone();
        match gate.store.run(move |db| db.session(&h, now, idle_since, opened_since)).await? {
            Some(s) => (s.account_id, Via::Session { token_hash: hash, csrf: s.csrf }),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let found = gate
        .store
        .run(move |db| {
            let Some(a) = db.account_by_id(account_id)? else { return Ok(None) };
            let practices = practices_of(db, &a)?;
            Ok(Some((a, practices)))
        })
        .await?;
    let Some((account, practices)) = found else { return Ok(None) };
    Ok(Some(Access { account_id, login: account.login, role: account.role, practices, secretary: account.secretary_id, via, address }))
}

/// The practices an account sees: every one (admin), its own (staff), the
/// ones she serves in the queues (secretary).
pub fn practices_of(db: &crate::store::Db, a: &Account) -> Result<Vec<i64>, crate::store::StoreError> {
    match a.role {
        Role::Admin => db.practice_ids(),
        Role::Staff => Ok(a.practices.clone()),
        Role::Secretary => db.secretary_practice_ids(a.secretary_id.as_deref().unwrap_or("")),
    }
}

/// The CSRF token a state-changing request carries: the header, or the
/// form's field (the body is read, bounded, and put back), or for a file
/// sent by a form, the `csrf` of its address.
async fn csrf_of(req: Request, max_body: usize) -> Result<(Option<String>, Request), ApiError> {
    if let Some(v) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let v = v.to_string();
        return Ok((Some(v), req));
    }
    // A file sent by a plain form (multipart) carries the token in its
    // address: the body is the file, and is not read here.
    if content_type(req.headers()) == "multipart/form-data" {
        let token = req.uri().query().and_then(|q| form_urlencoded_field(q.as_bytes(), CSRF_FIELD));
        return Ok((token, req));
    }
    if content_type(req.headers()) != "application/x-www-form-urlencoded" {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, max_body).await.map_err(|_| ApiError::too_large())?;
    let token = form_urlencoded_field(&bytes, CSRF_FIELD);
    Ok((token, Request::from_parts(parts, axum::body::Body::from(bytes))))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).ok()?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The one layer: Host, identity, CSRF, body type; then the handler.
pub async fn guard(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !gate.settings.host_allowed(&host) {
        return ApiError(StatusCode::MISDIRECTED_REQUEST, "this host is not served here ([web] hosts)".into()).into_response();
    }
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let changes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes && has_body(req.headers()) {
        let ct = content_type(req.headers());
        let ok = if path.starts_with("/api/") { ct == "application/json" } else { ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" };
        if !ok {
            return ApiError(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("content type « {ct} » not accepted here")).into_response();
        }
    }
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    let address = client_address(&gate.settings, req.headers(), peer);
    let access = match identify(&gate, req.headers(), address).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let mut req = req;
    match access {
        Some(access) => {
            if changes && let Via::Session { csrf, .. } = &access.via {
                let expected = csrf.clone();
                let (token, back) = match csrf_of(req, gate.settings.max_body).await {
                    Ok(x) => x,
                    Err(e) => return e.into_response(),
                };
                req = back;
                if !token.is_some_and(|t| same_secret(&t, &expected)) {
                    return ApiError(StatusCode::FORBIDDEN, "missing or wrong CSRF token".into()).into_response();
                }
            }
            req.extensions_mut().insert(access);
            next.run(req).await
        }
        None if public(&path) => next.run(req).await,
        None if wants_page(&path) => {
            let target = if method == Method::GET && path != "/" {
                format!("/login?next={}", percent_encoding::utf8_percent_encode(&path, percent_encoding::NON_ALPHANUMERIC))
            } else {
                "/login".into()
            };
            Redirect::to(&target).into_response()
        }
        None => ApiError::unauthenticated().into_response(),
    }
}

/// Headers on every answer: no framing, no sniffing, no inline script, and
/// nothing kept by a browser or a proxy (health data).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
