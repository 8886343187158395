//! The secretaries' console: one page open all day (`/console`), fed by a
//! server-sent event stream (`/console/events`) that carries the whole
//! state of what she sees after every change of the queue task (its one
//! broadcast channel): her own state, the calls waiting for the practices
//! she serves (urgent first, then by wait), the call-backs to place. A page
//! that reconnects gets the whole state again; two tabs see the same.
//!
//! What she does for a caller goes through the JSON API here and in `api`
//! (her state, the call's card, placing a call-back): find a free slot and
//! book it, cancel or move an appointment, type a message for the doctor,
//! close the call with its outcome — only for the practices she serves,
//! each action audited.
//!
//! A secretary who closed her console (no stream open for
//! `[queue] console_grace_secs`) while available is paused, "console
//! fermée", so that no call rings a desk nobody sits at.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use futures_util::stream::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tracing::info;

use super::auth::{Access, Secretaries};
use super::words::{Words, words_of};
use super::{ApiError, Web, render};
use crate::agenda::{ConsultationType, Doctor, Source};
use crate::queue::{Agent, AgentState, Queues, Snapshot, WaitingView};
use crate::store::{BookError, BookingRequest, Callback};

/// The reason of the pause of a secretary whose console closed.
pub const CONSOLE_CLOSED: &str = "console fermée";

/// Which secretaries have a console open, and since when none.
#[derive(Debug, Default)]
pub struct Presence {
    desks: Mutex<HashMap<String, (usize, Instant)>>,
}

/// Counts one open stream of a secretary while it lives.
struct Seat {
    presence: Arc<Presence>,
    id: String,
}

impl Presence {
    fn sit(self: &Arc<Self>, id: &str) -> Seat {
        let mut d = self.desks.lock().unwrap_or_else(|p| p.into_inner());
        let e = d.entry(id.to_string()).or_insert((0, Instant::now()));
        e.0 += 1;
        e.1 = Instant::now();
        Seat { presence: self.clone(), id: id.to_string() }
    }

    /// The secretaries who had a console and have had none for `grace`.
    pub fn gone(&self, grace: Duration) -> Vec<String> {
        let d = self.desks.lock().unwrap_or_else(|p| p.into_inner());
        d.iter().filter(|(_, (open, since))| *open == 0 && since.elapsed() >= grace).map(|(id, _)| id.clone()).collect()
    }

    /// Forget a secretary until her next console (she was paused).
    pub fn forget(&self, id: &str) {
        let mut d = self.desks.lock().unwrap_or_else(|p| p.into_inner());
        if d.get(id).is_some_and(|(open, _)| *open == 0) {
            d.remove(id);
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut d = self.presence.desks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = d.get_mut(&self.id) {
            e.0 = e.0.saturating_sub(1);
            e.1 = Instant::now();
        }
    }
}

/// Pause the secretaries whose console has been closed for `grace` while
/// they were available, until `shutdown`.
pub async fn pause_absent(queues: Queues, presence: Arc<Presence>, grace: Duration, mut shutdown: watch::Receiver<bool>) {
    let every = (grace / 4).clamp(Duration::from_secs(1), Duration::from_secs(15));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        let gone = presence.gone(grace);
        if gone.is_empty() {
            continue;
        }
        let Some(snapshot) = queues.snapshot().await else { continue };
        for id in gone {
            let available = snapshot.agents.iter().any(|a| a.id == id && matches!(a.state, AgentState::Available { .. }));
            if available && queues.pause(&id, CONSOLE_CLOSED).await.is_ok() {
                info!(secretary = %id, "console closed: paused");
            }
            if !snapshot.agents.iter().any(|a| a.id == id && matches!(a.state, AgentState::Offered { .. } | AgentState::OnCall { .. })) {
                presence.forget(&id);
            }
        }
    }
}

/// What one console is sent: everything it shows.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleState {
    /// When.
    pub now: DateTime<Utc>,
    /// Herself.
    pub me: Option<Agent>,
    /// The call she is offered or on, if any.
    pub call: Option<String>,
    /// The calls waiting for her practices: urgent first, then by wait.
    pub waiting: Vec<WaitingView>,
    /// The call-backs to place for her practices, oldest first, then the
    /// ones placed in the last day.
    pub callbacks: Vec<Callback>,
    /// The names of her practices.
    pub practices: Vec<(i64, String)>,
}

