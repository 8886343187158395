//! Who may use the web side and the JSON API: accounts with their role and
//! practices, browser sessions, program tokens, failed log-ins, and the
//! audit log. Passwords, session ids and tokens are stored as hashes only
//! (the hashing is `web::auth`'s); the audit log names who, from where,
//! which action, which practice and which object (a call's id, a setting's
//! name) — never the health data itself.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::db::{Cached, Db, StoreError, instant, is_unique_violation};
use crate::agenda::RuleError;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The service's operator: every practice, the accounts, the audit log.
    Admin,
    /// A doctor or the practice's own assistant: their practices.
    Staff,
    /// A remote secretary of the queues: the practices she serves.
    Secretary,
}

impl Role {
    /// Its name in the schema and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Secretary => "secretary",
        }
    }
}

impl FromStr for Role {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, RuleError> {
        match s {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "secretary" => Ok(Role::Secretary),
            other => Err(RuleError::new("role", format!("« {other} » inconnu (admin, staff ou secretary)"))),
        }
    }
}

/// An account, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// What the person types to log in.
    pub login: String,
    /// What they may do.
    pub role: Role,
    /// The Argon2id hash of the password (PHC string).
    #[serde(skip)]
    pub password_hash: String,
    /// For a secretary: her id in the queues.
    pub secretary_id: Option<String>,
    /// The practices a staff account sees (a secretary's come from the
    /// queues, an admin sees every one).
    pub practices: Vec<i64>,
    /// Failed log-ins in a row.
    pub failed_logins: i64,
    /// Locked until then after too many failed log-ins.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A program token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    /// Id (to revoke it).
    pub id: i64,
    /// Whose.
    pub login: String,
    /// What it is for.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used.
    pub last_used: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A live browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Whose.
    pub account_id: i64,
    /// The token every state-changing form and request must carry.
    pub csrf: String,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen: DateTime<Utc>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who: a login, or `cli` for the command line on the server.
    pub account: String,
    /// From where (the client's address), or `local`.
    pub address: String,
    /// What: `call.read`, `callback.place`, `agent.pause`, `login.failed`…
    pub action: String,
    /// Which practice, when it concerns one.
    pub practice_id: Option<i64>,
    /// Which object: a call's id, a call-back's id, a setting's name.
    pub object: String,
}

const ACCOUNT_COLS: &str = "id, login, role, password_hash, secretary_id, failed_logins, locked_until";

impl Db {
    /// Create an account; `practices` for staff.
    pub fn add_account(
        &mut self,
        login: &str,
        role: Role,
        password_hash: &str,
        secretary_id: Option<&str>,
        practices: &[i64],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        crate::agenda::text::check_extension("login", login).map_err(|_| RuleError::new("login", "lettres, chiffres, _ + - seulement (ex. dr-martin)"))?;
        if role == Role::Secretary && secretary_id.is_none() {
            return Err(RuleError::new("secretary", "un compte de secrétaire nomme sa secrétaire (--secretary ID)").into());
        }
        if role == Role::Staff && practices.is_empty() {
            return Err(RuleError::new("practice", "un compte du cabinet nomme au moins un cabinet (--practice NOM)").into());
        }
        let tx = self.conn.transaction()?;
        match tx.exec(
            "INSERT INTO accounts (login, role, password_hash, secretary_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![login, role.name(), password_hash, secretary_id, now.timestamp()],
        ) {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(RuleError::new("login", format!("« {login} » existe déjà")).into()),
            Err(e) => return Err(e.into()),
        }
        let id = tx.last_insert_rowid();
        for p in practices {
            tx.exec("INSERT OR IGNORE INTO account_practices (account_id, practice_id) VALUES (?1, ?2)", params![id, p])?;
        }
        tx.commit()?;
        Ok(id)
    }

