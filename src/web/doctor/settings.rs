//! Settings: the practice's hours and address, each doctor's working hours,
//! booking rules, consultation types and instructions, the duty mode, the
//! holidays with their message, the allowed and blocked callers, the
//! secretaries' instructions, the numbers (DIDs) and who is mailed. Each
//! section is one form; the store checks every value as the command line's
//! do, and the next call reads the practice afresh.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Frame, Nav, PageQuery, checked, refusal};
use crate::agenda::{CallerKind, CallerRule, ConsultationType, DutyMode, HolidayPeriod, WeeklyRange};
use crate::store::{PracticeField, PracticeHours, Role, StoreError};
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};

/// A doctor's settings, as the page shows them.
pub struct DoctorSettings {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Working hours, a range a line.
    pub hours: String,
    /// Minimum notice (minutes).
    pub notice: i64,
    /// Horizon (days).
    pub horizon: i64,
    /// Instructions.
    pub instructions: String,
    /// Consultation types.
    pub types: Vec<ConsultationType>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    p: i64,
    notice: Option<&'static str>,
    error: Option<String>,
    opening: String,
    walk_in: String,
    address: String,
    max_future: i64,
    doctors: Vec<DoctorSettings>,
    duty: &'static str,
    duty_on: bool,
    secretary_hours: String,
    holidays: Vec<HolidayPeriod>,
    callers: Vec<CallerRule>,
    instructions: String,
    dids: Vec<String>,
    admin: bool,
    emails: String,
    summary_hour: String,
}

fn lines(ranges: &[WeeklyRange]) -> String {
    ranges.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("\n")
}

async fn page(web: &Web, frame: Frame, ok: Option<&str>, error: Option<(StatusCode, String)>) -> Result<Response, ApiError> {
    let p = frame.practice_id;
    let snapshot = &frame.snapshot;
    let ids: Vec<i64> = snapshot.doctors.iter().map(|d| d.id).collect();
    let (callers, mail, doctor_instructions) = web
        .store
        .run(move |db| {
            let di = ids.iter().map(|id| db.doctor_instructions(*id)).collect::<Result<Vec<_>, _>>()?;
            Ok((db.caller_rules(p)?, db.practice_mail(p)?, di))
        })
        .await?;
    frame.audit(web, "settings.read", "").await?;
    let pr = &snapshot.practice;
    let doctors = snapshot
        .doctors
        .iter()
        .zip(doctor_instructions)
        .map(|(d, instructions)| DoctorSettings {
            id: d.id,
            name: d.name.clone(),
            hours: lines(&d.working_hours),
            notice: d.min_notice_minutes,
            horizon: d.horizon_days,
            instructions,
            types: snapshot.types.iter().filter(|ty| ty.doctor_id == d.id).cloned().collect(),
        })
        .collect();
    let (duty, duty_on, secretary_hours) = match &pr.duty {
        DutyMode::AlwaysOn => ("always", true, String::new()),
        DutyMode::OutsideSecretaryHours { secretary_hours } => ("outside", true, lines(secretary_hours)),
        DutyMode::OnDemand { on } => ("on_demand", *on, String::new()),
    };
    let t = frame.t;
    let (status, error) = super::status_of(error);
    let page = SettingsPage {
        t,
        who: Some(&frame.access.login),
        nav: Some(frame.nav.clone()),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        p,
        notice: ok.filter(|o| *o == "saved").map(|_| t.saved),
        error,
        opening: lines(&pr.opening_hours),
        walk_in: lines(&pr.walk_in_hours),
        address: pr.address.clone(),
        max_future: pr.max_future_per_phone,
        doctors,
        duty,
        duty_on,
        secretary_hours,
        holidays: snapshot.holidays.clone(),
        callers,
        instructions: pr.instructions.clone(),
        dids: pr.dids.clone(),
        admin: frame.access.role == Role::Admin,
        emails: mail.emails.join(", "),
        summary_hour: mail.summary_hour.map(|h| h.to_string()).unwrap_or_default(),
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /settings?p=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/settings").await?;
    page(&web, frame, q.ok.as_deref(), None).await
}

/// Every field of every section's form (each section sends its own).
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    /// The practice.
    pub p: i64,
    /// A doctor (doctor, type sections).
    #[serde(default)]
    pub doctor: Option<i64>,
    /// Opening hours, a range a line.
    #[serde(default)]
    pub opening: Option<String>,
    /// Walk-in hours.
    #[serde(default)]
    pub walk_in: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// The practice's name (unchanged when absent).
    #[serde(default)]
    pub practice_name: Option<String>,
    /// A doctor's working hours.
    #[serde(default)]
    pub hours: Option<String>,
    /// Minimum notice.
    #[serde(default)]
    pub notice: Option<i64>,
    /// Horizon.
    #[serde(default)]
    pub horizon: Option<i64>,
    /// Instructions (practice or doctor).
    #[serde(default)]
    pub instructions: Option<String>,
    /// A type's name.
    #[serde(default)]
    pub name: Option<String>,
    /// A type's length.
    #[serde(default)]
    pub duration: Option<i64>,
    /// Bookable by phone (checkbox).
    #[serde(default)]
    pub phone_bookable: Option<String>,
    /// Open to new patients (checkbox).
    #[serde(default)]
    pub new_patients: Option<String>,
    /// Upcoming appointments per number.
    #[serde(default)]
    pub max_future: Option<String>,
    /// Duty mode: always, outside, on_demand.
    #[serde(default)]
    pub duty: Option<String>,
    /// On-demand switch (checkbox).
    #[serde(default)]
    pub on: Option<String>,
    /// The practice secretary's hours.
    #[serde(default)]
    pub secretary_hours: Option<String>,
    /// A holiday's first day, a row's id.
    #[serde(default)]
    pub start: Option<String>,
    /// A holiday's last day.
    #[serde(default)]
    pub end: Option<String>,
    /// A holiday's message.
    #[serde(default)]
    pub message: Option<String>,
    /// A row to remove.
    #[serde(default)]
    pub id: Option<i64>,
    /// A caller's number, a DID.
    #[serde(default)]
    pub phone: Option<String>,
    /// allowed or blocked.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who a caller is.
    #[serde(default)]
    pub label: Option<String>,
    /// Mail addresses.
    #[serde(default)]
    pub emails: Option<String>,
    /// Hour of the summary.
    #[serde(default)]
    pub summary_hour: Option<String>,
}

