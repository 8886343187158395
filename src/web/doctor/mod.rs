//! The doctor's web space, for a practice's staff (and the operator):
//! Today (what the receptionist did since yesterday), the Agenda (a week per
//! doctor, booking, moving, cancelling, absences, the calendar feeds),
//! Settings (hours, types, rules, duty, holidays, callers, instructions,
//! mail), Messages (listen, read, mark handled) and Voice (the practice's
//! own recordings of the fixed sentences).
//!
//! Every page takes its practice from `?p=` among the account's own
//! (`Access`), answers another's as unknown, reads and writes through the
//! store only, and writes each read of patients' data to the audit log.
//! A change is a form posted (CSRF-checked by the guard) and answered with a
//! redirect (303) to the page, which then says what was done; a refusal is
//! the page again with the reason. The receptionist reads the practice
//! afresh at every call: a change holds from the next call.

pub mod agenda;
pub mod feed;
pub mod figures;
pub mod messages;
pub mod settings;
pub mod today;
pub mod voice;

use std::path::PathBuf;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono_tz::Tz;
use serde::Deserialize;

use super::auth::Access;
use super::words::{Words, words_of};
use super::{ApiError, Web};
use crate::speech::Voice;
use crate::store::{AuditEntry, StoreError};
use crate::words::catalogue::Lang;

/// What the pages need beside the store.
#[derive(Debug, Clone)]
pub struct Env {
    /// The receptionist's voice (to let a sentence be heard).
    pub voice: Voice,
    /// The receptionist's language, which the pages follow.
    pub lang: Lang,
    /// `<prompts>/practices`: each practice's own recordings, in `<id>/`.
    pub practice_prompts: PathBuf,
    /// The sound converter (sox).
    pub sox: String,
    /// Subscriptions may be on this host or a private network.
    pub allow_private_calendars: bool,
    /// How the practices' folders are made.
    pub folders: crate::folders::Folders,
    /// A télésecrétariat's price of a call (`[stats] price_per_call`).
    pub price_per_call: f64,
}

/// One link of the space's navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Where.
    pub href: String,
    /// Its words.
    pub label: &'static str,
    /// The page shown.
    pub current: bool,
}

/// A practice the account may switch to.
#[derive(Debug, Clone)]
pub struct PracticeChoice {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The one shown.
    pub selected: bool,
}

/// The space's navigation, drawn by `base.html`.
#[derive(Debug, Clone)]
pub struct Nav {
    /// The pages.
    pub links: Vec<NavLink>,
    /// The practices (a selector when more than one).
    pub practices: Vec<PracticeChoice>,
    /// The page's own path, for the selector.
    pub path: &'static str,
}

/// `?p=…&ok=…`: the practice shown and what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// The practice.
    #[serde(default)]
    pub p: Option<i64>,
    /// What was just done (a key of fixed words, never free text).
    #[serde(default)]
    pub ok: Option<String>,
}

/// A page's frame: who, which practice, its words.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The account.
    pub access: Access,
    /// The practice shown.
    pub practice_id: i64,
    /// Its name.
    pub practice_name: String,
    /// Its time zone.
    pub tz: Tz,
    /// The practice as the receptionist reads it, read once for the page.
    pub snapshot: crate::store::PracticeSnapshot,
    /// The words.
    pub t: &'static Words,
    /// The navigation.
    pub nav: Nav,
}

/// A page of the navigation: its path, and its words.
type PageLink = (&'static str, fn(&Words) -> &'static str);

const PAGES: [PageLink; 6] = [
    ("/today", |t| t.nav_today),
    ("/figures", |t| t.nav_figures),
    ("/agenda", |t| t.nav_agenda),
    ("/messages", |t| t.nav_messages),
    ("/settings", |t| t.nav_settings),
    ("/voice", |t| t.nav_voice),
];