    fn account_from(&self, row: (i64, String, String, String, Option<String>, i64, Option<i64>)) -> Result<Account, StoreError> {
        let role: Role = row.2.parse().map_err(|_| StoreError::Corrupt { what: "accounts.role".into(), detail: row.2.clone() })?;
        let mut st = self.conn.prepare_cached("SELECT practice_id FROM account_practices WHERE account_id = ?1 ORDER BY practice_id")?;
        let practices = st.query_map([row.0], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(Account {
            id: row.0,
            login: row.1,
            role,
            password_hash: row.3,
            secretary_id: row.4,
            practices,
            failed_logins: row.5,
            locked_until: row.6.map(instant),
        })
    }

    fn account_where(&self, clause: &str, key: &dyn rusqlite::ToSql) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE {clause}");
        let row = self.conn.row(&sql, [key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))).optional()?;
        row.map(|r| self.account_from(r)).transpose()
    }

    /// The account with this login.
    pub fn account(&self, login: &str) -> Result<Option<Account>, StoreError> {
        self.account_where("login = ?1", &login)
    }

    /// The account with this id.
    pub fn account_by_id(&self, id: i64) -> Result<Option<Account>, StoreError> {
        self.account_where("id = ?1", &id)
    }

    /// Every account, by login.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY login"))?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(|r| self.account_from(r)).collect()
    }

    /// Change a password; every session of the account ends.
    pub fn set_password(&mut self, login: &str, password_hash: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.exec("UPDATE accounts SET password_hash = ?2, failed_logins = 0, locked_until = NULL WHERE login = ?1", params![login, password_hash])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("compte « {login} »")));
        }
        tx.exec("DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE login = ?1)", [login])?;
        tx.commit()?;
        Ok(())
    }

    /// Remove an account, its sessions and its tokens.
    pub fn remove_account(&mut self, login: &str) -> Result<(), StoreError> {
        match self.conn.exec("DELETE FROM accounts WHERE login = ?1", [login])? {
            0 => Err(StoreError::NotFound(format!("compte « {login} »"))),
            _ => Ok(()),
        }
    }

    /// A failed log-in for `login` (if it exists) from `address`: the
    /// account is locked until `lock_until` once `lock_after` failures follow
    /// each other. Returns the account's failures in a row.
    pub fn login_failed(&mut self, login: &str, address: &str, now: DateTime<Utc>, lock_after: i64, lock_until: DateTime<Utc>) -> Result<i64, StoreError> {
        self.conn.exec("INSERT INTO login_failures (address, at) VALUES (?1, ?2)", params![address, now.timestamp()])?;
        self.conn.exec("DELETE FROM login_failures WHERE at < ?1", [now.timestamp() - 86_400])?;
        self.conn.exec("UPDATE accounts SET failed_logins = failed_logins + 1 WHERE login = ?1", [login])?;
        self.conn.exec(
            "UPDATE accounts SET locked_until = ?3, failed_logins = 0 WHERE login = ?1 AND failed_logins >= ?2",
            params![login, lock_after, lock_until.timestamp()],
        )?;
        Ok(self.conn.row("SELECT failed_logins FROM accounts WHERE login = ?1", [login], |r| r.get(0)).optional()?.unwrap_or(0))
    }

    /// A successful log-in: the account's count of failures starts again.
    pub fn login_succeeded(&mut self, account_id: i64) -> Result<(), StoreError> {
        self.conn.exec("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [account_id])?;
        Ok(())
    }

    /// Failed log-ins from `address` since `since`.
    pub fn failures_from(&self, address: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(self.conn.row("SELECT COUNT(*) FROM login_failures WHERE address = ?1 AND at >= ?2", params![address, since.timestamp()], |r| r.get(0))?)
    }

    /// Open a session.
    pub fn open_session(&mut self, token_hash: &str, account_id: i64, csrf: &str, address: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.exec(
            "INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![token_hash, account_id, csrf, now.timestamp(), address],
        )?;
        Ok(())
    }

    /// The session behind a cookie, if it is still live: not idle since
    /// `idle_since`, not opened before `opened_since`. A live one is
    /// touched; an expired one is deleted.
    pub fn session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
        opened_since: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row: Option<(i64, String, i64, i64)> = self
            .conn
            .row("SELECT account_id, csrf, created_at, last_seen FROM sessions WHERE token_hash = ?1", [token_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((account_id, csrf, created, seen)) = row else { return Ok(None) };
        if seen < idle_since.timestamp() || created < opened_since.timestamp() {
            self.conn.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            return Ok(None);
        }
        // Touched at most once a minute: a console polling every second does not write every second.
        if now.timestamp() - seen >= 60 {
            self.conn.exec("UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1", params![token_hash, now.timestamp()])?;
        }
        Ok(Some(SessionRow { account_id, csrf, created_at: instant(created), last_seen: instant(seen) }))
    }

    /// End a session (log-out).
    pub fn close_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.conn.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Create a program token for an account; returns its id.
    pub fn add_token(&mut self, account_id: i64, name: &str, token_hash: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        crate::agenda::text::check_text("name", name, 80)?;
        self.conn.exec(
            "INSERT INTO tokens (account_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![account_id, name, token_hash, now.timestamp()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The account of a live (not revoked) token, which is marked used.
    pub fn token_account(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64, i64, Option<i64>)> = self
            .conn
            .row("SELECT id, account_id, last_used FROM tokens WHERE token_hash = ?1 AND revoked_at IS NULL", [token_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((id, account, last)) = row else { return Ok(None) };
        if last.is_none_or(|l| now.timestamp() - l >= 60) {
            self.conn.exec("UPDATE tokens SET last_used = ?2 WHERE id = ?1", params![id, now.timestamp()])?;
        }
        Ok(Some(account))
    }

    /// Every token (revoked ones too), newest first.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT t.id, a.login, t.name, t.created_at, t.last_used, t.revoked_at FROM tokens t JOIN accounts a ON a.id = t.account_id ORDER BY t.id DESC",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(TokenRow {
                    id: r.get(0)?,
                    login: r.get(1)?,
                    name: r.get(2)?,
                    created_at: instant(r.get(3)?),
                    last_used: r.get::<_, Option<i64>>(4)?.map(instant),
                    revoked_at: r.get::<_, Option<i64>>(5)?.map(instant),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Revoke a token; returns its owner's login.
    pub fn revoke_token(&mut self, id: i64, now: DateTime<Utc>) -> Result<String, StoreError> {
        let login: Option<String> = self
            .conn
            .row("SELECT a.login FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?1 AND t.revoked_at IS NULL", [id], |r| r.get(0))
            .optional()?;
        let login = login.ok_or_else(|| StoreError::NotFound(format!("jeton n°{id} (ou déjà révoqué)")))?;
        self.conn.exec("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1", params![id, now.timestamp()])?;
        Ok(login)
    }

    /// The practices a secretary serves (from the queues' roster).
    pub fn secretary_practice_ids(&self, secretary_id: &str) -> Result<Vec<i64>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT practice_id FROM secretary_practices WHERE secretary_id = ?1 ORDER BY practice_id")?;
        let rows = st.query_map([secretary_id], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(rows)
    }

    /// Every practice id.
    pub fn practice_ids(&self) -> Result<Vec<i64>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id FROM practices ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(rows)
    }

    /// Write one line of the audit log.
    pub fn audit(&mut self, e: &AuditEntry) -> Result<(), StoreError> {
        self.conn.exec(
            "INSERT INTO audit (at, account, address, action, practice_id, object) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.at.timestamp(), e.account, e.address, e.action, e.practice_id, e.object],
        )?;
        Ok(())
    }

    /// The audit log since `since`, for one practice or all, oldest first.
    pub fn audit_log(&self, practice_id: Option<i64>, since: DateTime<Utc>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT at, account, address, action, practice_id, object FROM audit WHERE at >= ?1 AND (?2 IS NULL OR practice_id = ?2) ORDER BY id LIMIT ?3",
        )?;
        let rows = st
            .query_map(params![since.timestamp(), practice_id, limit], |r| {
                Ok(AuditEntry { at: instant(r.get(0)?), account: r.get(1)?, address: r.get(2)?, action: r.get(3)?, practice_id: r.get(4)?, object: r.get(5)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
