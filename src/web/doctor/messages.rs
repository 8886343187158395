//! Messages: newest and urgent first, the caller's number (to call back),
//! the length, the recording (streamed only to an account of the practice,
//! each listening audited), the transcript, handled or not.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::{Frame, Nav, PageQuery, checked};
use crate::store::MessageRow;
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};

/// A message, as the page shows it.
pub struct MessageCard {
    /// Id.
    pub id: i64,
    /// Local time.
    pub received: String,
    /// The number, if not withheld.
    pub caller: Option<String>,
    /// `0:42`.
    pub length: String,
    /// The transcript.
    pub transcript: Option<String>,
    /// Urgent.
    pub urgent: bool,
    /// Handled.
    pub handled: bool,
    /// By whom.
    pub handled_by: String,
    /// Left on the phone (a message typed by a secretary has no recording).
    pub has_audio: bool,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct MessagesPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    p: i64,
    messages: Vec<MessageCard>,
}

/// `GET /messages?p=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/messages").await?;
    let p = frame.practice_id;
    let rows = web.store.run(move |db| db.messages(p)).await?;
    frame.audit(&web, "messages.read", format!("{} messages", rows.len())).await?;
    let messages = rows
        .into_iter()
        .map(|m: MessageRow| {
            let secs = m.duration_secs.max(0.0).round() as i64;
            MessageCard {
                id: m.id,
                received: m.received_at.with_timezone(&frame.tz).format("%d/%m/%Y %H:%M").to_string(),
                caller: m.caller,
                length: format!("{}:{:02}", secs / 60, secs % 60),
                transcript: m.transcript,
                urgent: m.urgent,
                handled: m.read,
                handled_by: m.handled_by.unwrap_or_default(),
                has_audio: !m.audio_path.is_empty(),
            }
        })
        .collect();
    let page = MessagesPage {
        t: frame.t,
        who: Some(&frame.access.login),
        nav: Some(frame.nav.clone()),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        p,
        messages,
    };
    Ok(render(&page))
}

/// `GET /messages/{id}/audio?p=`: the recording, to an account of its practice.
pub async fn audio(State(web): State<Web>, access: Access, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/messages").await?;
    let p = frame.practice_id;
    let m = web.store.run(move |db| db.message(p, id)).await.map_err(|_| ApiError::not_found("message"))?;
    frame.audit(&web, "message.listen", id.to_string()).await?;
    super::wav_file(m.audio_path.into()).await
}

/// Mark handled.
#[derive(Debug, Deserialize)]
pub struct HandledForm {
    /// The practice.
    pub p: i64,
    /// Handled (checkbox-like: `1` or absent).
    #[serde(default)]
    pub handled: Option<String>,
}

/// `POST /messages/{id}/handled`
pub async fn handled(State(web): State<Web>, access: Access, Path(id): Path<i64>, Form(f): Form<HandledForm>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, Some(f.p), "/messages").await?;
    let (p, on, by) = (frame.practice_id, checked(&f.handled), frame.access.login.clone());
    web.store.run(move |db| db.set_message_handled(p, id, on, &by, Utc::now())).await.map_err(|_| ApiError::not_found("message"))?;
    frame.audit(&web, if on { "message.handled" } else { "message.unhandled" }, id.to_string()).await?;
    Ok(frame.done("/messages", "saved", &format!("#m{id}")))
}
