//! The command line (clap): thin, calls into the library. Administrators use
//! it to create and edit practices, check their configuration, and read what
//! the receptionist did.

use std::io::Write;
use std::path::PathBuf;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::agenda::{CallerKind, DutyMode, RuleError, WeeklyRange, weekday_fr};
use crate::config::Config;
use crate::store::export::PracticeExport;
use crate::store::{Db, StoreError};

/// Exit code for a bad configuration (EX_USAGE).
pub const EXIT_CONFIG: i32 = 64;
/// Exit code for bad input data (EX_DATAERR).
pub const EXIT_DATA: i32 = 65;
/// Exit code for a refused Event Socket password (EX_NOPERM).
pub const EXIT_AUTH: i32 = 77;
/// Exit code when the running service cannot be reached (EX_UNAVAILABLE).
pub const EXIT_UNAVAILABLE: i32 = 69;

pub mod agents;

/// standardiste: a virtual receptionist for medical practices, beside FreeSWITCH.
#[derive(Debug, Parser)]
#[command(name = "standardiste", version)]
pub struct Cli {
    /// Configuration file (TOML). Without it, the documented defaults.
    #[arg(long, short, global = true, env = "STANDARDISTE_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take FreeSWITCH's calls until SIGTERM/SIGINT.
    Serve,
    /// Check a configuration file; every problem with its line and a hint.
    CheckConfig {
        /// The file.
        file: PathBuf,
    },
    /// Practices: create, set fields, hours, numbers, duty, holidays.
    #[command(subcommand)]
    Practice(PracticeCmd),
    /// Doctors: add, hours, booking rules, instructions, types, absences.
    #[command(subcommand)]
    Doctor(DoctorCmd),
    /// Caller rules: numbers allowed to reach the doctor, blocked numbers.
    Rule(RuleArgs),
    /// List appointments.
    Appointments(ListArgs),
    /// List messages left by callers.
    Messages(ListArgs),
    /// Export a practice as JSON.
    Export {
        /// Practice name.
        #[arg(long)]
        practice: String,
        /// Output file (standard output without it).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import a practice from JSON.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Pre-render every fixed sentence: into the prompt cache (the service then
    /// never renders them during a call) and as `<key>.wav` into a folder, to
    /// listen to them.
    Sounds {
        /// Where the `<key>.wav` files go (default: sounds/<language>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Transcribe a wav file with the speech model (checks the model).
    Transcribe {
        /// A PCM 16-bit wav.
        file: PathBuf,
        /// Language of the speech (`fr`, `en`).
        #[arg(long, default_value = "fr")]
        language: String,
    },
    /// The remote secretaries (a partner télésecrétariat): add, list, remove.
    #[command(subcommand)]
    Secretary(SecretaryCmd),
    /// A secretary's day, through the running service's API: log in, log out, pause, resume.
    #[command(subcommand)]
    Agent(agents::AgentCmd),
    /// The live queues, through the running service's API.
    #[command(subcommand)]
    Queue(agents::QueueCmd),
    /// Callers who asked to be called back, through the running service's API.
    #[command(subcommand)]
    Callback(agents::CallbackCmd),
    /// Run the receptionist's dialogue in this terminal, against the real database.
    Try {
        /// Practice name.
        #[arg(long)]
        practice: String,
        /// The caller's number ("anonymous" for a withheld number).
        #[arg(long, default_value = "anonymous")]
        caller: String,
    },
}

/// `practice …`
#[derive(Debug, Subcommand)]
pub enum PracticeCmd {
    /// Create a practice.
    Create {
        /// Name said in the greeting.
        #[arg(long)]
        name: String,
        /// Address.
        #[arg(long, default_value = "")]
        address: String,
        /// Time zone.
        #[arg(long, default_value = "Europe/Paris")]
        timezone: String,
    },
    /// List practices.
    List,
    /// Attach a dialled number.
    Did {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// The number.
        #[arg(long)]
        did: String,
    },
    /// Set a field: address, practice_phone, secretaries, instructions, max_future_per_phone, timezone.
    Set {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Field.
        #[arg(long)]
        field: String,
        /// Value (empty clears it).
        #[arg(long, default_value = "")]
        value: String,
    },
    /// Replace opening or walk-in hours: `--range "lundi 08:00-12:00"` (repeat).
    Hours {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Which timetable.
        #[arg(long, value_enum)]
        kind: HoursKind,
        /// Ranges.
        #[arg(long = "range")]
        ranges: Vec<String>,
    },
    /// When the receptionist answers.
    Duty {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Mode.
        #[arg(long, value_enum)]
        mode: DutyArg,
        /// The practice secretary's hours (mode outside-secretary).
        #[arg(long = "range")]
        ranges: Vec<String>,
    },
    /// List the holiday periods (with their ids).
    Holidays {
        /// Practice.
        #[arg(long)]
        practice: String,
    },
    /// Remove a holiday period.
    HolidayRemove {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Its id (see `practice holidays`).
        #[arg(long)]
        id: i64,
    },
    /// Add a holiday period.
    Holiday {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        start: String,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        end: String,
        /// Message callers hear.
        #[arg(long)]
        message: String,
    },
}

/// `secretary …`
#[derive(Debug, Subcommand)]
pub enum SecretaryCmd {
    /// Add a secretary, or replace one with the same id.
    Add {
        /// Short id they log in with (`ana`).
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Their phone as FreeSWITCH dials it (`user/1101`, any dial string).
        #[arg(long)]
        dial: String,
        /// A practice they serve, `NAME` or `NAME:overflow` (repeat).
        #[arg(long = "serves", required = true)]
        serves: Vec<String>,
    },
    /// List the secretaries.
    List,
    /// Remove a secretary.
    Remove {
        /// Their id.
        id: String,
    },
}

/// Which timetable.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HoursKind {
    /// Opening hours.
    Opening,
    /// Walk-in hours.
    WalkIn,
}

/// Duty modes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DutyArg {
    /// Every call.
    AlwaysOn,
    /// Outside the practice secretary's hours.
    OutsideSecretary,
    /// On demand, switched on.
    On,
    /// On demand, switched off.
    Off,
}

