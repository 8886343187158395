//! The driver: builds the receptionist's context from the store, then runs
//! `step → perform → step` until the receptionist is done or the caller is
//! gone. The call's set-up, deadline and record are its entry point's
//! ([`super::life`]); the wait for a secretary is [`super::wait`]'s.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::agenda::{self, Source};
use crate::reception::{Action, CallContext, DoctorChoice, Handover, Input, Outcome, Receptionist, RecordingKind, Refusal};
use crate::store::{BookError, BookingRequest, Store, StoreError};

use super::{Bridged, Channel, ChannelError, Completion, Gather, Gathered, RecordRequest};

/// What the switch told us about the call.
#[derive(Debug, Clone)]
pub struct CallSetup {
    /// The channel's unique id.
    pub uuid: String,
    /// The caller's number (E.164), `None` when withheld.
    pub caller: Option<String>,
    /// The dialled number.
    pub destination: String,
    /// The call's deadline, when the transport enforces one; moved while the
    /// caller waits for or speaks with a secretary.
    pub deadline: Option<super::Deadline>,
    /// When the call reached the service.
    pub started: DateTime<Utc>,
}

impl CallSetup {
    /// A call from `caller` to `destination`, arriving now; its deadline is
    /// set by [`super::run`].
    pub fn new(uuid: impl Into<String>, caller: Option<String>, destination: impl Into<String>) -> Self {
        Self { uuid: uuid.into(), caller, destination: destination.into(), deadline: None, started: Utc::now() }
    }
}

/// What the driver needs besides the call.
#[derive(Debug, Clone)]
pub struct DriverEnv {
    /// The practices' facts.
    pub store: Store,
    /// Where recordings go (shared with FreeSWITCH).
    pub recordings_dir: PathBuf,
    /// How the folders in it are made.
    pub folders: crate::folders::Folders,
    /// Key timeout.
    pub digit_timeout_ms: u64,
    /// Recording silence threshold.
    pub silence_threshold: u32,
    /// Seconds of silence ending a recording.
    pub silence_secs: u32,
    /// Dialplan context of the transfer targets.
    pub context: String,
    /// Secretaries' extension when the practice names none.
    pub default_secretaries: String,
    /// Seconds to let the doctor's or practice's phone ring.
    pub bridge_timeout_secs: u32,
    /// The language the receptionist speaks.
    pub lang: crate::words::catalogue::Lang,
    /// `<this>/<practice id>/<key>.wav`: a practice's own recordings.
    pub practice_prompts: PathBuf,
    /// Transcription of messages, when a speech model is loaded.
    pub transcripts: Option<crate::speech::transcription::TranscriptionPool>,
    /// Understanding short spoken answers, when a speech model is loaded.
    pub recognizer: Option<crate::speech::recognition::Recognizer>,
    /// Spoken answers decoded at once, at most (the rest fall back to keys).
    pub live_recognitions: std::sync::Arc<tokio::sync::Semaphore>,
    /// The remote secretaries' queues; without them (or for a practice no
    /// remote secretary serves) calls go to the dialplan's secretaries' extension.
    pub queues: Option<crate::queue::Queues>,
    /// What waiting callers hear.
    pub music: String,
    /// How often a waiting caller hears their position.
    pub announce_every: std::time::Duration,
    /// The call's deadline once it joins the queue (the queue's own longest
    /// wait plus the time to leave a message).
    pub queue_deadline: std::time::Duration,
    /// Call-back requests taken per number and per practice over a day.
    pub callback_limits: crate::store::CallbackLimits,
    /// The slots each live call was offered, not offered to the others.
    pub holds: super::holds::SlotHolds,
}

/// What became of a call; kept up to date while it runs, so that a deadline
/// that cuts the call short still leaves an accurate record.
#[derive(Debug, Clone)]
pub struct CallSummary {
    /// Practice found for the dialled number.
    pub practice_id: Option<i64>,
    /// Outcome so far.
    pub outcome: Outcome,
    /// Reason / detail.
    pub detail: String,
    /// Whether the call was handed to another extension (the socket must
    /// then close without hanging up).
    pub handed_over: bool,
    /// Whether no practice answers this dialled number.
    pub unrouted: bool,
    /// The secretaries' queue gave the call back once: a second hand-over
    /// goes to the dialplan's secretaries' extension, never round again.
    pub queue_gave_back: bool,
    /// Seconds the caller waited in the queue (until a secretary, the queue
    /// giving the call back, or the caller hanging up).
    pub queue_wait_secs: Option<f64>,
    /// Why the call went to a human, when it did.
    pub handover: Option<Handover>,
}