fn state_of(access: &Access, snapshot: &Snapshot, callbacks: &[Callback], names: &[(i64, String)]) -> ConsoleState {
    let me = access.secretary.as_deref().and_then(|id| snapshot.agents.iter().find(|a| a.id == id)).cloned();
    let call = me.as_ref().and_then(|a| match &a.state {
        AgentState::Offered { call, .. } | AgentState::OnCall { call } => Some(call.clone()),
        _ => None,
    });
    // The list shows numbers masked; the card of her own call shows it whole (audited).
    let mut waiting: Vec<WaitingView> = snapshot
        .waiting
        .iter()
        .filter(|w| access.sees(w.call.practice_id))
        .cloned()
        .map(|mut w| {
            w.call.caller = w.call.caller.as_deref().map(crate::agenda::phone::mask);
            w
        })
        .collect();
    waiting.sort_by(|a, b| b.call.urgent.cmp(&a.call.urgent).then(a.call.since.cmp(&b.call.since)));
    // The call-backs to place (their number is seen before it is dialled),
    // then those placed in the last day, with their outcome.
    let recent = snapshot.now - chrono::Duration::hours(24);
    let mut callbacks: Vec<Callback> = callbacks.iter().filter(|c| access.sees(c.practice_id) && c.placed_at.is_none_or(|at| at >= recent)).cloned().collect();
    callbacks.sort_by_key(|c| (c.placed_at.is_some(), c.requested_at));
    ConsoleState { now: snapshot.now, me, call, waiting, callbacks, practices: names.to_vec() }
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<super::doctor::Nav>,
    csrf: &'a str,
    me: &'a str,
    words: String,
}

/// `GET /console`
pub async fn page(State(web): State<Web>, Secretaries(access): Secretaries) -> Result<Response, ApiError> {
    let me = access.secretary.clone().ok_or_else(|| ApiError(StatusCode::FORBIDDEN, "this account is not a secretary's".into()))?;
    let t = words_of(web.doctor.lang);
    let words = super::words::console_words(web.doctor.lang);
    Ok(render(&ConsolePage { t, who: Some(&access.login), nav: None, csrf: access.csrf(), me: &me, words }))
}

/// `GET /console/events`: the state now, then after every change (and
/// every few seconds, for the call-backs and the waits).
pub async fn events(State(web): State<Web>, Secretaries(access): Secretaries) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let me = access.secretary.clone().ok_or_else(|| ApiError(StatusCode::FORBIDDEN, "this account is not a secretary's".into()))?;
    let ids = access.practices.clone();
    let names = web.store.run(move |db| db.practice_labels(&ids)).await?;
    let changes = web.queues.changes();
    let first = web.queues.snapshot().await.ok_or_else(|| ApiError(StatusCode::SERVICE_UNAVAILABLE, "the queue is not running".into()))?;
    let seat = web.console.sit(&me);
    struct Feed {
        web: Web,
        access: Access,
        names: Vec<(i64, String)>,
        changes: tokio::sync::broadcast::Receiver<Arc<Snapshot>>,
        next: Option<Arc<Snapshot>>,
        last: Arc<Snapshot>,
        _seat: Seat,
    }
    let feed = Feed { web, access, names, changes, next: Some(Arc::new(first.clone())), last: Arc::new(first), _seat: seat };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        let snapshot = match f.next.take() {
            Some(s) => s,
            None => {
                tokio::select! {
                    got = f.changes.recv() => match got {
                        Ok(s) => s,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => f.web.queues.snapshot().await.map(Arc::new).unwrap_or_else(|| f.last.clone()),
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = tokio::time::sleep(REFRESH) => f.web.queues.snapshot().await.map(Arc::new).unwrap_or_else(|| f.last.clone()),
                }
            }
        };
        f.last = snapshot.clone();
        let since = snapshot.now - chrono::Duration::hours(24);
        let callbacks = f.web.store.run(move |db| db.callbacks_since(since)).await.unwrap_or_default();
        let state = state_of(&f.access, &snapshot, &callbacks, &f.names);
        let event = Event::default().event("state").json_data(&state).unwrap_or_else(|_| Event::default().comment("state unavailable"));
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The console sends the whole state at least this often.
const REFRESH: Duration = Duration::from_secs(5);

/// A practice's doctors and types, for the booking form.
#[derive(Debug, Serialize)]
pub struct PracticeView {
    /// The doctors.
    pub doctors: Vec<Doctor>,
    /// Their types.
    pub types: Vec<ConsultationType>,
}

/// `GET /api/console/practices/{id}`
async fn practice(State(web): State<Web>, Secretaries(access): Secretaries, Path(id): Path<i64>) -> Result<Json<PracticeView>, ApiError> {
    access.practice(id, "practice")?;
    let s = web.store.run(move |db| db.snapshot(id)).await?;
    Ok(Json(PracticeView { doctors: s.doctors, types: s.types }))
}

/// A doctor and type of a practice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsBody {
    /// Practice.
    pub practice_id: i64,
    /// Doctor.
    pub doctor_id: i64,
    /// Consultation type.
    pub type_id: i64,
}