/// `doctor …`
#[derive(Debug, Subcommand)]
pub enum DoctorCmd {
    /// Add a doctor.
    Add {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Name ("Docteur Claire Martin").
        #[arg(long)]
        name: String,
    },
    /// Replace working hours (`--range` repeated; gaps are breaks).
    Hours {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Ranges.
        #[arg(long = "range")]
        ranges: Vec<String>,
    },
    /// Booking notice, horizon, own phone.
    Rules {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Minimum notice for phone bookings (minutes).
        #[arg(long)]
        notice_minutes: Option<i64>,
        /// Horizon for phone bookings (days).
        #[arg(long)]
        horizon_days: Option<i64>,
        /// The doctor's own dial string (user/1011).
        #[arg(long)]
        dial: Option<String>,
    },
    /// Instructions for the remote secretaries.
    Instructions {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Text.
        #[arg(long)]
        text: String,
    },
    /// Add a consultation type, or change one of that name.
    Type {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Minutes (multiple of 5).
        #[arg(long)]
        duration: i64,
        /// Not bookable by phone.
        #[arg(long)]
        staff_only: bool,
        /// Known patients only.
        #[arg(long)]
        known_only: bool,
    },
    /// List a doctor's absences (with their ids).
    Absences {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
    },
    /// Remove an absence.
    AbsenceRemove {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Its id (see `doctor absences`).
        #[arg(long)]
        id: i64,
    },
    /// Add an absence (local times, YYYY-MM-DDTHH:MM).
    Absence {
        /// Practice.
        #[arg(long)]
        practice: String,
        /// Doctor.
        #[arg(long)]
        doctor: String,
        /// Start.
        #[arg(long)]
        start: String,
        /// End.
        #[arg(long)]
        end: String,
        /// Reason.
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// `rule`
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Practice.
    #[arg(long)]
    pub practice: String,
    /// Number.
    #[arg(long)]
    pub phone: String,
    /// allowed or blocked.
    #[arg(long, value_enum, required_unless_present = "remove")]
    pub kind: Option<KindArg>,
    /// Who it is.
    #[arg(long, default_value = "")]
    pub label: String,
    /// The doctor it is for (whole practice without it).
    #[arg(long)]
    pub doctor: Option<String>,
    /// Remove the rule for this number instead.
    #[arg(long, conflicts_with_all = ["label", "doctor"])]
    pub remove: bool,
}

/// Rule kinds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// May reach the doctor.
    Allowed,
    /// Refused.
    Blocked,
}