/// A timetable typed a range a line (or separated by commas).
fn timetable(text: &str) -> Result<Vec<WeeklyRange>, StoreError> {
    text.split(['\n', ',']).map(str::trim).filter(|l| !l.is_empty()).map(|l| WeeklyRange::parse(l).map_err(StoreError::from)).collect()
}

fn bad(what: &str) -> StoreError {
    StoreError::Rule(crate::agenda::RuleError::new(what, "valeur manquante"))
}

/// `POST /settings/{section}`
pub async fn save(State(web): State<Web>, access: Access, Path(section): Path<String>, Form(f): Form<SettingsForm>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, Some(f.p), "/settings").await?;
    let p = f.p;
    if let Some(d) = f.doctor
        && web.store.run(move |db| db.doctor_practice(d)).await.map_err(|_| ApiError::not_found("doctor"))? != p
    {
        return Err(ApiError::not_found("doctor"));
    }
    if section == "did_add" && frame.access.role != Role::Admin {
        return Err(ApiError::forbidden());
    }
    let sec = section.clone();
    let done = web
        .store
        .run(move |db| {
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let doctor = || f.doctor.ok_or_else(|| bad("doctor"));
            match sec.as_str() {
                "hours" => {
                    if let Some(name) = f.practice_name.as_deref() {
                        db.set_practice_field(p, PracticeField::Name, Some(name.trim()))?;
                    }
                    db.set_practice_hours(p, PracticeHours::Opening, &timetable(&text(&f.opening))?)?;
                    db.set_practice_hours(p, PracticeHours::WalkIn, &timetable(&text(&f.walk_in))?)?;
                    db.set_practice_field(p, PracticeField::Address, Some(text(&f.address).trim()))?;
                }
                "doctor" => {
                    let d = doctor()?;
                    db.set_working_hours(d, &timetable(&text(&f.hours))?)?;
                    db.set_booking_rules(d, f.notice, f.horizon, None)?;
                    db.set_doctor_instructions(d, text(&f.instructions).trim())?;
                }
                "type" => {
                    let d = doctor()?;
                    let name = text(&f.name);
                    let duration = f.duration.ok_or_else(|| bad("duration"))?;
                    let (phone, new) = (checked(&f.phone_bookable), checked(&f.new_patients));
                    match db.update_type(d, &name, duration, phone, new) {
                        Err(StoreError::NotFound(_)) => {
                            db.add_type(d, &name, duration, phone, new)?;
                        }
                        other => {
                            other?;
                        }
                    }
                }
                "rules" => db.set_practice_field(p, PracticeField::MaxFuturePerPhone, Some(text(&f.max_future).trim()))?,
                "duty" => {
                    let mode = match f.duty.as_deref() {
                        Some("outside") => DutyMode::OutsideSecretaryHours { secretary_hours: timetable(&text(&f.secretary_hours))? },
                        Some("on_demand") => DutyMode::OnDemand { on: checked(&f.on) },
                        _ => DutyMode::AlwaysOn,
                    };
                    db.set_duty(p, &mode)?;
                }
                "holiday_add" => {
                    let day = |v: &Option<String>, what: &str| {
                        text(v)
                            .trim()
                            .parse::<chrono::NaiveDate>()
                            .map_err(|_| StoreError::Rule(crate::agenda::RuleError::new(what, "date illisible (AAAA-MM-JJ)")))
                    };
                    db.add_holiday(p, day(&f.start, "start")?, day(&f.end, "end")?, text(&f.message).trim())?;
                }
                "holiday_remove" => db.remove_holiday(p, f.id.ok_or_else(|| bad("id"))?)?,
                "caller_add" => {
                    let kind = if f.kind.as_deref() == Some("blocked") { CallerKind::Blocked } else { CallerKind::Allowed };
                    db.set_caller_rule(p, f.doctor, &text(&f.phone), kind, text(&f.label).trim())?;
                }
                "caller_remove" => db.remove_caller_rule(p, &text(&f.phone))?,
                "instructions" => db.set_practice_field(p, PracticeField::Instructions, Some(text(&f.instructions).trim()))?,
                "mail" => {
                    db.set_practice_field(p, PracticeField::Email, Some(&text(&f.emails)))?;
                    db.set_practice_field(p, PracticeField::SummaryHour, Some(&text(&f.summary_hour)))?;
                }
                "did_add" => db.add_did(p, &text(&f.phone))?,
                _ => return Err(StoreError::NotFound(format!("section {sec}"))),
            }
            Ok(())
        })
        .await;
    match done {
        Ok(()) => {
            frame.audit(&web, "settings.change", section).await?;
            Ok(frame.done("/settings", "saved", ""))
        }
        Err(e) => match refusal(&e) {
            Some(r) => page(&web, frame, None, Some(r)).await,
            None => Err(e.into()),
        },
    }
}
