//! The agenda: a week per doctor — working hours, absences and holidays,
//! every appointment (the patient's name or the recording of it, number,
//! type, phone or staff) — and booking, moving, cancelling, absences. A
//! booking here goes through the same store transaction as the phone's, so
//! the same slot can never be given twice.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Frame, Nav, refusal};
use crate::agenda::{self, Source, text};
use crate::store::{BookError, BookingRequest, PracticeSnapshot, StoreError, Subscription};
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};

/// `?p=&doctor=&week=&ok=`
#[derive(Debug, Default, Deserialize)]
pub struct AgendaQuery {
    /// The practice.
    #[serde(default)]
    pub p: Option<i64>,
    /// The doctor (the practice's first by default).
    #[serde(default)]
    pub doctor: Option<i64>,
    /// A day of the week shown (`YYYY-MM-DD`; this week by default).
    #[serde(default)]
    pub week: Option<String>,
    /// What was just done.
    #[serde(default)]
    pub ok: Option<String>,
    /// A feed link just made (shown once).
    #[serde(default)]
    pub feed: Option<String>,
}

/// An appointment in a day.
pub struct ApptLine {
    /// Its id.
    pub id: i64,
    /// `09:00–09:20`.
    pub time: String,
    /// Start time `HH:MM` (the move form's default).
    pub start: String,
    /// Its local day `YYYY-MM-DD`.
    pub date: String,
    /// The patient's name (or the transcript of the recorded one).
    pub patient: String,
    /// The caller recorded their name.
    pub recorded: bool,
    /// The number.
    pub phone: String,
    /// The type.
    pub kind: String,
    /// Booked on the phone.
    pub by_phone: bool,
    /// Cancelled.
    pub cancelled: bool,
}

/// An absence overlapping a day.
pub struct AbsenceLine {
    /// Its id.
    pub id: i64,
    /// `12/12 08:00 – 14/12 18:00`.
    pub span: String,
    /// Why.
    pub reason: String,
}

/// One day of the week.
pub struct Day {
    /// `lundi 7/12`.
    pub title: String,
    /// The working hours, in words.
    pub hours: String,
    /// A holiday's message.
    pub holiday: Option<String>,
    /// Absences.
    pub absences: Vec<AbsenceLine>,
    /// Appointments.
    pub appointments: Vec<ApptLine>,
}

/// A doctor of the selector.
pub struct DoctorChoice {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Shown.
    pub selected: bool,
}

/// A type of the booking form.
pub struct TypeChoice {
    /// Id.
    pub id: i64,
    /// `consultation (20 min)`.
    pub label: String,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    p: i64,
    doctor: i64,
    doctors: Vec<DoctorChoice>,
    week: String,
    prev: String,
    next: String,
    days: Vec<Day>,
    types: Vec<TypeChoice>,
    free: Vec<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    feed_since: Option<String>,
    feed_url: Option<String>,
    subscriptions: Vec<Subscription>,
}