/// A free slot.
#[derive(Debug, Serialize)]
pub struct SlotView {
    /// Start.
    pub start: DateTime<Utc>,
    /// `jeudi 03/12 08:50`, in the practice's time.
    pub label: String,
}

async fn doctor_of(web: &Web, access: &Access, practice_id: i64, doctor_id: i64) -> Result<(), ApiError> {
    access.practice(practice_id, "practice")?;
    let p = web.store.run(move |db| db.doctor_practice(doctor_id)).await.map_err(|_| ApiError::not_found("doctor"))?;
    if p != practice_id {
        return Err(ApiError::not_found("doctor"));
    }
    Ok(())
}

/// `POST /api/console/slots`: the next free slots (the phone's own rules).
async fn slots(
    State(web): State<Web>,
    Secretaries(access): Secretaries,
    body: Result<Json<SlotsBody>, JsonRejection>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    let b = body?.0;
    doctor_of(&web, &access, b.practice_id, b.doctor_id).await?;
    let (d, ty, now) = (b.doctor_id, b.type_id, Utc::now());
    let p = b.practice_id;
    let (slots, tz) = web.store.run(move |db| Ok((db.free_slots(d, ty, now, None, 8)?, db.snapshot(p)?.practice.timezone))).await?;
    let t = words_of(web.doctor.lang);
    Ok(Json(
        slots
            .into_iter()
            .map(|s| {
                let l = s.start.with_timezone(&tz);
                SlotView { start: s.start, label: format!("{} {}", t.day(chrono::Datelike::weekday(&l)), l.format("%d/%m %H:%M")) }
            })
            .collect(),
    ))
}

/// A booking for the caller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    /// Practice.
    pub practice_id: i64,
    /// Doctor.
    pub doctor_id: i64,
    /// Type.
    pub type_id: i64,
    /// Start.
    pub start: DateTime<Utc>,
    /// The patient's name.
    #[serde(default)]
    pub name: String,
    /// Their number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Done, with the row made or changed.
#[derive(Debug, Serialize)]
pub struct DoneView {
    /// Its id.
    pub id: i64,
}

fn refused(e: BookError) -> ApiError {
    ApiError(StatusCode::CONFLICT, e.to_string())
}

async fn audited(web: &Web, access: &Access, action: &str, practice: i64, object: String) -> Result<(), ApiError> {
    let entry = access.audit(action, Some(practice), object);
    web.store.run(move |db| db.audit(&entry)).await.map_err(ApiError::from)
}

/// `POST /api/console/book`
async fn book(State(web): State<Web>, Secretaries(access): Secretaries, body: Result<Json<BookBody>, JsonRejection>) -> Result<Json<DoneView>, ApiError> {
    let b = body?.0;
    doctor_of(&web, &access, b.practice_id, b.doctor_id).await?;
    crate::agenda::text::check_label("name", b.name.trim()).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    let phone = match b.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(crate::agenda::phone::normalize(p).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?),
        None => None,
    };
    let req = BookingRequest {
        doctor_id: b.doctor_id,
        type_id: b.type_id,
        start: b.start,
        patient_name: b.name.trim().to_string(),
        phone,
        name_recording: None,
        source: Source::Staff,
        now: Utc::now(),
    };
    let a = web.store.run(move |db| db.book(&req)).await?.map_err(refused)?;
    audited(&web, &access, "appointment.book", b.practice_id, a.id.to_string()).await?;
    Ok(Json(DoneView { id: a.id }))
}

/// A cancel or a move.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// Practice.
    pub practice_id: i64,
    /// The appointment.
    pub appointment_id: i64,
    /// The new start (a move).
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
}