impl CallSummary {
    /// The outcome as recorded: a call cut short is abandoned, a number of
    /// no practice unrouted.
    pub fn recorded_outcome(&self) -> &'static str {
        match self.outcome {
            _ if self.unrouted => "unrouted",
            Outcome::InProgress => Outcome::Abandoned.as_str(),
            o => o.as_str(),
        }
    }

    /// Why the call went to a human, as recorded: only for a call that
    /// ended with a human (a queue that gave the call back, then a message,
    /// is not a hand-over).
    pub fn recorded_handover(&self) -> Option<&'static str> {
        match crate::store::stats::finished_by(self.recorded_outcome()) {
            crate::store::stats::Finished::HandedOver { .. } => Some(self.handover.map(Handover::as_str).unwrap_or("unknown")),
            _ => None,
        }
    }
}

impl Default for CallSummary {
    fn default() -> Self {
        Self {
            practice_id: None,
            outcome: Outcome::InProgress,
            detail: String::new(),
            handed_over: false,
            unrouted: false,
            queue_gave_back: false,
            queue_wait_secs: None,
            handover: None,
        }
    }
}

fn store_failed(e: StoreError) -> Input {
    Input::Failed(e.to_string())
}

/// What the call needs of the store before its first word: the practice
/// the dialled number reaches (`None` when it reaches none), its doctors and
/// the types each lets this caller book by phone, the caller's rule. Its own
/// future, so that it is read while the channel is being set up.
pub async fn context(env: &DriverEnv, setup: &CallSetup, now: DateTime<Utc>) -> Result<Option<CallContext>, StoreError> {
    let destination = setup.destination.clone();
    let caller = setup.caller.clone();
    let lang = env.lang;
    let speech = env.recognizer.is_some();
    env.store
        .run(move |db| {
            let Some(snap) = db.snapshot_by_did(&destination)? else { return Ok(None) };
            let p = snap.practice.id;
            let (rule, names, birth_dates, last_booked) = match &caller {
                Some(c) => (db.caller_rule(p, c)?, db.patient_names(p, c)?, db.birth_dates(p, c)?, db.last_booked(p, c)?),
                None => (None, Vec::new(), Vec::new(), None),
            };
            let known = !names.is_empty();
            let doctors = snap
                .doctors
                .iter()
                .map(|d| DoctorChoice {
                    id: d.id,
                    name: d.name.clone(),
                    types: snap.types.iter().filter(|t| t.doctor_id == d.id && t.bookable_by_phone(known)).map(|t| (t.id, t.name.clone())).collect(),
                    horizon_days: d.horizon_days,
                    dial: d.dial.clone(),
                })
                .filter(|d| !d.types.is_empty())
                .collect();
            let duty = agenda::duty_at(&snap.practice.duty, &snap.holidays, snap.practice.timezone, now);
            let callable = caller.as_deref().is_some_and(|c| agenda::phone::callback_check(c, &snap.practice.callback_countries).is_ok());
            Ok(Some(CallContext {
                practice: snap.practice,
                doctors,
                caller,
                caller_rule: rule,
                duty,
                now,
                lang,
                speech,
                callable,
                birth_dates,
                name_on_file: if let [name] = names.as_slice() { Some(name.clone()) } else { None },
                last_booked,
            }))
        })
        .await
}