/// Listing options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Practice.
    #[arg(long)]
    pub practice: String,
    /// From this day (today without it).
    #[arg(long)]
    pub from: Option<String>,
    /// How many days.
    #[arg(long, default_value_t = 14)]
    pub days: i64,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// A command failed; `code` is the process exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for standard error.
    pub message: String,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::Rule(_) | StoreError::NotFound(_) | StoreError::Invalid(_) => EXIT_DATA,
            _ => 1,
        };
        Failure { code, message: e.to_string() }
    }
}

impl From<RuleError> for Failure {
    fn from(e: RuleError) -> Self {
        Failure { code: EXIT_DATA, message: e.to_string() }
    }
}

fn data(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_DATA, message: message.into() }
}

fn parse_ranges(field: &str, ranges: &[String]) -> Result<Vec<WeeklyRange>, Failure> {
    ranges.iter().map(|r| WeeklyRange::parse(r).map_err(|e| data(format!("{field}: {}", e.message)))).collect()
}

fn parse_local(field: &str, text: &str) -> Result<NaiveDateTime, Failure> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| data(format!("{field}: « {text} » n'est pas une date-heure (attendu: 2026-12-24T08:00)")))
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| data(format!("{field}: « {text} » n'est pas une date (attendu: 2026-12-24)")))
}

/// Load the configuration named on the command line (or the defaults).
pub fn load_config(path: Option<&PathBuf>) -> Result<Config, Failure> {
    match path {
        Some(p) => Config::load(p).map_err(|e| Failure { code: EXIT_CONFIG, message: e.to_string() }),
        None => Ok(Config::default()),
    }
}

/// Run an administration command against the configured database.
pub fn run_admin(config: &Config, command: Command, out: &mut dyn Write) -> Result<(), Failure> {
    let store = crate::service::open_store(config).map_err(|e| Failure { code: 1, message: e.to_string() })?;
    store.run_sync(|db| Ok(admin(db, command, out))).map_err(Failure::from)?
}

fn practice(db: &Db, name: &str) -> Result<i64, Failure> {
    db.practice_id(name).map_err(|_| {
        let known = db.practice_names().unwrap_or_default().join(", ");
        data(format!("practice: cabinet « {name} » inconnu (cabinets: {known})"))
    })
}

fn doctor(db: &Db, practice_id: i64, name: &str) -> Result<i64, Failure> {
    db.doctor_id(practice_id, name).map_err(|_| {
        let known: Vec<String> = db.doctors(practice_id).unwrap_or_default().into_iter().map(|d| d.name).collect();
        data(format!("doctor: médecin « {name} » inconnu (médecins: {})", known.join(", ")))
    })
}

fn io(e: std::io::Error) -> Failure {
    Failure { code: 1, message: e.to_string() }
}