/// The local instant of a day and time typed in a form; `None` for a time
/// that does not exist (the spring change).
pub fn local_instant(tz: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The doctor asked for, if the practice has them; else its first.
fn doctor_of(s: &PracticeSnapshot, asked: Option<i64>) -> Result<i64, ApiError> {
    match asked {
        Some(id) => s.doctors.iter().find(|d| d.id == id).map(|d| d.id).ok_or_else(|| ApiError::not_found("doctor")),
        None => s.doctors.first().map(|d| d.id).ok_or_else(|| ApiError::not_found("doctor in this practice")),
    }
}

fn notice_of(t: &'static Words, ok: Option<&str>) -> Option<&'static str> {
    Some(match ok? {
        "booked" => t.booked_ok,
        "moved" => t.moved_ok,
        "cancelled" => t.cancelled_ok,
        "absence" => t.absence_added,
        "absence_removed" => t.absence_removed,
        "saved" => t.saved,
        _ => return None,
    })
}

/// Draw the week (with a refusal to show, if any).
pub(super) async fn page(web: &Web, frame: Frame, q: AgendaQuery, error: Option<(StatusCode, String)>) -> Result<Response, ApiError> {
    let p = frame.practice_id;
    let tz = frame.tz;
    let snapshot = &frame.snapshot;
    let doctor = doctor_of(snapshot, q.doctor)?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let monday = monday_of(q.week.as_deref().and_then(|w| w.parse().ok()).unwrap_or(today));
    let from = local_instant(tz, monday, NaiveTime::MIN).unwrap_or_else(Utc::now);
    let to = local_instant(tz, monday + Duration::days(7), NaiveTime::MIN).unwrap_or_else(Utc::now);
    let first_type = snapshot.types.iter().find(|ty| ty.doctor_id == doctor).map(|ty| ty.id);
    let now = Utc::now();
    let (appointments, absences, free, feed_since, subscriptions) = web
        .store
        .run(move |db| {
            let appts: Vec<_> = db.appointments(p, from, to)?.into_iter().filter(|a| a.doctor_id == doctor).collect();
            let free = match first_type {
                Some(ty) => db.free_slots(doctor, ty, now, None, 6)?,
                None => Vec::new(),
            };
            Ok((appts, db.absences(doctor)?, free, db.feed_since(doctor)?, db.subscriptions(Some(doctor))?))
        })
        .await?;
    frame.audit(web, "agenda.read", format!("doctor {doctor} week {monday}")).await?;
    let t = frame.t;
    let d = snapshot.doctors.iter().find(|d| d.id == doctor).ok_or_else(|| ApiError::not_found("doctor"))?;
    let type_name = |id: i64| snapshot.types.iter().find(|ty| ty.id == id).map(|ty| ty.name.clone()).unwrap_or_default();
    let mut days = Vec::new();
    for i in 0..7 {
        let day = monday + Duration::days(i);
        let mut ranges: Vec<_> = d.working_hours.iter().filter(|r| r.day == day.weekday()).collect();
        ranges.sort_by_key(|r| r.start);
        let hours = if ranges.is_empty() {
            t.not_working.to_string()
        } else {
            ranges.iter().map(|r| format!("{}–{}", r.start.format("%H:%M"), r.end.format("%H:%M"))).collect::<Vec<_>>().join(", ")
        };
        let holiday = snapshot.holidays.iter().find(|h| h.start <= day && day <= h.end).map(|h| h.message.clone());
        let (start, end) = (day.and_time(NaiveTime::MIN), (day + Duration::days(1)).and_time(NaiveTime::MIN));
        let absences = absences
            .iter()
            .filter(|a| a.start < end && a.end > start)
            .map(|a| AbsenceLine { id: a.id, span: format!("{} – {}", a.start.format("%d/%m %H:%M"), a.end.format("%d/%m %H:%M")), reason: a.reason.clone() })
            .collect();
        let appointments: Vec<ApptLine> = appointments
            .iter()
            .filter(|a| a.start.with_timezone(&tz).date_naive() == day)
            .map(|a| {
                let (s, e) = (a.start.with_timezone(&tz), a.end.with_timezone(&tz));
                ApptLine {
                    id: a.id,
                    time: format!("{}–{}", s.format("%H:%M"), e.format("%H:%M")),
                    start: s.format("%H:%M").to_string(),
                    date: s.format("%Y-%m-%d").to_string(),
                    patient: a.patient_name.clone(),
                    recorded: a.name_recording.is_some(),
                    phone: a.phone.clone().unwrap_or_default(),
                    kind: type_name(a.type_id),
                    by_phone: a.source == Source::Phone,
                    cancelled: a.status == "cancelled",
                }
            })
            .collect();
        if ranges.is_empty() && appointments.is_empty() && i >= 5 {
            continue;
        }
        days.push(Day { title: format!("{} {}", t.day(day.weekday()), day.format("%d/%m")), hours, holiday, absences, appointments });
    }
    let doctors = snapshot.doctors.iter().map(|x| DoctorChoice { id: x.id, name: x.name.clone(), selected: x.id == doctor }).collect();
    let types = snapshot
        .types
        .iter()
        .filter(|ty| ty.doctor_id == doctor)
        .map(|ty| TypeChoice { id: ty.id, label: format!("{} ({} min)", ty.name, ty.duration_minutes) })
        .collect();
    let free = free
        .iter()
        .map(|s| {
            let l = s.start.with_timezone(&tz);
            format!("{} {}", t.day(l.weekday()), l.format("%d/%m %H:%M"))
        })
        .collect();
    let (status, error) = super::status_of(error);
    let page = AgendaPage {
        t,
        who: Some(&frame.access.login),
        nav: Some(frame.nav.clone()),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        p,
        doctor,
        doctors,
        week: monday.to_string(),
        prev: (monday - Duration::days(7)).to_string(),
        next: (monday + Duration::days(7)).to_string(),
        days,
        types,
        free,
        notice: notice_of(t, q.ok.as_deref()),
        error,
        feed_since: feed_since.map(|s| s.with_timezone(&tz).format("%d/%m/%Y").to_string()),
        feed_url: q.feed.filter(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit())).map(|f| format!("/calendar/{f}.ics")),
        subscriptions,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /agenda?p=&doctor=&week=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<AgendaQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/agenda").await?;
    page(&web, frame, q, None).await
}

/// A booking typed by staff.
#[derive(Debug, Deserialize)]
pub struct BookForm {
    /// The practice.
    pub p: i64,
    /// The doctor.
    pub doctor: i64,
    /// The consultation type.
    #[serde(rename = "type")]
    pub type_id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    /// The patient's name.
    #[serde(default)]
    pub name: String,
    /// The patient's phone.
    #[serde(default)]
    pub phone: String,
}

/// A move or a cancellation.
#[derive(Debug, Deserialize)]
pub struct ApptForm {
    /// The practice.
    pub p: i64,
    /// The doctor.
    pub doctor: i64,
    /// The appointment.
    pub id: i64,
    /// New day (a move).
    #[serde(default)]
    pub date: String,
    /// New time (a move).
    #[serde(default)]
    pub time: String,
}

/// An absence to add or remove.
#[derive(Debug, Deserialize)]
pub struct AbsenceForm {
    /// The practice.
    pub p: i64,
    /// The doctor.
    pub doctor: i64,
    /// Its id (to remove).
    #[serde(default)]
    pub id: Option<i64>,
    /// `YYYY-MM-DDTHH:MM` (to add).
    #[serde(default)]
    pub start: String,
    /// `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub end: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// The frame of a change to a doctor of practice `p`, and the doctor checked to be of it.
async fn change_frame(web: &Web, access: Access, p: i64, doctor: i64) -> Result<Frame, ApiError> {
    let frame = Frame::new(web, access, Some(p), "/agenda").await?;
    let d = web.store.run(move |db| db.doctor_practice(doctor)).await.map_err(|_| ApiError::not_found("doctor"))?;
    if d != p {
        return Err(ApiError::not_found("doctor"));
    }
    Ok(frame)
}

fn query_for(p: i64, doctor: i64, week: Option<String>) -> AgendaQuery {
    AgendaQuery { p: Some(p), doctor: Some(doctor), week, ok: None, feed: None }
}

fn parse_when(tz: Tz, date: &str, time: &str) -> Result<DateTime<Utc>, String> {
    let day: NaiveDate = date.trim().parse().map_err(|_| format!("« {date} »: date illisible (AAAA-MM-JJ)"))?;
    let time = agenda::parse_time(time).ok_or_else(|| format!("« {time} »: heure illisible (HH:MM)"))?;
    local_instant(tz, day, time).ok_or_else(|| "cette heure n'existe pas ce jour-là (changement d'heure)".to_string())
}

/// Go back to the week of a change, saying what was done.
fn back(frame: &Frame, doctor: i64, ok: &str, week: &str) -> Response {
    frame.done("/agenda", ok, &format!("&doctor={doctor}&week={week}"))
}

/// `POST /agenda/book`
pub async fn book(State(web): State<Web>, access: Access, Form(f): Form<BookForm>) -> Result<Response, ApiError> {
    let frame = change_frame(&web, access, f.p, f.doctor).await?;
    let t = frame.t;
    let q = query_for(f.p, f.doctor, Some(f.date.clone()));
    let start = match parse_when(frame.tz, &f.date, &f.time) {
        Ok(s) => s,
        Err(e) => return page(&web, frame, q, Some((StatusCode::BAD_REQUEST, e))).await,
    };
    let name = f.name.trim().to_string();
    if let Err(e) = text::check_label("name", &name) {
        return page(&web, frame, q, Some((StatusCode::BAD_REQUEST, e.to_string()))).await;
    }
    let phone = match f.phone.trim() {
        "" => None,
        raw => match agenda::phone::normalize(raw) {
            Ok(n) => Some(n),
            Err(e) => return page(&web, frame, q, Some((StatusCode::BAD_REQUEST, e.to_string()))).await,
        },
    };
    let req = BookingRequest {
        doctor_id: f.doctor,
        type_id: f.type_id,
        start,
        patient_name: name,
        phone,
        name_recording: None,
        source: Source::Staff,
        now: Utc::now(),
    };
    // The type must be this doctor's: the store refuses another's.
    match web.store.run(move |db| db.book(&req)).await {
        Ok(Ok(a)) => {
            frame.audit(&web, "appointment.book", a.id.to_string()).await?;
            Ok(back(&frame, f.doctor, "booked", &f.date))
        }
        Ok(Err(BookError::SlotTaken)) => page(&web, frame, q, Some((StatusCode::CONFLICT, t.slot_taken.to_string()))).await,
        Ok(Err(e)) => page(&web, frame, q, Some((StatusCode::CONFLICT, e.to_string()))).await,
        Err(e) => match refusal(&e) {
            Some(r) => page(&web, frame, q, Some(r)).await,
            None => Err(e.into()),
        },
    }
}

/// The appointment `id`, checked to be of `doctor` (else 404).
async fn appointment_of(web: &Web, id: i64, doctor: i64) -> Result<agenda::Appointment, ApiError> {
    let a = web.store.run(move |db| db.appointment(id)).await?;
    if a.doctor_id != doctor {
        return Err(ApiError::not_found("appointment"));
    }
    Ok(a)
}

/// `POST /agenda/move`
pub async fn move_to(State(web): State<Web>, access: Access, Form(f): Form<ApptForm>) -> Result<Response, ApiError> {
    let frame = change_frame(&web, access, f.p, f.doctor).await?;
    appointment_of(&web, f.id, f.doctor).await?;
    let t = frame.t;
    let q = query_for(f.p, f.doctor, Some(f.date.clone()));
    let start = match parse_when(frame.tz, &f.date, &f.time) {
        Ok(s) => s,
        Err(e) => return page(&web, frame, q, Some((StatusCode::BAD_REQUEST, e))).await,
    };
    let id = f.id;
    match web.store.run(move |db| db.move_appointment(id, None, start, Utc::now())).await {
        Ok(Ok(_)) => {
            frame.audit(&web, "appointment.move", id.to_string()).await?;
            Ok(back(&frame, f.doctor, "moved", &f.date))
        }
        Ok(Err(BookError::SlotTaken)) => page(&web, frame, q, Some((StatusCode::CONFLICT, t.slot_taken.to_string()))).await,
        Ok(Err(e)) => page(&web, frame, q, Some((StatusCode::CONFLICT, e.to_string()))).await,
        Err(e) => match refusal(&e) {
            Some(r) => page(&web, frame, q, Some(r)).await,
            None => Err(e.into()),
        },
    }
}

/// `POST /agenda/cancel`
pub async fn cancel(State(web): State<Web>, access: Access, Form(f): Form<ApptForm>) -> Result<Response, ApiError> {
    let frame = change_frame(&web, access, f.p, f.doctor).await?;
    let a = appointment_of(&web, f.id, f.doctor).await?;
    let id = f.id;
    web.store.run(move |db| db.cancel(id, None)).await?;
    frame.audit(&web, "appointment.cancel", id.to_string()).await?;
    Ok(back(&frame, f.doctor, "cancelled", &a.start.with_timezone(&frame.tz).format("%Y-%m-%d").to_string()))
}

/// `POST /agenda/absence`
pub async fn add_absence(State(web): State<Web>, access: Access, Form(f): Form<AbsenceForm>) -> Result<Response, ApiError> {
    let frame = change_frame(&web, access, f.p, f.doctor).await?;
    let parse = |s: &str| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").map_err(|_| format!("« {s} »: date et heure illisibles"));
    let week = f.start.get(..10).map(str::to_string);
    let q = query_for(f.p, f.doctor, week.clone());
    let (start, end) = match (parse(&f.start), parse(&f.end)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return page(&web, frame, q, Some((StatusCode::BAD_REQUEST, e))).await,
    };
    let (doctor, reason) = (f.doctor, f.reason.trim().to_string());
    match web.store.run(move |db| db.add_absence(doctor, start, end, &reason)).await {
        Ok(id) => {
            frame.audit(&web, "absence.add", id.to_string()).await?;
            Ok(back(&frame, f.doctor, "absence", week.as_deref().unwrap_or("")))
        }
        Err(e) => match refusal(&e) {
            Some(r) => page(&web, frame, q, Some(r)).await,
            None => Err(e.into()),
        },
    }
}

/// `POST /agenda/absence/remove`
pub async fn remove_absence(State(web): State<Web>, access: Access, Form(f): Form<AbsenceForm>) -> Result<Response, ApiError> {
    let frame = change_frame(&web, access, f.p, f.doctor).await?;
    let id = f.id.ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "which absence?".into()))?;
    let doctor = f.doctor;
    web.store.run(move |db| db.remove_absence(doctor, id)).await?;
    frame.audit(&web, "absence.remove", id.to_string()).await?;
    Ok(back(&frame, f.doctor, "absence_removed", &f.start))
}

/// `GET /agenda/name/{id}?p=`: the patient's name as recorded on the phone.
pub async fn name_audio(State(web): State<Web>, access: Access, Path(id): Path<i64>, Query(q): Query<super::PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/agenda").await?;
    let a = web.store.run(move |db| db.appointment(id)).await.map_err(|e| match e {
        StoreError::NotFound(_) => ApiError::not_found("appointment"),
        e => e.into(),
    })?;
    let doctor = a.doctor_id;
    if web.store.run(move |db| db.doctor_practice(doctor)).await? != frame.practice_id {
        return Err(ApiError::not_found("appointment"));
    }
    let file = a.name_recording.ok_or_else(|| ApiError::not_found("recording"))?;
    frame.audit(&web, "appointment.name.listen", id.to_string()).await?;
    super::wav_file(file.into()).await
}