/// Drive one call from its context, read beforehand with [`context`] (the
/// entry point, [`super::run`], reads it while the channel is being set up,
/// so the answer does not wait for the store). `summary` is updated as the
/// call goes.
pub async fn drive_from<C: Channel>(
    channel: &mut C,
    env: &DriverEnv,
    setup: &CallSetup,
    summary: &mut CallSummary,
    ctx: Result<Option<CallContext>, StoreError>,
) -> Result<(), ChannelError> {
    let ctx = match ctx {
        Ok(Some(ctx)) => ctx,
        Ok(None) => {
            warn!(destination = %setup.destination, "no practice for this dialled number: handing the call back to the dialplan");
            summary.unrouted = true;
            summary.detail = format!("numéro {} non attribué", setup.destination);
            return Ok(());
        }
        Err(e) => {
            warn!(error = %e, "store unavailable at call start: handing the call to the secretaries");
            summary.detail = format!("erreur de la base au début de l'appel: {e}");
            summary.outcome = Outcome::Secretaries;
            summary.handover = Some(Handover::ServiceError);
            let _ = channel.set_vars(&[("standardiste_reason", summary.detail.clone())]).await;
            channel.transfer(&env.default_secretaries, &env.context).await?;
            summary.handed_over = true;
            return Ok(());
        }
    };
    summary.practice_id = Some(ctx.practice.id);
    tracing::Span::current().record("practice", ctx.practice.id);
    channel.use_practice_recordings(crate::speech::Recordings { folder: env.practice_prompts.join(ctx.practice.id.to_string()) });
    // However the call ends, the slots it was offered are offered again.
    let _holds = env.holds.guard(&setup.uuid);
    let mut call = Call {
        name_on_file: ctx.name_on_file.clone(),
        practice_id: ctx.practice.id,
        practice_name: ctx.practice.name.clone(),
        secretaries: ctx.practice.secretaries.clone().unwrap_or_else(|| env.default_secretaries.clone()),
        recordings: 0,
        channel,
        env,
        setup,
        summary,
    };
    let mut rec = Receptionist::new(ctx);
    let mut input = Input::Start;
    loop {
        // The receptionist is told of a hang-up once, and gets one last word
        // (keeping a message); nothing is asked of the caller after it. A
        // hang-up the channel saw while a step ran (a recording the caller
        // ended by hanging up) reaches her as the next question's answer.
        let told_hang_up = input == Input::HungUp;
        let (next, actions) = rec.step(input);
        rec = next;
        call.summary.outcome = rec.outcome();
        call.summary.detail = rec.detail().to_string();
        call.summary.handover = rec.handover();
        if actions.is_empty() {
            break;
        }
        call.channel.forget_typed_keys();
        let mut last = Input::Done;
        for action in actions {
            let is_final = action.is_final();
            last = match call.perform(action).await {
                // No voice: the receptionist hands the call over, with the reason.
                Err(ChannelError::Speech(e)) => {
                    warn!(error = %e, "a prompt could not be rendered");
                    Input::Failed(format!("voix indisponible: {e}"))
                }
                other => other?,
            };
            if last == Input::HungUp || is_final {
                break;
            }
        }
        if told_hang_up || (rec.is_done() && !matches!(last, Input::SecretariesUnavailable { .. })) {
            break;
        }
        input = last;
    }
    Ok(())
}

/// One call in progress: its channel, what it needs of the service, the
/// practice it reached, and its summary so far.
pub(super) struct Call<'a, C> {
    pub(super) channel: &'a mut C,
    pub(super) env: &'a DriverEnv,
    pub(super) setup: &'a CallSetup,
    pub(super) summary: &'a mut CallSummary,
    practice_id: i64,
    practice_name: String,
    /// The dialplan extension of the practice's secretaries.
    secretaries: String,
    /// Recordings made so far (each file gets its own number).
    recordings: u32,
    /// The one name the practice has for the caller's number: a booking
    /// with no name said takes it.
    name_on_file: Option<String>,
}

