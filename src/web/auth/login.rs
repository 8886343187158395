//! Logging in and out of the web side: the log-in page (French and
//! English), the session cookie, the slowdown and the lock after repeated
//! failures (per account and per address), log-out, and the account page
//! where a password is changed.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use tracing::{info, warn};

use super::{Access, Peer, SESSION_COOKIE, Via, client_address, cookie, same_secret, secret, set_cookie};
use crate::store::Role;
use crate::web::words::{Words, words_for};
use crate::web::{Web, render};

/// The cookie that ties the log-in form to the browser that asked for it.
const LOGIN_COOKIE: &str = "standardiste_login";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<crate::web::doctor::Nav>,
    csrf: &'a str,
    next: &'a str,
    login: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<crate::web::doctor::Nav>,
    csrf: &'a str,
    login: &'a str,
    role: &'a str,
    practices: Vec<String>,
    notice: Option<&'a str>,
    error: Option<&'a str>,
}

/// `?next=/console&lang=en`
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    /// Where to go once logged in.
    #[serde(default)]
    pub next: String,
    /// `fr` or `en`.
    #[serde(default)]
    pub lang: String,
}

/// The log-in form as sent.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// The form's own token (the log-in cookie's value).
    #[serde(default)]
    pub csrf: String,
    /// The login.
    #[serde(default)]
    pub login: String,
    /// The password.
    #[serde(default)]
    pub password: String,
    /// Where to go next.
    #[serde(default)]
    pub next: String,
    /// The page's language.
    #[serde(default)]
    pub lang: String,
}

/// Only a path of this site: never `//elsewhere` or `https://elsewhere`.
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/login")).then_some(next)
}

/// Where an account lands after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Staff => "/today",
        Role::Secretary => "/console",
        Role::Admin => "/account",
    }
}

fn language(lang: &str, headers: &HeaderMap) -> &'static Words {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    words_for(if lang.is_empty() { accept } else { lang })
}

fn login_page(web: &Web, headers: &HeaderMap, t: &'static Words, status: StatusCode, next: &str, login: &str, error: Option<&str>) -> Response {
    // The browser's log-in token is kept while it lives: a second page
    // load (another tab, the browser's own fetch of an icon) must not
    // invalidate the form already shown.
    let kept = cookie(headers, LOGIN_COOKIE).filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_string);
    let token = match kept.map(Ok).unwrap_or_else(|| secret::random_hex(16)) {
        Ok(t) => t,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let page = LoginPage { t, who: None, nav: None, csrf: &token, next, login, error };
    let mut resp = (status, render(&page)).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&web.gate.settings, LOGIN_COOKIE, &token, Some(Duration::from_secs(3600))));
    resp
}

/// `GET /login`
pub async fn show(State(web): State<Web>, headers: HeaderMap, Query(q): Query<LoginQuery>, access: Option<Access>) -> Response {
    if let Some(a) = access {
        return Redirect::to(safe_next(&q.next).unwrap_or(home_of(a.role))).into_response();
    }
    login_page(&web, &headers, language(&q.lang, &headers), StatusCode::OK, safe_next(&q.next).unwrap_or(""), "", None)
}

/// `POST /login`
pub async fn submit(State(web): State<Web>, headers: HeaderMap, peer: Option<axum::Extension<Peer>>, Form(f): Form<LoginForm>) -> Response {
    let t = language(&f.lang, &headers);
    let settings = web.gate.settings.clone();
    let address = client_address(&settings, &headers, peer.map(|p| p.0.0));
    let next = safe_next(&f.next).unwrap_or("").to_string();
    // The form must come from a log-in page this browser was given.
    if !cookie(&headers, LOGIN_COOKIE).is_some_and(|c| !f.csrf.is_empty() && same_secret(c, &f.csrf)) {
        return login_page(&web, &headers, t, StatusCode::FORBIDDEN, &next, &f.login, Some(t.login_expired));
    }
    let now = Utc::now();
    let store = web.gate.store.clone();
    let since = now - chrono::Duration::minutes(15);
    let (login, addr) = (f.login.trim().to_string(), address.clone());
    let found = match store.run(move |db| Ok((db.failures_from(&addr, since)?, db.account(&login)?))).await {
        Ok(x) => x,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let (from_address, account) = found;
    if from_address >= i64::from(settings.address_limit) {
        warn!(%address, "log-ins refused from an address after too many failures");
        return login_page(&web, &headers, t, StatusCode::TOO_MANY_REQUESTS, &next, &f.login, Some(t.login_locked));
    }
    let locked = account.as_ref().and_then(|a| a.locked_until).is_some_and(|until| until > now);
    let stored = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| secret::decoy_hash().to_string());
    let password = f.password.clone();
    let matches = tokio::task::spawn_blocking(move || secret::verify_password(&password, &stored)).await.unwrap_or(false);
    let login = f.login.trim().to_string();
    match account {
        Some(a) if matches && !locked => {
            let (token, csrf) = match (secret::random_hex(32), secret::random_hex(32)) {
                (Ok(t), Ok(c)) => (t, c),
                _ => return (StatusCode::INTERNAL_SERVER_ERROR, "random source").into_response(),
            };
            let hash = secret::digest(&token);
            let (id, addr, who) = (a.id, address.clone(), a.login.clone());
            let opened = store
                .run(move |db| {
                    db.login_succeeded(id)?;
                    db.open_session(&hash, id, &csrf, &addr, now)?;
                    db.audit(&crate::store::AuditEntry {
                        at: now,
                        account: who,
                        address: addr,
                        action: "login".into(),
                        practice_id: None,
                        object: String::new(),
                    })
                })
                .await;
            if let Err(e) = opened {
                return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
            }
            info!(login = %a.login, "logged in");
            let mut resp = Redirect::to(if next.is_empty() { home_of(a.role) } else { &next }).into_response();
            let h = resp.headers_mut();
            h.append(header::SET_COOKIE, set_cookie(&settings, SESSION_COOKIE, &token, None));
            h.append(header::SET_COOKIE, set_cookie(&settings, LOGIN_COOKIE, "", Some(Duration::ZERO)));
            resp
        }
        _ => {
            let lock_until = now + chrono::Duration::from_std(settings.lock_for).unwrap_or_default();
            let (l, addr, lock_after) = (login.clone(), address.clone(), i64::from(settings.lock_after));
            let in_a_row = store
                .run(move |db| {
                    let n = if locked { 0 } else { db.login_failed(&l, &addr, now, lock_after, lock_until)? };
                    db.audit(&crate::store::AuditEntry {
                        at: now,
                        account: l,
                        address: addr,
                        action: "login.failed".into(),
                        practice_id: None,
                        object: String::new(),
                    })?;
                    Ok(n)
                })
                .await
                .unwrap_or(0);
            // Slower and slower: a guesser gets few tries a minute.
            tokio::time::sleep(Duration::from_millis(200 * in_a_row.clamp(0, 5) as u64)).await;
            let message = if locked { t.login_locked } else { t.login_wrong };
            login_page(&web, &headers, t, StatusCode::UNAUTHORIZED, &next, &f.login, Some(message))
        }
    }
}

