//! The administration commands, carried out against the database: practices,
//! doctors, caller rules, secretaries, listings, export and import.

use std::io::Write;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};

use super::args::*;
use super::{Failure, data, failed};
use crate::agenda::{CallerKind, DutyMode, RuleError, WeeklyRange, weekday_fr};
use crate::config::Config;
use crate::store::export::PracticeExport;
use crate::store::{Db, PracticeField, PracticeHours, StoreError};

fn parse_ranges(field: &str, ranges: &[String]) -> Result<Vec<WeeklyRange>, Failure> {
    ranges.iter().map(|r| WeeklyRange::parse(r).map_err(|e| data(format!("{field}: {}", e.message)))).collect()
}

fn parse_local(field: &str, text: &str) -> Result<NaiveDateTime, Failure> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| data(format!("{field}: « {text} » n'est pas une date-heure (attendu: 2026-12-24T08:00)")))
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| data(format!("{field}: « {text} » n'est pas une date (attendu: 2026-12-24)")))
}

/// Run an administration command against the configured database.
pub fn run_admin(config: &Config, command: Command, out: &mut dyn Write) -> Result<(), Failure> {
    let store = crate::service::open_store(config).map_err(failed)?;
    if let Command::Backup { file } = &command {
        store.backup(file)?;
        return writeln!(out, "{}: copie complète, intègre (PRAGMA integrity_check: ok)", file.display()).map_err(failed);
    }
    if let Command::Stats { practice: name, days, json } = &command {
        let price = config.stats.price_per_call;
        let s = store.run_sync(|db| {
            let id = practice(db, name).map_err(|f| StoreError::Invalid(f.message))?;
            db.recent_stats(id, Utc::now(), *days, price)
        })?;
        return write_stats(&s, *json, out);
    }
    store.run_sync(|db| Ok(admin(db, command, out))).map_err(Failure::from)?
}

/// `stats`: a line a day, then the period.
fn write_stats(s: &crate::store::PracticeStats, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    if json {
        return writeln!(out, "{}", serde_json::to_string_pretty(s).map_err(failed)?).map_err(failed);
    }
    let pct = |n: i64, of: i64| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
    writeln!(out, "jour        appels  sans humain  transmis  urgents  raccrochés  attente moy.").map_err(failed)?;
    for d in &s.days {
        writeln!(
            out,
            "{}  {:>6}  {:>6} ({:>3.0} %)  {:>8}  {:>7}  {:>10}  {:>9.0} s",
            d.day,
            d.calls,
            d.without_human,
            pct(d.without_human, d.calls),
            d.handed_over,
            d.urgent,
            d.abandoned,
            d.average_wait_secs
        )
        .map_err(failed)?;
    }
    let t = &s.total;
    writeln!(
        out,
        "du {} au {}: {} appels, {} sans humain ({:.0} %), {} transmis, {} urgents, {} raccrochés",
        s.from,
        s.to,
        t.calls,
        t.without_human,
        100.0 * s.share_without_human,
        t.handed_over,
        t.urgent,
        t.abandoned
    )
    .map_err(failed)?;
    writeln!(out, "attente au secrétariat: {} appels, {:.0} s en moyenne, {:.0} s au plus", t.waited, t.average_wait_secs, t.longest_wait_secs)
        .map_err(failed)?;
    if !t.by_handover.is_empty() {
        let mut why: Vec<(&String, &i64)> = t.by_handover.iter().collect();
        why.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let why: Vec<String> = why.iter().map(|(k, n)| format!("{n} {}", crate::words::outcome(crate::words::HANDOVERS_FR, k))).collect();
        writeln!(out, "transmis parce que: {}", why.join(", ")).map_err(failed)?;
    }
    let hours: Vec<String> = s.busiest_hours.iter().map(|h| format!("{h} h")).collect();
    writeln!(out, "heures les plus chargées: {}", if hours.is_empty() { "aucune".into() } else { hours.join(", ") }).map_err(failed)?;
    writeln!(out, "économisé: {:.2} € ({} appels à {:.2} € l'appel d'un télésecrétariat)", s.saved, t.without_human, s.price_per_call).map_err(failed)
}

pub(super) fn practice(db: &Db, name: &str) -> Result<i64, Failure> {
    db.practice_id(name).map_err(|_| {
        let known = db.practice_names().unwrap_or_default().join(", ");
        data(format!("practice: cabinet « {name} » inconnu (cabinets: {known})"))
    })
}