impl<C: Channel> Call<'_, C> {
    /// Carry out one of the receptionist's actions; what came of it is the
    /// receptionist's next input.
    async fn perform(&mut self, action: Action) -> Result<Input, ChannelError> {
        let (env, setup, practice_id) = (self.env, self.setup, self.practice_id);
        let hung = |c: Completion| if c == Completion::HungUp { Input::HungUp } else { Input::Done };
        let now = Utc::now();
        let caller = setup.caller.clone();
        Ok(match action {
            Action::Answer => hung(self.channel.answer().await?),
            Action::Say(text) => hung(self.channel.say(&text).await?),
            Action::Ask { prompt, max_digits } => {
                let g = Gather { prompt, min: 1, max: max_digits, timeout_ms: env.digit_timeout_ms, terminators: "#".into(), tries: 1 };
                match self.channel.gather(&g).await? {
                    Gathered::Digits(d) => Input::Digits(d),
                    Gathered::Timeout => Input::NoInput,
                    Gathered::HungUp => Input::HungUp,
                }
            }
            Action::Record { prompt, kind, max_secs } => {
                self.recordings += 1;
                let folder = env.recordings_dir.join(practice_id.to_string());
                if let Err(e) = env.folders.make_async(&folder).await {
                    warn!(error = %e, folder = %folder.display(), "cannot create the recordings folder; FreeSWITCH may still write it");
                }
                let label = match kind {
                    RecordingKind::Name => "nom",
                    RecordingKind::Message => "message",
                    RecordingKind::Answer => "reponse",
                };
                let path = folder.join(format!("{}-{}-{}-{}.wav", now.format("%Y%m%d-%H%M%S"), setup.uuid, label, self.recordings));
                let req = RecordRequest {
                    prompt,
                    path: path.to_string_lossy().into_owned(),
                    max_secs,
                    silence_threshold: env.silence_threshold,
                    silence_secs: env.silence_secs,
                };
                let r = self.channel.record(&req).await?;
                if r.secs >= 1.0 {
                    Input::Recorded { path: req.path, secs: r.secs }
                } else if r.hung_up {
                    Input::HungUp
                } else {
                    Input::NothingRecorded
                }
            }
            Action::FindSlots { doctor_id, type_id, after, count } => {
                let (holds, uuid) = (env.holds.clone(), setup.uuid.clone());
                match env
                    .store
                    .run(move |db| holds.offer(&uuid, doctor_id, now, |held| db.free_slots_besides(doctor_id, type_id, now, after, count, held)))
                    .await
                {
                    Ok(slots) => Input::Slots(slots),
                    Err(e) => store_failed(e),
                }
            }
            Action::Book { doctor_id, type_id, start, name_recording } => {
                // No name said: the one the practice has for this number.
                let patient_name = if name_recording.is_none() { self.name_on_file.clone().unwrap_or_default() } else { String::new() };
                let req = BookingRequest { doctor_id, type_id, start, patient_name, phone: caller, name_recording, source: Source::Phone, now };
                let booked = env.store.run(move |db| db.book(&req)).await;
                // Booked or refused (a new offer follows): the slots offered
                // are no longer this call's to hold.
                env.holds.release(&setup.uuid);
                match booked {
                    Ok(Ok(appt)) => {
                        info!(appointment = appt.id, "booked");
                        if let (Some(pool), Some(audio)) = (&env.transcripts, &appt.name_recording) {
                            pool.submit(crate::speech::transcription::Job {
                                target: crate::speech::transcription::Target::AppointmentName(appt.id),
                                audio: PathBuf::from(audio),
                            });
                        }
                        Input::Booked(appt)
                    }
                    Ok(Err(refusal)) => Input::Refused(refusal_of(refusal)),
                    Err(e) => store_failed(e),
                }
            }
            Action::Understand { recording } => {
                let choice = understand(env, recording.clone()).await;
                // The clip served its purpose: it is not kept.
                discard(&recording);
                Input::Understood(choice)
            }
            Action::Discard { recording } => {
                discard(&recording);
                Input::Done
            }
            Action::ListAppointments => match caller {
                None => Input::Appointments(Vec::new()),
                Some(phone) => match env.store.run(move |db| db.future_appointments(practice_id, &phone, now)).await {
                    Ok(list) => Input::Appointments(list),
                    Err(e) => store_failed(e),
                },
            },
            Action::Cancel { appointment_id } => match env.store.run(move |db| db.cancel(appointment_id, caller.as_deref())).await {
                Ok(done) => Input::Cancelled(done),
                Err(e) => store_failed(e),
            },
            Action::Move { appointment_id, start } => match env.store.run(move |db| db.move_appointment(appointment_id, caller.as_deref(), start, now)).await {
                Ok(Ok(appt)) => Input::Booked(appt),
                Ok(Err(refusal)) => Input::Refused(refusal_of(refusal)),
                Err(e) => store_failed(e),
            },
            Action::SaveMessage { recording, secs, urgent } => {
                let audio = PathBuf::from(&recording);
                match env.store.run(move |db| db.save_message(practice_id, caller.as_deref(), now, &recording, secs, urgent)).await {
                    Ok(id) => {
                        info!(message = id, "message stored");
                        if let Some(pool) = &env.transcripts {
                            pool.submit(crate::speech::transcription::Job { target: crate::speech::transcription::Target::Message(id), audio });
                        }
                        Input::Done
                    }
                    Err(e) => {
                        // The recording itself is on disk; the log keeps its path.
                        warn!(error = %e, "could not store the message row");
                        store_failed(e)
                    }
                }
            }
            Action::Bridge { dial } => match self.channel.bridge(&dial, env.bridge_timeout_secs).await? {
                Bridged::Answered => Input::BridgeEnded { answered: true },
                Bridged::Failed(cause) => {
                    info!(%cause, "bridge not answered");
                    Input::BridgeEnded { answered: false }
                }
                Bridged::HungUp => Input::HungUp,
            },
            Action::ToSecretaries { reason, urgent } => {
                if urgent {
                    // The practice is told at once, whoever answers the call.
                    let (caller, detail) = (caller.clone(), reason.clone());
                    let told = env
                        .store
                        .run(move |db| {
                            db.notify(&crate::store::NewNotice {
                                practice_id,
                                kind: crate::store::NoticeKind::UrgentCall,
                                ref_id: None,
                                caller: caller.as_deref(),
                                detail: &detail,
                                urgent: true,
                                due: now,
                            })
                        })
                        .await;
                    if let Err(e) = told {
                        warn!(error = %e, "the urgent call's notice to the practice could not be written");
                    }
                }
                if let Some(queues) = env.queues.as_ref().filter(|_| !self.summary.queue_gave_back) {
                    let call = crate::queue::WaitingCall {
                        uuid: setup.uuid.clone(),
                        practice_id,
                        caller: caller.clone(),
                        reason: reason.clone(),
                        urgent,
                        since: Utc::now(),
                    };
                    match queues.join(call, &self.practice_name).await {
                        Ok(ticket) => return self.wait_for_secretary(queues, ticket).await,
                        Err(crate::queue::JoinError::NoSecretaries) => {}
                        Err(e) => warn!(error = %e, "the secretaries' queue is not available: the dialplan takes the call"),
                    }
                }
                let vars = [
                    ("standardiste_practice", self.practice_name.clone()),
                    ("standardiste_practice_id", practice_id.to_string()),
                    ("standardiste_reason", reason),
                    ("standardiste_urgent", urgent.to_string()),
                ];
                if self.channel.set_vars(&vars).await? == Completion::HungUp {
                    return Ok(Input::HungUp);
                }
                let c = self.channel.transfer(&self.secretaries, &env.context).await?;
                self.summary.handed_over = c == Completion::Done;
                hung(c)
            }
            Action::ToPracticePhone { dial } => {
                if self.channel.set_vars(&[("standardiste_practice", self.practice_name.clone())]).await? == Completion::HungUp {
                    return Ok(Input::HungUp);
                }
                match self.channel.bridge(&dial, env.bridge_timeout_secs).await? {
                    Bridged::Answered => Input::BridgeEnded { answered: true },
                    Bridged::HungUp => Input::HungUp,
                    Bridged::Failed(_) => Input::BridgeEnded { answered: false },
                }
            }
            Action::RequestCallback { reason, urgent } => match caller.map(|c| (c, env.callback_limits)) {
                Some((phone, limits)) => match env.store.run(move |db| db.request_callback(practice_id, &phone, &reason, urgent, now, limits)).await {
                    Ok(Ok(id)) => {
                        info!(callback = id, "call back requested");
                        Input::Done
                    }
                    Ok(Err(why)) => {
                        warn!(%why, "call back refused: the caller leaves a message instead");
                        Input::CallbackRefused
                    }
                    Err(e) => store_failed(e),
                },
                None => Input::Failed("rappel demandé sans numéro".into()),
            },
            Action::Hangup => hung(self.channel.hangup().await?),
        })
    }
}