async fn appointment_in(web: &Web, access: &Access, practice_id: i64, id: i64) -> Result<(), ApiError> {
    access.practice(practice_id, "appointment")?;
    let a = web.store.run(move |db| db.appointment(id)).await.map_err(|_| ApiError::not_found("appointment"))?;
    doctor_of(web, access, practice_id, a.doctor_id).await.map_err(|_| ApiError::not_found("appointment"))
}

/// `POST /api/console/cancel`
async fn cancel(State(web): State<Web>, Secretaries(access): Secretaries, body: Result<Json<ChangeBody>, JsonRejection>) -> Result<Json<DoneView>, ApiError> {
    let b = body?.0;
    appointment_in(&web, &access, b.practice_id, b.appointment_id).await?;
    let id = b.appointment_id;
    if !web.store.run(move |db| db.cancel(id, None)).await? {
        return Err(ApiError(StatusCode::CONFLICT, "this appointment is not booked".into()));
    }
    audited(&web, &access, "appointment.cancel", b.practice_id, id.to_string()).await?;
    Ok(Json(DoneView { id }))
}

/// `POST /api/console/move`
async fn move_to(State(web): State<Web>, Secretaries(access): Secretaries, body: Result<Json<ChangeBody>, JsonRejection>) -> Result<Json<DoneView>, ApiError> {
    let b = body?.0;
    appointment_in(&web, &access, b.practice_id, b.appointment_id).await?;
    let start = b.start.ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "start: the new time".into()))?;
    let id = b.appointment_id;
    web.store.run(move |db| db.move_appointment(id, None, start, Utc::now())).await?.map_err(refused)?;
    audited(&web, &access, "appointment.move", b.practice_id, id.to_string()).await?;
    Ok(Json(DoneView { id }))
}

/// A message typed for the doctor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// Practice.
    pub practice_id: i64,
    /// The caller's number.
    #[serde(default)]
    pub caller: Option<String>,
    /// What to tell the doctor.
    pub text: String,
    /// Urgent.
    #[serde(default)]
    pub urgent: bool,
}

/// `POST /api/console/message`: joins the doctor's messages, mailed like the others.
async fn message(State(web): State<Web>, Secretaries(access): Secretaries, body: Result<Json<MessageBody>, JsonRejection>) -> Result<Json<DoneView>, ApiError> {
    let b = body?.0;
    access.practice(b.practice_id, "practice")?;
    let caller = match b.caller.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(crate::agenda::phone::normalize(c).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?),
        None => None,
    };
    let text = format!("{} (secrétaire {})", b.text.trim(), access.login);
    let (p, urgent) = (b.practice_id, b.urgent);
    let id = web.store.run(move |db| db.save_typed_message(p, caller.as_deref(), Utc::now(), &text, urgent)).await?;
    audited(&web, &access, "message.typed", p, id.to_string()).await?;
    Ok(Json(DoneView { id }))
}

/// Closing a call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// The call.
    pub uuid: String,
    /// Its practice.
    pub practice_id: i64,
    /// booked, cancelled, message, information, put_through, other.
    pub outcome: String,
}

/// `POST /api/console/close`: the call's outcome, counted as handled by a human.
async fn close(State(web): State<Web>, Secretaries(access): Secretaries, body: Result<Json<CloseBody>, JsonRejection>) -> Result<Json<DoneView>, ApiError> {
    let b = body?.0;
    access.practice(b.practice_id, "practice")?;
    let me = access.secretary.clone().unwrap_or_else(|| access.login.clone());
    let (uuid, p, outcome) = (b.uuid.clone(), b.practice_id, b.outcome.clone());
    web.store.run(move |db| db.close_handled_call(&uuid, p, &me, &outcome, Utc::now())).await?;
    audited(&web, &access, "call.close", p, format!("{} {}", b.uuid, b.outcome)).await?;
    Ok(Json(DoneView { id: 0 }))
}

/// The console's routes.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/console", get(page))
        .route("/console/events", get(events))
        .route("/api/console/practices/{id}", get(practice))
        .route("/api/console/slots", post(slots))
        .route("/api/console/book", post(book))
        .route("/api/console/cancel", post(cancel))
        .route("/api/console/move", post(move_to))
        .route("/api/console/message", post(message))
        .route("/api/console/close", post(close))
}
