//! Today: what the receptionist did since this time yesterday (the
//! figures, every call with its outcome, the messages — urgent first), and
//! the next appointments.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, Utc};

use super::{Frame, Nav, PageQuery};
use crate::store::{CallRecord, DayFigures, MessageRow};
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};

/// A call, as the page shows it.
pub struct CallLine {
    /// Local time.
    pub time: String,
    /// The number (or "withheld").
    pub caller: String,
    /// The outcome, in words.
    pub outcome: String,
    /// Urgent.
    pub urgent: bool,
    /// The detail.
    pub detail: String,
}

/// An appointment, as the list shows it.
pub struct NextLine {
    /// Local day and time.
    pub when: String,
    /// The doctor.
    pub doctor: String,
    /// The patient.
    pub patient: String,
    /// The type.
    pub kind: String,
}

/// A message, in the list.
pub struct MessageLine {
    /// Local time.
    pub time: String,
    /// The number.
    pub caller: String,
    /// Urgent.
    pub urgent: bool,
    /// Handled.
    pub handled: bool,
    /// Its transcript's start.
    pub text: String,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    p: i64,
    figures: DayFigures,
    outcomes: Vec<(String, i64)>,
    by_secretaries: Vec<(String, i64)>,
    calls: Vec<CallLine>,
    messages: Vec<MessageLine>,
    next: Vec<NextLine>,
    unsent: usize,
}

/// `GET /today?p=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/today").await?;
    let (p, now) = (frame.practice_id, Utc::now());
    let since = now - Duration::hours(24);
    let (figures, calls, messages, next, unsent) = web
        .store
        .run(move |db| {
            let upcoming: Vec<_> = db.appointments(p, now, now + Duration::days(31))?.into_iter().filter(|a| a.status == "booked").take(15).collect();
            Ok((db.figures(p, since, now)?, db.calls_since(p, since)?, db.messages(p)?, upcoming, db.unsent_notices(Some(p))?.len()))
        })
        .await?;
    frame.audit(&web, "today.read", "").await?;
    let t = frame.t;
    let local = |d: chrono::DateTime<Utc>| d.with_timezone(&frame.tz);
    let calls = calls
        .into_iter()
        .map(|c: CallRecord| CallLine {
            time: local(c.started_at).format("%d/%m %H:%M").to_string(),
            caller: c.caller.unwrap_or_else(|| t.withheld.to_string()),
            urgent: c.outcome == "urgent",
            outcome: t.outcome(&c.outcome).to_string(),
            detail: c.detail,
        })
        .collect();
    let messages = messages
        .into_iter()
        .filter(|m: &MessageRow| m.received_at >= since || !m.read)
        .map(|m| MessageLine {
            time: local(m.received_at).format("%d/%m %H:%M").to_string(),
            caller: m.caller.unwrap_or_else(|| t.withheld.to_string()),
            urgent: m.urgent,
            handled: m.read,
            text: m.transcript.map(|s| s.chars().take(140).collect()).unwrap_or_default(),
        })
        .collect();
    let snapshot = &frame.snapshot;
    let name_of = |id: i64| snapshot.doctors.iter().find(|d| d.id == id).map(|d| d.name.clone()).unwrap_or_default();
    let type_of = |id: i64| snapshot.types.iter().find(|ty| ty.id == id).map(|ty| ty.name.clone()).unwrap_or_default();
    let next = next
        .into_iter()
        .map(|a| {
            let when = local(a.start);
            NextLine {
                when: format!("{} {}", t.day(chrono::Datelike::weekday(&when)), when.format("%d/%m %H:%M")),
                doctor: name_of(a.doctor_id),
                patient: if a.patient_name.is_empty() { a.phone.unwrap_or_default() } else { a.patient_name },
                kind: type_of(a.type_id),
            }
        })
        .collect();
    let outcomes = figures.calls.iter().map(|(o, n)| (t.outcome(o).to_string(), *n)).collect();
    let by_secretaries = figures.by_secretaries.iter().map(|(o, n)| (t.outcome(o).to_string(), *n)).collect();
    let page = TodayPage {
        t,
        who: Some(&frame.access.login),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        p,
        figures,
        outcomes,
        by_secretaries,
        calls,
        messages,
        next,
        unsent,
        nav: Some(frame.nav.clone()),
    };
    Ok(render(&page))
}