fn admin(db: &mut Db, command: Command, out: &mut dyn Write) -> Result<(), Failure> {
    match command {
        Command::Serve
        | Command::CheckConfig { .. }
        | Command::Try { .. }
        | Command::Sounds { .. }
        | Command::Transcribe { .. }
        | Command::Agent(_)
        | Command::Queue(_)
        | Command::Callback(_) => Err(data("not an administration command")),
        Command::Secretary(c) => match c {
            SecretaryCmd::Add { id, name, dial, serves } => {
                if let Err(e) = dial.parse::<freeswitch_esl_tokio::commands::Endpoint>() {
                    return Err(data(format!("dial: « {dial} » n'est pas une chaîne d'appel FreeSWITCH ({e}); ex. user/1101")));
                }
                let mut practices = Vec::new();
                for s in &serves {
                    let (name, level) = match s.rsplit_once(':') {
                        Some((n, l)) => {
                            (n, crate::queue::task::level_named(l).ok_or_else(|| data(format!("serves: niveau « {l} » inconnu (primary ou overflow)")))?)
                        }
                        None => (s.as_str(), crate::queue::Level::Primary),
                    };
                    practices.push((practice(db, name)?, level));
                }
                db.put_secretary(&crate::store::Secretary { id: id.clone(), name, dial, practices })?;
                writeln!(out, "secrétaire {id} enregistrée (prise en compte à sa prochaine connexion)").map_err(io)
            }
            SecretaryCmd::List => {
                for s in db.secretaries()? {
                    let serves: Vec<String> =
                        s.practices.iter().map(|(p, l)| format!("{p}:{}", if *l == crate::queue::Level::Primary { "primary" } else { "overflow" })).collect();
                    writeln!(out, "{}\t{}\t{}\t{}", s.id, s.name, s.dial, serves.join(",")).map_err(io)?;
                }
                Ok(())
            }
            SecretaryCmd::Remove { id } => {
                db.remove_secretary(&id)?;
                writeln!(out, "secrétaire {id} retirée").map_err(io)
            }
        },
        Command::Practice(p) => match p {
            PracticeCmd::Create { name, address, timezone } => {
                let tz = timezone.parse().map_err(|_| data(format!("timezone: « {timezone} » inconnu (ex. Europe/Paris)")))?;
                let id = db.create_practice(&name, &address, tz).map_err(|e| match e {
                    StoreError::Sql(_) => data(format!("name: le cabinet « {name} » existe déjà")),
                    other => other.into(),
                })?;
                writeln!(out, "cabinet n°{id} créé: {name}").map_err(io)
            }
            PracticeCmd::List => {
                for n in db.practice_names()? {
                    writeln!(out, "{n}").map_err(io)?;
                }
                Ok(())
            }
            PracticeCmd::Did { practice: p, did } => {
                let id = practice(db, &p)?;
                db.add_did(id, &did)?;
                writeln!(out, "{did} → {p}").map_err(io)
            }
            PracticeCmd::Set { practice: p, field, value } => {
                let id = practice(db, &p)?;
                db.set_practice_field(id, &field, Some(&value))?;
                writeln!(out, "{field} mis à jour").map_err(io)
            }
            PracticeCmd::Hours { practice: p, kind, ranges } => {
                let id = practice(db, &p)?;
                let which = match kind {
                    HoursKind::Opening => "opening_hours",
                    HoursKind::WalkIn => "walk_in_hours",
                };
                db.set_practice_hours(id, which, &parse_ranges(which, &ranges)?)?;
                writeln!(out, "{which}: {} plage(s)", ranges.len()).map_err(io)
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
                writeln!(out, "mode mis à jour").map_err(io)
            }
            PracticeCmd::Holidays { practice: p } => {
                let id = practice(db, &p)?;
                for h in db.snapshot(id)?.holidays {
                    writeln!(out, "{} {} {} {}", h.id, h.start, h.end, h.message).map_err(io)?;
                }
                Ok(())
            }
            PracticeCmd::HolidayRemove { practice: p, id: hid } => {
                let id = practice(db, &p)?;
                db.remove_holiday(id, hid)?;
                writeln!(out, "congés n°{hid} supprimés").map_err(io)
            }
            PracticeCmd::Holiday { practice: p, start, end, message } => {
                let id = practice(db, &p)?;
                db.add_holiday(id, parse_day("start", &start)?, parse_day("end", &end)?, &message)?;
                writeln!(out, "congés enregistrés").map_err(io)
            }
        },
        Command::Doctor(d) => match d {
            DoctorCmd::Add { practice: p, name } => {
                let id = practice(db, &p)?;
                let did = db.add_doctor(id, &name)?;
                writeln!(out, "médecin n°{did} ajouté: {name}").map_err(io)
            }
            DoctorCmd::Hours { practice: p, doctor: d, ranges } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                db.set_working_hours(did, &parse_ranges("working_hours", &ranges)?)?;
                writeln!(out, "horaires de {d}: {} plage(s)", ranges.len()).map_err(io)
            }
            DoctorCmd::Rules { practice: p, doctor: d, notice_minutes, horizon_days, dial } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                let dial = dial.as_deref().map(|s| if s.is_empty() { None } else { Some(s) });
                db.set_booking_rules(did, notice_minutes, horizon_days, dial)?;
                writeln!(out, "règles de {d} mises à jour").map_err(io)
            }
            DoctorCmd::Instructions { practice: p, doctor: d, text } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                db.set_doctor_instructions(did, &text)?;
                writeln!(out, "consignes de {d} mises à jour").map_err(io)
            }
            DoctorCmd::Type { practice: p, doctor: d, name, duration, staff_only, known_only } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                if db.types(did)?.iter().any(|t| t.name == name.trim()) {
                    let tid = db.update_type(did, &name, duration, !staff_only, !known_only)?;
                    return writeln!(out, "type n°{tid} modifié: {name} ({duration} min)").map_err(io);
                }
                let tid = db.add_type(did, &name, duration, !staff_only, !known_only)?;
                writeln!(out, "type n°{tid} ajouté: {name} ({duration} min)").map_err(io)
            }
            DoctorCmd::Absences { practice: p, doctor: d } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                for a in db.absences(did)? {
                    writeln!(out, "{} {} {} {}", a.id, a.start.format("%Y-%m-%dT%H:%M"), a.end.format("%Y-%m-%dT%H:%M"), a.reason).map_err(io)?;
                }
                Ok(())
            }
            DoctorCmd::AbsenceRemove { practice: p, doctor: d, id: aid } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                db.remove_absence(did, aid)?;
                writeln!(out, "absence n°{aid} supprimée").map_err(io)
            }
            DoctorCmd::Absence { practice: p, doctor: d, start, end, reason } => {
                let id = practice(db, &p)?;
                let did = doctor(db, id, &d)?;
                db.add_absence(did, parse_local("start", &start)?, parse_local("end", &end)?, &reason)?;
                writeln!(out, "absence enregistrée").map_err(io)
            }
        },
        Command::Rule(r) => {
            let id = practice(db, &r.practice)?;
            if r.remove {
                db.remove_caller_rule(id, &r.phone)?;
                return writeln!(out, "règle supprimée").map_err(io);
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
            writeln!(out, "règle enregistrée").map_err(io)
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
                return writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default()).map_err(io);
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
                .map_err(io)?;
            }
            Ok(())
        }
        Command::Messages(l) => {
            let id = practice(db, &l.practice)?;
            let list = db.messages(id)?;
            if l.json {
                return writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default()).map_err(io);
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
                .map_err(io)?;
            }
            Ok(())
        }
        Command::Export { practice: p, out: file } => {
            practice(db, &p)?;
            let doc = db.export_practice(&p)?;
            let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure { code: 1, message: e.to_string() })?;
            match file {
                Some(f) => std::fs::write(&f, text + "\n").map_err(io),
                None => writeln!(out, "{text}").map_err(io),
            }
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| data(format!("{}: {e}", file.display())))?;
            let doc: PracticeExport = serde_json::from_str(&text).map_err(|e| data(format!("{}: ligne {}: {e}", file.display(), e.line())))?;
            let id = db.import_practice(&doc)?;
            writeln!(out, "cabinet n°{id} importé: {}", doc.name).map_err(io)
        }
    }
}

