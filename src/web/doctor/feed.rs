//! A doctor's calendars: the feed of their appointments at a secret URL
//! (`/calendar/<secret>.ics`, no log-in: the secret is the key; only its
//! hash is kept, a new one revokes the old), and the external calendars
//! they subscribe to.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::agenda::AgendaQuery;
use super::{Frame, refusal};
use crate::web::auth::{Access, secret};
use crate::web::{ApiError, Web};

/// A feed or subscription change.
#[derive(Debug, Deserialize)]
pub struct FeedForm {
    /// The practice.
    pub p: i64,
    /// The doctor.
    pub doctor: i64,
    /// A subscription's id (to remove).
    #[serde(default)]
    pub id: Option<i64>,
    /// A calendar's address (to subscribe).
    #[serde(default)]
    pub url: String,
}

async fn frame_for(web: &Web, access: Access, f: &FeedForm) -> Result<Frame, ApiError> {
    let frame = Frame::new(web, access, Some(f.p), "/agenda").await?;
    let doctor = f.doctor;
    if web.store.run(move |db| db.doctor_practice(doctor)).await.map_err(|_| ApiError::not_found("doctor"))? != f.p {
        return Err(ApiError::not_found("doctor"));
    }
    Ok(frame)
}

fn query(f: &FeedForm) -> AgendaQuery {
    AgendaQuery { p: Some(f.p), doctor: Some(f.doctor), week: None, ok: None, feed: None }
}

/// `POST /agenda/feed`: a new secret; the page shows its URL once.
pub async fn make(State(web): State<Web>, access: Access, Form(f): Form<FeedForm>) -> Result<Response, ApiError> {
    let frame = frame_for(&web, access, &f).await?;
    let token = secret::random_hex(32).map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let (hash, doctor) = (secret::digest(&token), f.doctor);
    web.store.run(move |db| db.set_feed_secret(doctor, &hash, Utc::now())).await?;
    frame.audit(&web, "calendar.feed.create", doctor.to_string()).await?;
    let mut q = query(&f);
    q.feed = Some(token);
    super::agenda::page(&web, frame, q, None).await
}

/// `POST /agenda/feed/revoke`
pub async fn revoke(State(web): State<Web>, access: Access, Form(f): Form<FeedForm>) -> Result<Response, ApiError> {
    let frame = frame_for(&web, access, &f).await?;
    let doctor = f.doctor;
    web.store.run(move |db| db.revoke_feed(doctor)).await?;
    frame.audit(&web, "calendar.feed.revoke", doctor.to_string()).await?;
    Ok(frame.done("/agenda", "saved", &format!("&doctor={doctor}")))
}

/// `POST /agenda/subscribe`: keep the calendar, and read it at once.
pub async fn subscribe(State(web): State<Web>, access: Access, Form(f): Form<FeedForm>) -> Result<Response, ApiError> {
    let frame = frame_for(&web, access, &f).await?;
    let url = f.url.trim().to_string();
    if let Err(why) = crate::calendar::check_url(&url) {
        return super::agenda::page(&web, frame, query(&f), Some((StatusCode::BAD_REQUEST, why.to_string()))).await;
    }
    let doctor = f.doctor;
    let id = match web.store.run(move |db| db.add_subscription(doctor, &url)).await {
        Ok(id) => id,
        Err(e) => return Err(refusal(&e).map(|(s, m)| ApiError(s, m)).unwrap_or_else(|| e.into())),
    };
    frame.audit(&web, "calendar.subscribe", id.to_string()).await?;
    let subs = web.store.run(move |db| db.subscriptions(Some(doctor))).await?;
    if let Some(sub) = subs.into_iter().find(|s| s.id == id) {
        crate::calendar::refresh(&web.store, &sub, Utc::now(), web.doctor.allow_private_calendars).await?;
    }
    Ok(frame.done("/agenda", "saved", &format!("&doctor={doctor}")))
}

/// `POST /agenda/unsubscribe`
pub async fn unsubscribe(State(web): State<Web>, access: Access, Form(f): Form<FeedForm>) -> Result<Response, ApiError> {
    let frame = frame_for(&web, access, &f).await?;
    let (doctor, id) = (f.doctor, f.id.ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "which subscription?".into()))?);
    web.store.run(move |db| db.remove_subscription(doctor, id)).await?;
    frame.audit(&web, "calendar.unsubscribe", id.to_string()).await?;
    Ok(frame.done("/agenda", "saved", &format!("&doctor={doctor}")))
}

/// `GET /calendar/{secret}.ics`: the doctor's appointments from three
/// months back to a year ahead.
pub async fn serve(State(web): State<Web>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let token = name.strip_suffix(".ics").unwrap_or(&name).to_string();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("calendar"));
    }
    let hash = secret::digest(&token);
    let now = Utc::now();
    let found = web
        .store
        .run(move |db| {
            let Some(doctor) = db.feed_doctor(&hash)? else { return Ok(None) };
            let practice = db.snapshot(db.doctor_practice(doctor)?)?;
            let name = practice.doctors.iter().find(|d| d.id == doctor).map(|d| d.name.clone()).unwrap_or_default();
            let events = db.feed_events(doctor, now - Duration::days(90), now + Duration::days(366))?;
            let entry = crate::store::AuditEntry {
                at: now,
                account: format!("calendar feed of doctor {doctor}"),
                address: String::new(),
                action: "calendar.feed.read".into(),
                practice_id: Some(practice.practice.id),
                object: format!("{} events", events.len()),
            };
            db.audit(&entry)?;
            Ok(Some(crate::calendar::feed(&name, &practice.practice.name, practice.practice.timezone, &events)))
        })
        .await?;
    match found {
        Some(body) => Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response()),
        None => Err(ApiError::not_found("calendar")),
    }
}
