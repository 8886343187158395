//! The accounts' commands: `user add|list|passwd|remove`, `token
//! create|list|revoke`, and `audit`. Each change is written to the audit
//! log as the command line's (`cli`, `local`).

use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{NaiveDate, Utc};

use super::args::{TokenCmd, UserCmd};
use super::{Failure, data, failed};
use crate::store::{AuditEntry, Db, Role};
use crate::web::auth::secret;

fn cli_audit(db: &mut Db, action: &str, practice_id: Option<i64>, object: &str) -> Result<(), Failure> {
    db.audit(&AuditEntry { at: Utc::now(), account: "cli".into(), address: "local".into(), action: action.into(), practice_id, object: object.into() })
        .map_err(Failure::from)
}

/// The password: the first line of the file, or of standard input.
fn read_password(file: Option<&Path>) -> Result<String, Failure> {
    let mut line = String::new();
    match file {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| data(format!("{}: {e}", f.display())))?;
            line = text.lines().next().unwrap_or("").to_string();
        }
        None => {
            std::io::stdin().lock().read_line(&mut line).map_err(failed)?;
        }
    }
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < secret::MIN_PASSWORD_CHARS {
        return Err(data(format!("password: {} caractères au moins (lu sur l'entrée standard ou --password-file)", secret::MIN_PASSWORD_CHARS)));
    }
    Ok(password)
}

/// `user …`
pub fn user(db: &mut Db, cmd: UserCmd, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        UserCmd::Add { login, role, practices, secretary, password_file } => {
            let role: Role = role.parse().map_err(|e: crate::agenda::RuleError| data(e.to_string()))?;
            let mut ids = Vec::new();
            for p in &practices {
                ids.push(super::admin::practice(db, p)?);
            }
            if role != Role::Staff && !ids.is_empty() {
                return Err(data("practice: seul un compte staff nomme ses cabinets (un admin les voit tous, une secrétaire ceux qu'elle sert)"));
            }
            if role != Role::Secretary && secretary.is_some() {
                return Err(data("secretary: seul un compte secretary nomme sa secrétaire"));
            }
            let hash = secret::hash_password(&read_password(password_file.as_deref())?).map_err(|e| data(e.to_string()))?;
            let id = db.add_account(&login, role, &hash, secretary.as_deref(), &ids, Utc::now())?;
            cli_audit(db, "account.add", None, &login)?;
            writeln!(out, "compte n°{id} créé: {login} ({})", role.name()).map_err(failed)
        }
        UserCmd::List => {
            let names: std::collections::HashMap<i64, String> =
                db.practice_ids()?.into_iter().filter_map(|id| db.snapshot(id).ok().map(|s| (id, s.practice.name))).collect();
            for a in db.accounts()? {
                let practices: Vec<&str> = a.practices.iter().filter_map(|p| names.get(p).map(String::as_str)).collect();
                let locked = a.locked_until.filter(|t| *t > Utc::now()).map(|t| format!(" (verrouillé jusqu'à {})", t.format("%H:%M"))).unwrap_or_default();
                writeln!(out, "{}\t{}\t{}\t{}{locked}", a.login, a.role.name(), a.secretary_id.as_deref().unwrap_or("-"), practices.join(", "))
                    .map_err(failed)?;
            }
            Ok(())
        }
        UserCmd::Passwd { login, password_file } => {
            let hash = secret::hash_password(&read_password(password_file.as_deref())?).map_err(|e| data(e.to_string()))?;
            db.set_password(&login, &hash)?;
            cli_audit(db, "account.password", None, &login)?;
            writeln!(out, "mot de passe de {login} changé; ses sessions sont fermées").map_err(failed)
        }
        UserCmd::Remove { login } => {
            db.remove_account(&login)?;
            cli_audit(db, "account.remove", None, &login)?;
            writeln!(out, "compte {login} supprimé").map_err(failed)
        }
    }
}

/// `token …`
pub fn token(db: &mut Db, cmd: TokenCmd, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        TokenCmd::Create { login, name } => {
            let account = db.account(&login)?.ok_or_else(|| data(format!("login: compte « {login} » inconnu")))?;
            let (token, kept) = secret::new_token().map_err(failed)?;
            let id = db.add_token(account.id, &name, &kept, Utc::now())?;
            cli_audit(db, "token.create", None, &format!("{id} ({login})"))?;
            writeln!(out, "{token}").map_err(failed)?;
            eprintln!("jeton n°{id} pour {login}: il n'est affiché qu'une fois (seule son empreinte est gardée)");
            Ok(())
        }
        TokenCmd::List => {
            for t in db.tokens()? {
                let state = match (t.revoked_at, t.last_used) {
                    (Some(r), _) => format!("révoqué le {}", r.format("%Y-%m-%d %H:%M")),
                    (None, Some(u)) => format!("utilisé le {}", u.format("%Y-%m-%d %H:%M")),
                    (None, None) => "jamais utilisé".into(),
                };
                writeln!(out, "{}\t{}\t{}\tcréé le {}\t{state}", t.id, t.login, t.name, t.created_at.format("%Y-%m-%d %H:%M")).map_err(failed)?;
            }
            Ok(())
        }
        TokenCmd::Revoke { id } => {
            let login = db.revoke_token(id, Utc::now())?;
            cli_audit(db, "token.revoke", None, &format!("{id} ({login})"))?;
            writeln!(out, "jeton n°{id} de {login} révoqué").map_err(failed)
        }
    }
}

/// `audit`
pub fn audit(db: &mut Db, practice: Option<String>, since: Option<String>, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let practice_id = match &practice {
        Some(p) => Some(super::admin::practice(db, p)?),
        None => None,
    };
    let since = match since {
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| data(format!("since: « {d} » n'est pas une date (attendu: 2026-12-01)")))?
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| data("since: date illisible"))?,
        None => Utc::now() - chrono::Duration::days(1),
    };
    let log = db.audit_log(practice_id, since, 100_000)?;
    if json {
        return writeln!(out, "{}", serde_json::to_string_pretty(&log).map_err(failed)?).map_err(failed);
    }
    for e in log {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.account,
            e.address,
            e.action,
            e.practice_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            e.object
        )
        .map_err(failed)?;
    }
    Ok(())
}

/// `purge`
pub fn purge(db: &mut Db, practice: Option<String>, dry: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let ids = match &practice {
        Some(p) => vec![super::admin::practice(db, p)?],
        None => db.practice_ids()?,
    };
    for id in ids {
        let name = db.snapshot(id)?.practice.name;
        let done = db.purge(id, Utc::now(), dry)?;
        if !dry {
            crate::store::retention::delete_files(&done.files);
            cli_audit(db, "purge", Some(id), &done.summary())?;
        }
        writeln!(out, "{name}: {}{}", if dry { "à purger: " } else { "purgé: " }, done.summary()).map_err(failed)?;
    }
    Ok(())
}

/// `patient forget`
pub fn forget(db: &mut Db, number: &str, practice: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let id = super::admin::practice(db, practice)?;
    let phone = crate::agenda::phone::normalize(number).map_err(|e| data(format!("number: {e}")))?;
    let done = db.forget(id, &phone, Utc::now())?;
    crate::store::retention::delete_files(&done.files);
    cli_audit(db, "patient.forget", Some(id), &format!("{}: {}", crate::agenda::phone::mask(&phone), done.summary()))?;
    writeln!(out, "{}: effacé — {}", crate::agenda::phone::mask(&phone), done.summary()).map_err(failed)
}
