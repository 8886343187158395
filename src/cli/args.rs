//! The command line's declarations (clap): every command, its arguments and
//! their help. No behaviour here: `admin` and the library carry them out.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::agents;

/// standardiste: a virtual receptionist for medical practices, beside FreeSWITCH.
#[derive(Debug, Parser)]
#[command(name = "standardiste", version)]
pub struct Cli {
    /// Configuration file (TOML). Without it, the documented defaults.
    #[arg(long, short, global = true, env = "STANDARDISTE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The bearer token the `agent`, `queue` and `callback` commands send
    /// (`standardiste token create LOGIN`); without it, `[client] token`.
    #[arg(long, global = true, env = "STANDARDISTE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
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
    /// Ask FreeSWITCH, over the Event Socket, whether it is ready for the
    /// service: modules, each practice's number to the socket, socket_resume,
    /// the hand-over context, the music on hold, the shared folders (a tone
    /// played and recorded on a loopback call). Each failing item with its
    /// fix; exit status 1 if any fails.
    CheckFreeswitch,
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
    /// Accounts of the web side and the API: add, list, change a password, remove.
    #[command(subcommand)]
    User(UserCmd),
    /// Bearer tokens for programs (the command line, a console): create, list, revoke.
    #[command(subcommand)]
    Token(TokenCmd),
    /// The audit log: who read or changed which patient's data or setting, when.
    Audit {
        /// One practice only.
        #[arg(long)]
        practice: Option<String>,
        /// From this day (YYYY-MM-DD; yesterday without it).
        #[arg(long)]
        since: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Copy the database into FILE (a new file), safely while the service
    /// runs (SQLite's online backup), and check the copy.
    Backup {
        /// The copy to make.
        file: std::path::PathBuf,
    },
    /// The figures a practice pays for, day by day: calls, the share
    /// finished without a human, hand-overs, urgent calls, callers who hung
    /// up, waits, the busiest hours, and what they saved at
    /// [stats] price_per_call.
    Stats {
        /// The practice.
        #[arg(long)]
        practice: String,
        /// Days, ending today.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Purge what is past each practice's retention period (practice set
    /// --field retention_days): messages and recordings, call-backs, callers
    /// of old calls, recorded names.
    Purge {
        /// One practice only.
        #[arg(long)]
        practice: Option<String>,
        /// Count, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// One person's data.
    #[command(subcommand)]
    Patient(PatientCmd),
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

/// `--practice NAME --doctor NAME`: the doctor a command is about.
#[derive(Debug, Clone, Args)]
pub struct DoctorRef {
    /// Practice.
    #[arg(long)]
    pub practice: String,
    /// Doctor.
    #[arg(long)]
    pub doctor: String,
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
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
        /// Ranges.
        #[arg(long = "range")]
        ranges: Vec<String>,
    },
    /// Booking notice, horizon, own phone.
    Rules {
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
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
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
        /// Text.
        #[arg(long)]
        text: String,
    },
    /// Add a consultation type, or change one of that name.
    Type {
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
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
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
    },
    /// Remove an absence.
    AbsenceRemove {
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
        /// Its id (see `doctor absences`).
        #[arg(long)]
        id: i64,
    },
    /// Add an absence (local times, YYYY-MM-DDTHH:MM).
    Absence {
        /// The practice and the doctor.
        #[command(flatten)]
        at: DoctorRef,
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

/// `user …`
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add an account; the password is read from standard input (one line) or `--password-file`.
    Add {
        /// What the person types to log in (letters, digits, _ + -).
        login: String,
        /// admin (everything), staff (a practice's doctor or assistant), secretary (a remote secretary).
        #[arg(long)]
        role: String,
        /// A practice a staff account sees (repeat).
        #[arg(long = "practice")]
        practices: Vec<String>,
        /// The secretary's id in the queues (role secretary).
        #[arg(long)]
        secretary: Option<String>,
        /// Read the password from this file instead of standard input.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List the accounts.
    List,
    /// Change a password (every session of the account ends).
    Passwd {
        /// The account.
        login: String,
        /// Read the password from this file instead of standard input.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Remove an account, its sessions and its tokens.
    Remove {
        /// The account.
        login: String,
    },
}

/// `token …`
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token for an account; it is printed once, only its hash is kept.
    Create {
        /// The account it acts as.
        login: String,
        /// What it is for ("console de Ana", "supervision").
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List the tokens (never their value).
    List,
    /// Revoke a token: requests carrying it get 401 at once.
    Revoke {
        /// Its id (see `token list`).
        id: i64,
    },
}

/// `patient …`
#[derive(Debug, Subcommand)]
pub enum PatientCmd {
    /// Erase one person's data at a practice (GDPR art. 17): messages and
    /// recordings, call-backs, their name; calls and appointments keep no
    /// number or name, future appointments are cancelled.
    Forget {
        /// Their number, in any writing (06 12 34 56 78, +33612345678).
        number: String,
        /// The practice.
        #[arg(long)]
        practice: String,
    },
    /// Record a patient's date of birth (asked before their appointments are read out).
    Birth {
        /// Their number.
        number: String,
        /// Their name, as the practice knows it.
        #[arg(long)]
        name: String,
        /// The date (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The practice.
        #[arg(long)]
        practice: String,
    },
}