/// `POST /logout`
pub async fn logout(State(web): State<Web>, access: Access) -> Response {
    if let Via::Session { token_hash, .. } = &access.via {
        let (h, entry) = (token_hash.clone(), access.audit("logout", None, ""));
        let _ = web
            .gate
            .store
            .run(move |db| {
                db.close_session(&h)?;
                db.audit(&entry)
            })
            .await;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&web.gate.settings, SESSION_COOKIE, "", Some(Duration::ZERO)));
    resp
}

async fn account_page(web: &Web, access: &Access, headers: &HeaderMap, status: StatusCode, notice: Option<&str>, error: Option<&str>) -> Response {
    let t = language("", headers);
    let ids = access.practices.clone();
    let names =
        web.gate.store.run(move |db| ids.iter().map(|id| db.snapshot(*id).map(|s| s.practice.name)).collect::<Result<Vec<_>, _>>()).await.unwrap_or_default();
    let role = match access.role {
        Role::Admin => t.role_admin,
        Role::Staff => t.role_staff,
        Role::Secretary => t.role_secretary,
    };
    let nav = match access.role {
        Role::Staff | Role::Admin => crate::web::doctor::Frame::new(web, access.clone(), None, "/account").await.ok().map(|f| f.nav),
        Role::Secretary => None,
    };
    let page = AccountPage { t, who: Some(&access.login), nav, csrf: access.csrf(), login: &access.login, role, practices: names, notice, error };
    (status, render(&page)).into_response()
}

/// `GET /account`
pub async fn account(State(web): State<Web>, headers: HeaderMap, access: Access) -> Response {
    account_page(&web, &access, &headers, StatusCode::OK, None, None).await
}

/// The password change form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The current password.
    #[serde(default)]
    pub current: String,
    /// The new one.
    #[serde(default)]
    pub new: String,
}

/// `POST /account/password`: every other session of the account ends.
pub async fn change_password(State(web): State<Web>, headers: HeaderMap, access: Access, Form(f): Form<PasswordForm>) -> Response {
    let t = language("", &headers);
    let login = access.login.clone();
    let stored = match web.gate.store.run(move |db| db.account(&login)).await {
        Ok(Some(a)) => a.password_hash,
        _ => return account_page(&web, &access, &headers, StatusCode::INTERNAL_SERVER_ERROR, None, Some(t.error_generic)).await,
    };
    let (current, new) = (f.current, f.new);
    let checked = tokio::task::spawn_blocking(move || if secret::verify_password(&current, &stored) { Some(secret::hash_password(&new)) } else { None }).await;
    let hash = match checked {
        Ok(Some(Ok(h))) => h,
        Ok(Some(Err(secret::SecretError::TooShort))) => {
            return account_page(&web, &access, &headers, StatusCode::BAD_REQUEST, None, Some(t.password_too_short)).await;
        }
        Ok(None) => return account_page(&web, &access, &headers, StatusCode::FORBIDDEN, None, Some(t.login_wrong)).await,
        _ => return account_page(&web, &access, &headers, StatusCode::INTERNAL_SERVER_ERROR, None, Some(t.error_generic)).await,
    };
    let (login, entry) = (access.login.clone(), access.audit("account.password", None, access.login.clone()));
    let keep = match &access.via {
        Via::Session { token_hash, csrf } => Some((token_hash.clone(), csrf.clone(), access.account_id, access.address.clone())),
        Via::Token => None,
    };
    let done = web
        .gate
        .store
        .run(move |db| {
            db.set_password(&login, &hash)?;
            // This browser stays logged in; every other session ended.
            if let Some((h, csrf, id, addr)) = keep {
                db.open_session(&h, id, &csrf, &addr, Utc::now())?;
            }
            db.audit(&entry)
        })
        .await;
    match done {
        Ok(()) => account_page(&web, &access, &headers, StatusCode::OK, Some(t.password_changed), None).await,
        Err(_) => account_page(&web, &access, &headers, StatusCode::INTERNAL_SERVER_ERROR, None, Some(t.error_generic)).await,
    }
}