/// Delete a recording nobody needs any more (a replaced take, a decoded
/// answer); one already gone is fine.
fn discard(path: &str) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => warn!(error = %e, "a recording that is no longer needed could not be deleted"),
    }
}

/// The menu choice a short recorded answer names: decoded with a hard time
/// limit (waiting for a free decoder included); anything else is "not understood".
async fn understand(env: &DriverEnv, recording: String) -> Option<crate::words::intent::MenuChoice> {
    use crate::speech::recognition::{Decoding, read_wav_16k};
    let recognizer = env.recognizer.clone()?;
    let lang = env.lang;
    let decoding = Decoding::short_answer(lang.voice(), crate::words::catalogue::text(lang, crate::words::catalogue::Key("speech.expected")));
    let limit = decoding.time_limit;
    let permits = env.live_recognitions.clone();
    let work = async move {
        let _permit = permits.acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(move || {
            let samples = read_wav_16k(std::path::Path::new(&recording)).ok()?;
            recognizer.transcribe(&samples, &decoding).ok()
        })
        .await
        .ok()
        .flatten()
    };
    match tokio::time::timeout(limit, work).await {
        Ok(Some(text)) => {
            let choice = crate::words::intent::menu_choice(&text);
            info!(?choice, "spoken answer understood");
            choice
        }
        _ => {
            info!("spoken answer not understood in time");
            None
        }
    }
}

fn refusal_of(e: BookError) -> Refusal {
    match e {
        BookError::SlotTaken => Refusal::SlotTaken,
        BookError::TooManyFuture { max } => Refusal::TooMany(max),
        BookError::NotBookable(_) => Refusal::NotBookable,
    }
}