/// The doctor an argument names, with a message listing the known ones.
fn doctor_named(db: &Db, at: &DoctorRef) -> Result<i64, Failure> {
    let id = practice(db, &at.practice)?;
    doctor(db, id, &at.doctor)
}

fn doctor(db: &Db, practice_id: i64, name: &str) -> Result<i64, Failure> {
    db.doctor_id(practice_id, name).map_err(|_| {
        let known: Vec<String> = db.doctors(practice_id).unwrap_or_default().into_iter().map(|d| d.name).collect();
        data(format!("doctor: médecin « {name} » inconnu (médecins: {})", known.join(", ")))
    })
}

fn admin(db: &mut Db, command: Command, out: &mut dyn Write) -> Result<(), Failure> {
    match command {
        Command::Serve
        | Command::CheckConfig { .. }
        | Command::CheckFreeswitch
        | Command::Try { .. }
        | Command::Sounds { .. }
        | Command::Transcribe { .. }
        | Command::Agent(_)
        | Command::Queue(_)
        | Command::Callback(_) => Err(data("not an administration command")),
        Command::User(c) => super::accounts::user(db, c, out),
        Command::Token(c) => super::accounts::token(db, c, out),
        Command::Audit { practice, since, json } => super::accounts::audit(db, practice, since, json, out),
        Command::Stats { .. } | Command::Backup { .. } => Err(data("stats and backup are run by run_admin")),
        Command::Purge { practice, dry_run } => super::accounts::purge(db, practice, dry_run, out),
        Command::Patient(PatientCmd::Forget { number, practice }) => super::accounts::forget(db, &number, &practice, out),
        Command::Patient(PatientCmd::Birth { number, name, date, practice }) => {
            let id = self::practice(db, &practice)?;
            db.add_patient(id, &number, &name)?;
            db.set_birth_date(id, &number, &name, parse_day("date", &date)?)?;
            writeln!(out, "date de naissance de {name} enregistrée").map_err(failed)
        }
        Command::Secretary(c) => match c {
            SecretaryCmd::Add { id, name, dial, serves } => {
                if let Err(e) = dial.parse::<freeswitch_esl_tokio::commands::Endpoint>() {
                    return Err(data(format!("dial: « {dial} » n'est pas une chaîne d'appel FreeSWITCH ({e}); ex. user/1101")));
                }
                let mut practices = Vec::new();
                for s in &serves {
                    let (name, level) = match s.rsplit_once(':') {
                        Some((n, l)) => {
                            (n, crate::agenda::Level::named(l).ok_or_else(|| data(format!("serves: niveau « {l} » inconnu (primary ou overflow)")))?)
                        }
                        None => (s.as_str(), crate::queue::Level::Primary),
                    };
                    practices.push((practice(db, name)?, level));
                }
                db.put_secretary(&crate::store::Secretary { id: id.clone(), name, dial, practices })?;
                writeln!(out, "secrétaire {id} enregistrée (prise en compte à sa prochaine connexion)").map_err(failed)
            }
            SecretaryCmd::List => {
                for s in db.secretaries()? {
                    let serves: Vec<String> = s.practices.iter().map(|(p, l)| format!("{p}:{}", l.name())).collect();
                    writeln!(out, "{}\t{}\t{}\t{}", s.id, s.name, s.dial, serves.join(",")).map_err(failed)?;
                }
                Ok(())
            }
            SecretaryCmd::Remove { id } => {
                db.remove_secretary(&id)?;
                writeln!(out, "secrétaire {id} retirée").map_err(failed)
            }
        },
        Command::Practice(p) => match p {
            PracticeCmd::Create { name, address, timezone } => {
                let tz = timezone.parse().map_err(|_| data(format!("timezone: « {timezone} » inconnu (ex. Europe/Paris)")))?;
                let id = db.create_practice(&name, &address, tz).map_err(|e| match e {
                    StoreError::Sql(_) => data(format!("name: le cabinet « {name} » existe déjà")),
                    other => other.into(),
                })?;
                writeln!(out, "cabinet n°{id} créé: {name}").map_err(failed)
            }
            PracticeCmd::List => {
                for n in db.practice_names()? {
                    writeln!(out, "{n}").map_err(failed)?;
                }
                Ok(())
            }
            PracticeCmd::Did { practice: p, did } => {
                let id = practice(db, &p)?;
                db.add_did(id, &did)?;
                writeln!(out, "{did} → {p}").map_err(failed)
            }
            PracticeCmd::Set { practice: p, field, value } => {
                let id = practice(db, &p)?;
                let field: PracticeField = field.parse().map_err(|e: RuleError| data(e.to_string()))?;
                db.set_practice_field(id, field, Some(&value))?;
                writeln!(out, "{} mis à jour", field.name()).map_err(failed)
            }
            PracticeCmd::Hours { practice: p, kind, ranges } => {
                let id = practice(db, &p)?;
                let which = match kind {
                    HoursKind::Opening => PracticeHours::Opening,
                    HoursKind::WalkIn => PracticeHours::WalkIn,
                };
                let which_name = which.column();
                db.set_practice_hours(id, which, &parse_ranges(which_name, &ranges)?)?;
                writeln!(out, "{which_name}: {} plage(s)", ranges.len()).map_err(failed)
            }
            PracticeCmd::Duty { practice: p, mode, ranges } => {
                let id = practice(db, &p)?;
                let duty = match mode {
                    DutyArg::AlwaysOn => DutyMode::AlwaysOn,
                    DutyArg::On => DutyMode::OnDemand { on: true },
                    DutyArg::Off => DutyMode::OnDemand { on: false },
                    DutyArg::OutsideSecretary => {
                        if ranges.is_empty() {
                            return Err(data("range: les heures du secrétariat sont requises (--range \"lundi 08:00-12:00\")"));
                        }
                        DutyMode::OutsideSecretaryHours { secretary_hours: parse_ranges("secretary_hours", &ranges)? }
                    }
                };
                db.set_duty(id, &duty)?;
                writeln!(out, "mode mis à jour").map_err(failed)
            }
            PracticeCmd::Holidays { practice: p } => {
                let id = practice(db, &p)?;
                for h in db.snapshot(id)?.holidays {
                    writeln!(out, "{} {} {} {}", h.id, h.start, h.end, h.message).map_err(failed)?;
                }
                Ok(())
            }
            PracticeCmd::HolidayRemove { practice: p, id: hid } => {
                let id = practice(db, &p)?;
                db.remove_holiday(id, hid)?;
                writeln!(out, "congés n°{hid} supprimés").map_err(failed)
            }
            PracticeCmd::Holiday { practice: p, start, end, message } => {
                let id = practice(db, &p)?;
                db.add_holiday(id, parse_day("start", &start)?, parse_day("end", &end)?, &message)?;
                writeln!(out, "congés enregistrés").map_err(failed)
            }
        },
        Command::Doctor(d) => match d {
            DoctorCmd::Add { practice: p, name } => {
                let id = practice(db, &p)?;
                let did = db.add_doctor(id, &name)?;
                writeln!(out, "médecin n°{did} ajouté: {name}").map_err(failed)
            }
            DoctorCmd::Hours { at, ranges } => {
                let did = doctor_named(db, &at)?;
                db.set_working_hours(did, &parse_ranges("working_hours", &ranges)?)?;
                writeln!(out, "horaires de {}: {} plage(s)", at.doctor, ranges.len()).map_err(failed)
            }
            DoctorCmd::Rules { at, notice_minutes, horizon_days, dial } => {
                let did = doctor_named(db, &at)?;
                let dial = dial.as_deref().map(|s| if s.is_empty() { None } else { Some(s) });
                db.set_booking_rules(did, notice_minutes, horizon_days, dial)?;
                writeln!(out, "règles de {} mises à jour", at.doctor).map_err(failed)
            }
            DoctorCmd::Instructions { at, text } => {
                let did = doctor_named(db, &at)?;
                db.set_doctor_instructions(did, &text)?;
                writeln!(out, "consignes de {} mises à jour", at.doctor).map_err(failed)
            }
            DoctorCmd::Type { at, name, duration, staff_only, known_only } => {
                let did = doctor_named(db, &at)?;
                if db.types(did)?.iter().any(|t| t.name == name.trim()) {
                    let tid = db.update_type(did, &name, duration, !staff_only, !known_only)?;
                    return writeln!(out, "type n°{tid} modifié: {name} ({duration} min)").map_err(failed);
                }
                let tid = db.add_type(did, &name, duration, !staff_only, !known_only)?;
                writeln!(out, "type n°{tid} ajouté: {name} ({duration} min)").map_err(failed)
            }
            DoctorCmd::Absences { at } => {
                let did = doctor_named(db, &at)?;
                for a in db.absences(did)? {
                    writeln!(out, "{} {} {} {}", a.id, a.start.format("%Y-%m-%dT%H:%M"), a.end.format("%Y-%m-%dT%H:%M"), a.reason).map_err(failed)?;
                }
                Ok(())
            }
            DoctorCmd::AbsenceRemove { at, id: aid } => {
                let did = doctor_named(db, &at)?;
                db.remove_absence(did, aid)?;
                writeln!(out, "absence n°{aid} supprimée").map_err(failed)
            }
            DoctorCmd::Absence { at, start, end, reason } => {
                let did = doctor_named(db, &at)?;
                db.add_absence(did, parse_local("start", &start)?, parse_local("end", &end)?, &reason)?;
                writeln!(out, "absence enregistrée").map_err(failed)
            }
        },
        Command::Rule(r) => {
            let id = practice(db, &r.practice)?;
            if r.remove {
                db.remove_caller_rule(id, &r.phone)?;
                return writeln!(out, "règle supprimée").map_err(failed);
            }
            let doctor_id = match &r.doctor {
                Some(d) => Some(doctor(db, id, d)?),
                None => None,
            };
            let kind = match r.kind {
                Some(KindArg::Blocked) => CallerKind::Blocked,
                _ => CallerKind::Allowed,
            };
            db.set_caller_rule(id, doctor_id, &r.phone, kind, &r.label)?;
            writeln!(out, "règle enregistrée").map_err(failed)
        }
        Command::Appointments(l) => {
            let id = practice(db, &l.practice)?;
            let snap = db.snapshot(id)?;
            let tz = snap.practice.timezone;
            let from = match &l.from {
                Some(d) => parse_day("from", d)?
                    .and_hms_opt(0, 0, 0)
                    .and_then(|n| n.and_local_timezone(tz).earliest())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(Utc::now),
                None => Utc::now(),
            };
            let list = db.appointments(id, from, from + Duration::days(l.days))?;
            if l.json {
                return writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default()).map_err(failed);
            }
            for a in list {
                let doctor = snap.doctors.iter().find(|d| d.id == a.doctor_id).map(|d| d.name.as_str()).unwrap_or("?");
                let ty = snap.types.iter().find(|t| t.id == a.type_id).map(|t| t.name.as_str()).unwrap_or("?");
                let local = a.start.with_timezone(&tz);
                let day = weekday_fr::name(chrono::Datelike::weekday(&local.date_naive()));
                writeln!(
                    out,
                    "{} {} {}  {:<24} {:<20} {:<18} {} {}",
                    a.id,
                    day,
                    local.format("%Y-%m-%d %H:%M"),
                    doctor,
                    ty,
                    a.patient_name,
                    a.phone.as_deref().unwrap_or("-"),
                    a.status
                )
                .map_err(failed)?;
            }
            Ok(())
        }
        Command::Messages(l) => {
            let id = practice(db, &l.practice)?;
            let list = db.messages(id)?;
            if l.json {
                return writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default()).map_err(failed);
            }
            for m in list {
                writeln!(
                    out,
                    "{} {} {} {}{} {}",
                    m.id,
                    m.received_at.format("%Y-%m-%d %H:%M"),
                    m.caller.as_deref().unwrap_or("masqué"),
                    if m.urgent { "URGENT " } else { "" },
                    m.audio_path,
                    m.transcript.as_deref().unwrap_or("")
                )
                .map_err(failed)?;
            }
            Ok(())
        }
        Command::Export { practice: p, out: file } => {
            practice(db, &p)?;
            let doc = db.export_practice(&p)?;
            let text = serde_json::to_string_pretty(&doc).map_err(failed)?;
            match file {
                // An export holds patients' names and numbers: its owner's only (0600).
                Some(f) => {
                    use std::io::Write as _;
                    let mut file = crate::web::auth::demo::private_file(&f).map_err(|e| data(format!("{}: {e}", f.display())))?;
                    file.write_all((text + "\n").as_bytes()).map_err(failed)
                }
                None => writeln!(out, "{text}").map_err(failed),
            }
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| data(format!("{}: {e}", file.display())))?;
            let doc: PracticeExport = serde_json::from_str(&text).map_err(|e| data(format!("{}: ligne {}: {e}", file.display(), e.line())))?;
            let id = db.import_practice(&doc)?;
            writeln!(out, "cabinet n°{id} importé: {}", doc.name).map_err(failed)
        }
    }
}