/// `standardiste try`: the dialogue in a terminal, reading keys from `input`.
pub async fn try_dialogue<R, W>(config: &Config, practice_name: &str, caller: &str, input: R, output: W) -> Result<W, Failure>
where
    R: tokio::io::AsyncBufRead + Unpin + Send,
    W: Write + Send,
{
    use crate::call::terminal::TerminalChannel;
    use crate::call::{CallSetup, CallSummary, drive};

    let store = crate::service::open_store(config).map_err(|e| Failure { code: 1, message: e.to_string() })?;
    let name = practice_name.to_string();
    let did = store
        .run_sync(|db| {
            let id = practice(db, &name).map_err(|f| StoreError::NotFound(f.message))?;
            Ok(db.snapshot(id)?.practice.dids.first().cloned())
        })
        .map_err(|e| data(e.to_string()))?
        .ok_or_else(|| data(format!("practice: « {practice_name} » n'a aucun numéro (standardiste practice did)")))?;
    let caller_e164 = crate::agenda::phone::caller_number(caller);
    if caller_e164.is_none() && !matches!(caller.trim().to_ascii_lowercase().as_str(), "anonymous" | "" | "private" | "unknown") {
        return Err(data(format!("caller: « {caller} » n'est pas un numéro lisible")));
    }
    let env = crate::service::driver_env(config, store.clone());
    let setup = CallSetup { uuid: format!("try-{}", uuid::Uuid::new_v4()), caller: caller_e164, destination: did, deadline: None };
    let mut channel = TerminalChannel::new(input, output);
    let mut summary = CallSummary::default();
    let started = chrono::Utc::now();
    let mut out_err = None;
    if let Err(e) = drive(&mut channel, &env, &setup, &mut summary).await {
        out_err = Some(e.to_string());
    }
    crate::call::driver::record_call(&store, &setup, started, &summary).await;
    let mut output = channel.into_output();
    let _ = writeln!(output, "[fin de l'appel: {}{}{}]", summary.outcome.as_str(), if summary.detail.is_empty() { "" } else { " — " }, summary.detail);
    match out_err {
        Some(e) => Err(Failure { code: 1, message: e }),
        None => Ok(output),
    }
}

