//! The schema and its migrations, applied in order and counted in
//! `PRAGMA user_version`, so an existing file is brought up to date on open
//! and a new file is created from nothing.

use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: everything the receptionist reads and writes.
    r#"
    CREATE TABLE practices (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        address TEXT NOT NULL DEFAULT '',
        timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
        opening_hours TEXT NOT NULL DEFAULT '[]',
        walk_in_hours TEXT NOT NULL DEFAULT '[]',
        practice_phone TEXT,
        secretaries TEXT,
        duty TEXT NOT NULL DEFAULT '{"mode":"always_on"}',
        max_future_per_phone INTEGER NOT NULL DEFAULT 3 CHECK (max_future_per_phone >= 0),
        instructions TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE dids (
        did TEXT PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE
    );
    CREATE TABLE doctors (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        working_hours TEXT NOT NULL DEFAULT '[]',
        min_notice_minutes INTEGER NOT NULL DEFAULT 60 CHECK (min_notice_minutes >= 0),
        horizon_days INTEGER NOT NULL DEFAULT 30 CHECK (horizon_days >= 0),
        dial TEXT,
        instructions TEXT NOT NULL DEFAULT '',
        UNIQUE (practice_id, name),
        UNIQUE (practice_id, position)
    );
    CREATE TABLE consultation_types (
        id INTEGER PRIMARY KEY,
        doctor_id INTEGER NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0 AND duration_minutes % 5 = 0),
        phone_bookable INTEGER NOT NULL DEFAULT 1,
        new_patients INTEGER NOT NULL DEFAULT 1,
        UNIQUE (doctor_id, name)
    );
    CREATE TABLE absences (
        id INTEGER PRIMARY KEY,
        doctor_id INTEGER NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
        start_local TEXT NOT NULL,
        end_local TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        CHECK (end_local > start_local)
    );
    CREATE TABLE holidays (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        start_day TEXT NOT NULL,
        end_day TEXT NOT NULL,
        message TEXT NOT NULL,
        CHECK (end_day >= start_day)
    );
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        name TEXT NOT NULL,
        UNIQUE (practice_id, phone, name)
    );
    CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        doctor_id INTEGER NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
        type_id INTEGER NOT NULL REFERENCES consultation_types(id),
        start_utc INTEGER NOT NULL,
        end_utc INTEGER NOT NULL,
        patient_name TEXT NOT NULL DEFAULT '',
        phone TEXT,
        name_recording TEXT,
        source TEXT NOT NULL CHECK (source IN ('phone', 'staff')),
        status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
        created_at INTEGER NOT NULL,
        CHECK (end_utc > start_utc)
    );
    CREATE INDEX appointments_by_doctor ON appointments (doctor_id, start_utc);
    CREATE INDEX appointments_by_phone ON appointments (phone, start_utc);
    -- The no-double-booking guarantee lives here: a booked appointment owns
    -- every 5-minute block it covers, and a block has one owner per doctor.
    CREATE TABLE appointment_blocks (
        doctor_id INTEGER NOT NULL,
        block INTEGER NOT NULL,
        appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
        PRIMARY KEY (doctor_id, block)
    ) WITHOUT ROWID;
    CREATE TABLE caller_rules (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        doctor_id INTEGER REFERENCES doctors(id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('allowed', 'blocked')),
        label TEXT NOT NULL DEFAULT '',
        UNIQUE (practice_id, phone)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        caller TEXT,
        received_at INTEGER NOT NULL,
        audio_path TEXT NOT NULL,
        duration_secs REAL NOT NULL DEFAULT 0,
        transcript TEXT,
        urgent INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER REFERENCES practices(id) ON DELETE SET NULL,
        uuid TEXT NOT NULL,
        caller TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    "#,
    // 2: cancel and move find an appointment's blocks without a scan.
    r#"
    CREATE INDEX appointment_blocks_by_appointment ON appointment_blocks (appointment_id);
    "#,
    // 3: the remote secretaries (a partner télésecrétariat), the practices
    // each serves, and the callers who asked to be called back.
    r#"
    CREATE TABLE secretaries (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dial TEXT NOT NULL
    );
    CREATE TABLE secretary_practices (
        secretary_id TEXT NOT NULL REFERENCES secretaries(id) ON DELETE CASCADE,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        level TEXT NOT NULL CHECK (level IN ('primary', 'overflow')),
        PRIMARY KEY (secretary_id, practice_id)
    ) WITHOUT ROWID;
    CREATE TABLE callbacks (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        caller TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        urgent INTEGER NOT NULL DEFAULT 0,
        requested_at INTEGER NOT NULL,
        placed_at INTEGER,
        placed_by TEXT,
        outcome TEXT
    );
    CREATE INDEX callbacks_open ON callbacks (placed_at, requested_at);
    "#,
    // 4: the countries a practice calls back besides France (calling codes,
    // JSON), and call-back requests counted per number and day.
    r#"
    ALTER TABLE practices ADD COLUMN callback_countries TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX callbacks_by_caller ON callbacks (caller, requested_at);
    CREATE INDEX callbacks_by_practice ON callbacks (practice_id, requested_at);
    "#,
    // 5: who may use the web side: accounts and their roles, the practices a
    // staff account sees, browser sessions and program tokens (only their
    // hashes), failed log-ins by address, and the audit log (who read or
    // changed what; never the health data itself).
    r#"
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'secretary')),
        password_hash TEXT NOT NULL,
        secretary_id TEXT,
        created_at INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER,
        CHECK (role <> 'secretary' OR secretary_id IS NOT NULL)
    );
    CREATE TABLE account_practices (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        PRIMARY KEY (account_id, practice_id)
    ) WITHOUT ROWID;
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        address TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used INTEGER,
        revoked_at INTEGER
    );
    CREATE TABLE login_failures (
        address TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX login_failures_by_address ON login_failures (address, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        account TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        practice_id INTEGER,
        object TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_time ON audit (at);
    "#,
    // 6: how long a practice keeps health data (recordings, transcripts,
    // call details); older ones are purged.
    r#"
    ALTER TABLE practices ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650);
    CREATE INDEX messages_by_time ON messages (practice_id, received_at);
    CREATE INDEX calls_by_time ON calls (practice_id, started_at);
    "#,
    // 7: a caller ID is not an identity: the patients' dates of birth, typed
    // (JJMMAA) before an appointment is read out or changed, where the
    // practice asks for it (on by default).
    r#"
    ALTER TABLE patients ADD COLUMN birth_date TEXT;
    ALTER TABLE practices ADD COLUMN verify_birth_date INTEGER NOT NULL DEFAULT 1;
    "#,
    // 8: the doctor is told: the practice's mail addresses and the hour of
    // its daily summary; mails to send, kept until sent (retried, never
    // lost); messages handled; when an appointment last changed (a move is
    // a new SEQUENCE of the same calendar event); each doctor's calendar
    // feed (a secret URL, its hash kept) and the external calendars whose
    // busy times the receptionist never offers.
    r#"
    ALTER TABLE practices ADD COLUMN email TEXT NOT NULL DEFAULT '';
    ALTER TABLE practices ADD COLUMN summary_hour INTEGER CHECK (summary_hour IS NULL OR summary_hour BETWEEN 0 AND 23);
    ALTER TABLE practices ADD COLUMN summary_sent_day TEXT;
    ALTER TABLE messages ADD COLUMN handled_at INTEGER;
    ALTER TABLE messages ADD COLUMN handled_by TEXT;
    ALTER TABLE appointments ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE appointments ADD COLUMN changed_at INTEGER;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'urgent_call', 'summary')),
        ref_id INTEGER,
        caller TEXT,
        detail TEXT NOT NULL DEFAULT '',
        urgent INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent_at INTEGER,
        last_error TEXT
    );
    CREATE INDEX outbox_due ON outbox (sent_at, due_at);
    CREATE TABLE calendar_feeds (
        doctor_id INTEGER PRIMARY KEY REFERENCES doctors(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE calendar_subscriptions (
        id INTEGER PRIMARY KEY,
        doctor_id INTEGER NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        fetched_at INTEGER,
        error TEXT,
        UNIQUE (doctor_id, url)
    );
    CREATE TABLE external_busy (
        subscription_id INTEGER NOT NULL REFERENCES calendar_subscriptions(id) ON DELETE CASCADE,
        doctor_id INTEGER NOT NULL,
        start_utc INTEGER NOT NULL,
        end_utc INTEGER NOT NULL,
        CHECK (end_utc > start_utc)
    );
    CREATE INDEX external_busy_by_doctor ON external_busy (doctor_id, start_utc);
    "#,
    // 9: the calls a remote secretary closed from her console, with their
    // outcome (the practice's figures count them as handled by a human).
    r#"
    CREATE TABLE handled_calls (
        uuid TEXT PRIMARY KEY,
        practice_id INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
        secretary TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('booked', 'cancelled', 'message', 'information', 'put_through', 'other')),
        at INTEGER NOT NULL
    );
    CREATE INDEX handled_calls_by_time ON handled_calls (practice_id, at);
    "#,
    // 10: how long a caller waited in the secretaries' queue (the practice's
    // figures: waits per day), and the calls of a practice by time.
    r#"
    ALTER TABLE calls ADD COLUMN queue_wait_secs REAL;
    CREATE INDEX calls_by_practice_time ON calls (practice_id, started_at);
    "#,
    // 11: a call-back is claimed by the secretary placing it (two clicks,
    // one call), and one that reached nobody stays to do with its attempts
    // and last outcome.
    r#"
    ALTER TABLE callbacks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE callbacks ADD COLUMN claimed_by TEXT;
    ALTER TABLE callbacks ADD COLUMN claimed_at INTEGER;
    "#,
    // 12: why a call that ended with a human went there (the figures and
    // the metrics count hand-overs by this reason).
    r#"
    ALTER TABLE calls ADD COLUMN handover TEXT;
    "#,
    // 13: what each secretary last chose (logged in, out, paused and why),
    // restored when the service starts again; the secretaries' legs rung
    // and not yet gone, hung up at the next start when a crash left them.
    r#"
    ALTER TABLE secretaries ADD COLUMN presence TEXT NOT NULL DEFAULT 'out' CHECK (presence IN ('out', 'in', 'paused'));
    ALTER TABLE secretaries ADD COLUMN pause_reason TEXT NOT NULL DEFAULT '';
    CREATE TABLE queue_legs (id TEXT PRIMARY KEY, rung_at INTEGER NOT NULL) WITHOUT ROWID;
    "#,
];

/// The version a fully migrated file reports.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Bring `conn` up to [`CURRENT_VERSION`], each step in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}
