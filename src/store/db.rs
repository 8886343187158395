//! One connection to the file ([`Db`]), the store's errors, and the helpers
//! every aggregate shares. The reads and writes themselves are split by
//! aggregate: `practices`, `doctors` (and caller rules, patients),
//! `booking`, `messages`, `calls`, `secretaries`.

use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, ErrorCode, Params, Row};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::agenda::RuleError;

use super::schema;

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("base de données: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored value could not be read back (hand-edited file?).
    #[error("valeur illisible dans la base ({what}): {detail}")]
    Corrupt {
        /// Which value.
        what: String,
        /// Why.
        detail: String,
    },
    /// Input that breaks an agenda rule; names the field.
    #[error("{0}")]
    Rule(#[from] RuleError),
    /// Input that cannot be stored as given; says why.
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist.
    #[error("{0} introuvable")]
    NotFound(String),
    /// A previous holder of the connection panicked.
    #[error("connexion à la base inutilisable (panique précédente)")]
    Poisoned,
    /// The blocking task failed.
    #[error("tâche de base de données: {0}")]
    Task(String),
}

/// One connection to the file.
pub struct Db {
    pub(super) conn: Connection,
}

pub(super) fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), detail: detail.to_string() }
}

pub(super) fn json_col<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

pub(super) fn instant(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

pub(super) const LOCAL_FMT: &str = "%Y-%m-%dT%H:%M";

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Statements through the connection's statement cache: a call's reads and
/// a booking ran the same few statements again and again, and parsing their
/// SQL each time was a third of the store threads' time under load.
pub(crate) trait Cached {
    /// `execute`, with the statement prepared once per connection.
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row`, with the statement prepared once per connection.
    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// The database holds health data: it and its WAL files are readable by
/// their owner only (0600), whatever the umask made them.
pub(super) fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// Statements kept per connection: every statement the service runs, with room.
const STATEMENT_CACHE: usize = 128;

impl Db {
    /// Open the file, turn on WAL and foreign keys, and migrate.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(StdDuration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: each commit is on the disk before the caller hears "c'est
        // noté" (in WAL, NORMAL may lose the last commits on a power cut,
        // which are exactly the last bookings and messages). Measured in
        // docs/BENCHMARKS.md: a booking's p99 goes from 0.27 to 0.74 ms, far
        // below what a caller can hear.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        owner_only(path);
        Ok(Self { conn })
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The store answers a query (the health check, systemd's watchdog).
    pub fn ping(&self) -> Result<(), StoreError> {
        Ok(self.conn.row("SELECT 1", [], |_| Ok(()))?)
    }

    /// Direct access for export/import within the crate.
    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
