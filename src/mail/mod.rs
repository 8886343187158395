//! Telling the practice: each new message (with its transcript when it is
//! ready, and the recording attached), each urgent call handed over (at
//! once, "URGENT" in the subject), and a daily summary at the practice's
//! hour — by SMTP through `lettre`, from the notices the store keeps.
//!
//! One task, apart from the calls: a relay that is down never holds a call
//! up. A notice is marked sent only once the relay accepted the mail; a
//! failure is tried again with a growing delay (30 s, 1 min, 2 min… up to an
//! hour), for as long as it takes.

mod words;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::store::{MailSettings, Notice, NoticeKind, Store, StoreError};
use crate::words::catalogue::Lang;
pub use words::MailWords;

/// Largest recording attached (bytes); a longer one is linked, not sent.
const MAX_ATTACHMENT: u64 = 10 * 1024 * 1024;

/// A notice looked at before its transcript came is looked at again after this.
const TRANSCRIPT_RETRY: Span = Span::seconds(5);

/// Notices sent per round.
const BATCH: usize = 20;

/// How the mailer sends.
#[derive(Debug, Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Wording of the mails.
    lang: Lang,
    transcript_wait: Span,
    public_url: String,
    poll: Duration,
}

/// Why the mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `[mail] from` does not parse.
    #[error("[mail] from: {0}")]
    From(String),
    /// The relay's TLS set-up failed.
    #[error("[mail] relay {relay}: {detail}")]
    Relay {
        /// The relay.
        relay: String,
        /// What failed.
        detail: String,
    },
}

/// The delay before try `attempts + 1` of a notice that failed `attempts` times.
pub fn backoff(attempts: i64) -> Span {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Span::seconds(secs.min(3600))
}