/// `standardiste sounds`: every fixed sentence rendered; returns how many.
pub async fn render_sounds(config: &Config, out: Option<PathBuf>) -> Result<usize, Failure> {
    use crate::speech::Voice;
    use crate::speech::catalogue::{static_sentences, text};

    let lang = config.speech.language;
    let out = out.unwrap_or_else(|| PathBuf::from("sounds").join(lang.voice()));
    std::fs::create_dir_all(&out).map_err(|e| Failure { code: 1, message: format!("{}: {e}", out.display()) })?;
    let voice = Voice::new(config.speech.espeak.clone(), config.speech.voice.clone(), config.speech.rate, config.paths.prompts.clone());
    let mut count = 0;
    for key in static_sentences() {
        let sentence = text(lang, key);
        // The pieces a call plays, into the cache…
        voice.render_utterance(sentence).await.map_err(|e| Failure { code: 1, message: e.to_string() })?;
        // …and the whole sentence, named after its key.
        let whole = voice.render(sentence).await.map_err(|e| Failure { code: 1, message: e.to_string() })?;
        let target = out.join(format!("{}.wav", key.0));
        std::fs::copy(&whole, &target).map_err(|e| Failure { code: 1, message: format!("{}: {e}", target.display()) })?;
        count += 1;
    }
    Ok(count)
}

/// `standardiste transcribe`: the text of a wav file, and how long it took.
pub fn transcribe_file(config: &Config, file: &std::path::Path, language: &str) -> Result<(String, std::time::Duration), Failure> {
    use crate::speech::recognition::{Decoding, Recognizer, read_wav_16k};
    let threads = std::thread::available_parallelism().map(|n| n.get() as i32).unwrap_or(1);
    let r = Recognizer::load(&config.speech.model, threads).map_err(|e| Failure { code: 1, message: e.to_string() })?;
    let samples = read_wav_16k(file).map_err(|e| data(e.to_string()))?;
    let started = std::time::Instant::now();
    let text = r.transcribe(&samples, &Decoding::message(language)).map_err(|e| Failure { code: 1, message: e.to_string() })?;
    Ok((text, started.elapsed()))
}
