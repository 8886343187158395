//! The demo database's accounts: one of each role, with passwords drawn at
//! random when the demo practice is created, kept in a file beside the
//! database (mode 0600) and printed at every start, so that a newcomer can
//! log in at once — and nobody else knows them.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::secret;
use crate::store::{Db, Role, StoreError};

/// The demo's accounts: login, role, and for a secretary her id.
pub const DEMO_ACCOUNTS: [(&str, Role, Option<&str>); 3] =
    [("admin", Role::Admin, None), ("docteur", Role::Staff, None), ("ana", Role::Secretary, Some("ana"))];

/// Where the demo's passwords are written: beside the database.
pub fn accounts_file(database: &Path) -> PathBuf {
    database.with_file_name("demo-accounts.txt")
}

/// Create the demo's accounts (staff of `practice_id`) unless they exist,
/// and write their passwords to [`accounts_file`].
pub fn create(db: &mut Db, practice_id: i64, database: &Path) -> Result<(), StoreError> {
    let mut lines = Vec::new();
    for (login, role, secretary) in DEMO_ACCOUNTS {
        if db.account(login)?.is_some() {
            continue;
        }
        let password = secret::random_hex(8).map_err(|e| StoreError::Task(e.to_string()))?;
        let hash = secret::hash_password(&password).map_err(|e| StoreError::Task(e.to_string()))?;
        let practices: &[i64] = if role == Role::Staff { &[practice_id] } else { &[] };
        db.add_account(login, role, &hash, secretary, practices, Utc::now())?;
        lines.push(format!("{login}\t{}\t{password}", role.name()));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let path = accounts_file(database);
    let write = || -> std::io::Result<()> {
        let mut f = private_file(&path)?;
        writeln!(f, "# The demo accounts (login, role, password): log in at /login. Change them, or remove them with `standardiste user remove`.")?;
        for l in &lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    };
    write().map_err(|e| StoreError::Task(format!("{}: {e}", path.display())))
}

/// A new file readable by its owner only.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The demo's accounts as written, to print at start-up (none when the
/// file is gone).
pub fn read(database: &Path) -> Vec<String> {
    std::fs::read_to_string(accounts_file(database))
        .map(|t| t.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}