impl Mailer {
    /// From the configuration; `None` without a relay.
    pub fn new(config: &crate::config::Config) -> Result<Option<Self>, MailError> {
        let m = &config.mail;
        if m.relay.is_empty() {
            return Ok(None);
        }
        let from: Mailbox = m.from.parse().map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        let relay_err = |e: lettre::transport::smtp::Error| MailError::Relay { relay: m.relay.clone(), detail: e.to_string() };
        let builder = if m.port == 465 {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&m.relay).map_err(relay_err)?
        } else if m.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&m.relay).map_err(relay_err)?
        } else {
            // Plain SMTP: for a relay on this host or a trusted network only.
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.relay)
        };
        let mut builder = builder.port(m.port).timeout(Some(Duration::from_secs(30)));
        if !m.username.is_empty() {
            builder = builder.credentials(Credentials::new(m.username.clone(), m.password.clone()));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
            lang: config.speech.language,
            transcript_wait: Span::seconds(m.transcript_wait_secs as i64),
            public_url: m.public_url.trim_end_matches('/').to_string(),
            poll: Duration::from_secs(m.poll_secs.max(1)),
        }))
    }

    /// Whether messages get transcripts (a speech model is loaded): without,
    /// a message's mail waits for none.
    pub fn expect_transcripts(mut self, yes: bool) -> Self {
        if !yes {
            self.transcript_wait = Span::zero();
        }
        self
    }

    /// Send what is due, queue the summaries whose hour has come, until
    /// `shutdown`.
    pub async fn run(self, store: Store, mut shutdown: watch::Receiver<bool>) {
        info!(relay = ?self.transport, "mail to the practices: on");
        loop {
            if let Err(e) = self.round(&store, Utc::now()).await {
                warn!(error = %e, "mail: the store could not be read; tried again");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// One round: summaries due, then the notices due.
    pub async fn round(&self, store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
        for m in store.run(|db| db.mail_settings()).await? {
            if let Some(day) = summary_due(&m, now) {
                store.run(move |db| db.queue_summary(m.practice_id, day, now)).await?;
            }
        }
        let due = store.run(move |db| db.due_notices(now, BATCH)).await?;
        let mut sent = 0;
        for notice in due {
            let id = notice.id;
            match self.compose(store, &notice, now).await? {
                Compose::Later => store.run(move |db| db.postpone_notice(id, now + TRANSCRIPT_RETRY)).await?,
                Compose::Nothing(why) => {
                    info!(notice = id, kind = notice.kind.name(), %why, "mail: nothing to send");
                    store.run(move |db| db.notice_sent(id, now)).await?;
                }
                Compose::Mail(mail) => match self.transport.send(*mail).await {
                    Ok(_) => {
                        info!(notice = id, kind = notice.kind.name(), urgent = notice.urgent, "mail sent");
                        sent += 1;
                        store.run(move |db| db.notice_sent(id, now)).await?;
                    }
                    Err(e) => {
                        let next = now + backoff(notice.attempts);
                        warn!(notice = id, error = %e, retry_at = %next, "mail not sent: tried again later");
                        let error = e.to_string();
                        store.run(move |db| db.notice_failed(id, &error, next)).await?;
                    }
                },
            }
        }
        Ok(sent)
    }

    async fn compose(&self, store: &Store, n: &Notice, now: DateTime<Utc>) -> Result<Compose, StoreError> {
        let practice_id = n.practice_id;
        let settings = store.run(move |db| db.practice_mail(practice_id)).await?;
        if settings.emails.is_empty() {
            return Ok(Compose::Nothing("the practice has no mail address".into()));
        }
        let w = words::for_lang(self.lang);
        let link = |path: &str| if self.public_url.is_empty() { String::new() } else { format!("\n{}{path}\n", self.public_url) };
        let when = |t: DateTime<Utc>| t.with_timezone(&settings.tz).format("%d/%m/%Y %H:%M").to_string();
        let caller = n.caller.clone().unwrap_or_else(|| w.withheld.to_string());
        let (subject, body, attachment) = match n.kind {
            NoticeKind::Message => {
                let Some(id) = n.ref_id else { return Ok(Compose::Nothing("no message".into())) };
                let msg = match store.run(move |db| db.message(practice_id, id)).await {
                    Ok(m) => m,
                    Err(StoreError::NotFound(_)) => return Ok(Compose::Nothing("the message is gone (retention, or forgotten)".into())),
                    Err(e) => return Err(e),
                };
                if msg.transcript.is_none() && !msg.urgent && now - msg.received_at < self.transcript_wait {
                    return Ok(Compose::Later);
                }
                let subject = format!("{}{} — {}", if msg.urgent { w.urgent_tag } else { "" }, w.message_subject, settings.name);
                let transcript = msg.transcript.clone().unwrap_or_else(|| w.no_transcript.to_string());
                let body = format!(
                    "{}\n\n{}: {}\n{}: {}\n{}: {:.0} s\n\n{}:\n{}\n{}",
                    w.message_intro,
                    w.received,
                    when(msg.received_at),
                    w.caller,
                    caller,
                    w.length,
                    msg.duration_secs,
                    w.transcript,
                    transcript,
                    link("/messages")
                );
                (subject, body, Some(msg.audio_path))
            }
            NoticeKind::UrgentCall => {
                let subject = format!("{}{} — {}", w.urgent_tag, w.urgent_call_subject, settings.name);
                let body = format!(
                    "{}\n\n{}: {}\n{}: {}\n{}: {}\n{}",
                    w.urgent_call_intro,
                    w.received,
                    when(n.created_at),
                    w.caller,
                    caller,
                    w.reason,
                    n.detail,
                    link("/today")
                );
                (subject, body, None)
            }
            NoticeKind::Summary => {
                let Ok(day) = n.detail.parse::<NaiveDate>() else { return Ok(Compose::Nothing("summary without its day".into())) };
                let to = settings
                    .tz
                    .from_local_datetime(&day.and_hms_opt(settings.summary_hour.unwrap_or(0), 0, 0).unwrap_or_default())
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or(now);
                let from = to - Span::hours(24);
                let f = store.run(move |db| db.figures(practice_id, from, to)).await?;
                let mut body = format!("{} {} – {}\n\n{}: {}\n", w.summary_intro, when(from), when(to), w.calls, f.total_calls);
                for (outcome, count) in &f.calls {
                    body.push_str(&format!("  - {}: {count}\n", w.outcome(outcome)));
                }
                body.push_str(&format!(
                    "{}: {}\n{}: {}\n{}: {} ({} {})\n{}",
                    w.booked,
                    f.booked,
                    w.cancelled,
                    f.cancelled,
                    w.messages,
                    f.messages,
                    f.urgent_messages,
                    w.of_which_urgent,
                    link("/today")
                ));
                (format!("{} {} — {}", w.summary_subject, day.format("%d/%m/%Y"), settings.name), body, None)
            }
        };
        match self.build(&settings, n.urgent, &subject, body, attachment.as_deref()) {
            Ok(m) => Ok(Compose::Mail(Box::new(m))),
            Err(e) => Ok(Compose::Nothing(format!("the mail cannot be built: {e}"))),
        }
    }

    fn build(&self, s: &MailSettings, urgent: bool, subject: &str, body: String, audio: Option<&str>) -> Result<Message, String> {
        let mut b = Message::builder().from(self.from.clone()).subject(subject);
        for to in &s.emails {
            b = b.to(to.parse::<Mailbox>().map_err(|e| format!("{to}: {e}"))?);
        }
        if urgent {
            b = b.header(Priority);
        }
        let text = SinglePart::plain(body);
        let file = audio.map(Path::new).filter(|p| std::fs::metadata(p).map(|m| m.is_file() && m.len() <= MAX_ATTACHMENT).unwrap_or(false));
        let message = match file.and_then(|p| std::fs::read(p).ok().map(|bytes| (p, bytes))) {
            Some((p, bytes)) => {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "message.wav".into());
                let wav = ContentType::parse("audio/wav").map_err(|e| e.to_string())?;
                b.multipart(MultiPart::mixed().singlepart(text).singlepart(Attachment::new(name).body(bytes, wav)))
            }
            None => b.singlepart(text),
        };
        message.map_err(|e| e.to_string())
    }
}

/// Whether a practice's summary is due at `now`: the local day whose hour has come and that has no summary yet.
fn summary_due(m: &MailSettings, now: DateTime<Utc>) -> Option<NaiveDate> {
    use chrono::Timelike;
    let hour = m.summary_hour?;
    let local = now.with_timezone(&m.tz);
    let today = local.date_naive();
    (local.hour() >= hour && m.summary_sent_day.is_none_or(|d| d < today)).then_some(today)
}

/// What a notice becomes.
enum Compose {
    /// Its transcript is still to come.
    Later,
    /// Nothing to send (and why).
    Nothing(String),
    /// A mail.
    Mail(Box<Message>),
}

/// `X-Priority: 1` (urgent), which mail clients show.
#[derive(Debug, Clone)]
struct Priority;

impl lettre::message::header::Header for Priority {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Priority")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Priority)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "1 (Highest)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour() {
        assert_eq!(backoff(0), Span::seconds(30));
        assert_eq!(backoff(1), Span::seconds(60));
        assert_eq!(backoff(6), Span::seconds(1920));
        assert_eq!(backoff(7), Span::seconds(3600));
        assert_eq!(backoff(500), Span::seconds(3600));
    }

    #[test]
    fn the_summary_is_due_once_a_day_from_its_hour() {
        let tz = chrono_tz::Europe::Paris;
        let mut m = MailSettings { practice_id: 1, name: "C".into(), tz, emails: vec![], summary_hour: Some(19), summary_sent_day: None };
        let at = |h| tz.with_ymd_and_hms(2026, 12, 1, h, 5, 0).unwrap().with_timezone(&Utc);
        assert_eq!(summary_due(&m, at(18)), None);
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(summary_due(&m, at(19)), Some(day));
        m.summary_sent_day = Some(day);
        assert_eq!(summary_due(&m, at(22)), None);
        m.summary_hour = None;
        m.summary_sent_day = None;
        assert_eq!(summary_due(&m, at(22)), None);
    }
}