impl Frame {
    /// The frame of page `path` for practice `p` (the account's first when
    /// none is asked), or 404 for a practice the account does not see, 403
    /// for a secretary.
    pub async fn new(web: &Web, access: Access, p: Option<i64>, path: &'static str) -> Result<Self, ApiError> {
        if !matches!(access.role, crate::store::Role::Staff | crate::store::Role::Admin) {
            return Err(ApiError::forbidden());
        }
        let practice_id = match p {
            Some(p) => p,
            None => *access.practices.first().ok_or_else(|| ApiError::not_found("practice for this account"))?,
        };
        access.practice(practice_id, "practice")?;
        let ids = access.practices.clone();
        let (names, snapshot) = web.store.run(move |db| Ok((db.practice_labels(&ids)?, db.snapshot(practice_id)?))).await?;
        let t = words_of(web.doctor.lang);
        let links = PAGES.iter().map(|(href, label)| NavLink { href: format!("{href}?p={practice_id}"), label: label(t), current: *href == path }).collect();
        let practices = names.into_iter().map(|(id, name)| PracticeChoice { id, name, selected: id == practice_id }).collect();
        let (practice_name, tz) = (snapshot.practice.name.clone(), snapshot.practice.timezone);
        Ok(Self { access, practice_id, practice_name, tz, snapshot, t, nav: Nav { links, practices, path } })
    }

    /// The session's CSRF token, for the forms.
    pub fn csrf(&self) -> &str {
        self.access.csrf()
    }

    /// Write one line of the audit log about this page.
    pub async fn audit(&self, web: &Web, action: &str, object: impl Into<String>) -> Result<(), ApiError> {
        let entry: AuditEntry = self.access.audit(action, Some(self.practice_id), object);
        web.store.run(move |db| db.audit(&entry)).await.map_err(ApiError::from)
    }

    /// After a change: back to `path` of this practice, saying `ok`.
    pub fn done(&self, path: &str, ok: &str, extra: &str) -> Response {
        Redirect::to(&format!("{path}?p={}&ok={ok}{extra}", self.practice_id)).into_response()
    }
}

/// A refusal shown on the page: a rule the store refused, with its reason.
pub fn refusal(e: &StoreError) -> Option<(StatusCode, String)> {
    match e {
        StoreError::Invalid(_) | StoreError::Rule(_) => Some((StatusCode::BAD_REQUEST, e.to_string())),
        StoreError::NotFound(_) => Some((StatusCode::NOT_FOUND, e.to_string())),
        _ => None,
    }
}

/// The status of a page and the refusal it shows, if any.
pub fn status_of(error: Option<(StatusCode, String)>) -> (StatusCode, Option<String>) {
    match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    }
}

/// A checkbox of a form: present means checked.
pub fn checked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The routes of the space.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/today", get(today::show))
        .route("/agenda", get(agenda::show))
        .route("/agenda/book", post(agenda::book))
        .route("/agenda/move", post(agenda::move_to))
        .route("/agenda/cancel", post(agenda::cancel))
        .route("/agenda/absence", post(agenda::add_absence))
        .route("/agenda/absence/remove", post(agenda::remove_absence))
        .route("/agenda/name/{id}", get(agenda::name_audio))
        .route("/agenda/feed", post(feed::make))
        .route("/agenda/feed/revoke", post(feed::revoke))
        .route("/agenda/subscribe", post(feed::subscribe))
        .route("/agenda/unsubscribe", post(feed::unsubscribe))
        .route("/calendar/{secret}", get(feed::serve))
        .route("/settings", get(settings::show))
        .route("/settings/{section}", post(settings::save))
        .route("/messages", get(messages::show))
        .route("/messages/{id}/audio", get(messages::audio))
        .route("/messages/{id}/handled", post(messages::handled))
        .route("/figures", get(figures::show))
        .route("/voice", get(voice::show))
        .route("/voice/{key}/audio", get(voice::audio))
        .route("/voice/{key}", post(voice::upload))
        .route("/voice/{key}/reset", post(voice::reset))
}

/// A WAV file answered to an allowed listener (never cached).
pub async fn wav_file(path: PathBuf) -> Result<Response, ApiError> {
    let bytes = tokio::fs::read(&path).await.map_err(|_| ApiError::not_found("recording"))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "audio/wav")], bytes).into_response())
}
