//! The wait for a secretary: the caller hears music (another when it
//! cannot be played, then silence; a message rather than a wait in
//! silence), their position now and then, until a secretary is ready (then
//! the bridge, then the end of the call), the queue gives the call back, or
//! the caller hangs up.

use tracing::{info, warn};

use super::driver::Call;
use super::{Bridged, CallSummary, Channel, ChannelError, Completion, Held, Music};
use crate::queue::{News, Queues, TakeBack, Ticket};
use crate::reception::{Input, Outcome};
use crate::words::Utterance;
use crate::words::catalogue::Key;

impl<C: Channel> Call<'_, C> {
    /// The caller waits in the secretaries' queue: music, their position now and
    /// then, until a secretary is ready (then the bridge, then the end of the
    /// call), the queue gives the call back, or the caller hangs up.
    pub(super) async fn wait_for_secretary(&mut self, queues: &Queues, mut ticket: Ticket) -> Result<Input, ChannelError> {
        let (env, setup) = (self.env, self.setup);
        let (channel, summary) = (&mut *self.channel, &mut *self.summary);
        if let Some(d) = &setup.deadline {
            d.set(tokio::time::Instant::now() + env.queue_deadline);
        }
        let uuid = setup.uuid.as_str();
        let mut music = Music::Source(env.music.clone());
        let mut quick_ends = 0u32;
        let joined = tokio::time::Instant::now();
        let waited = |summary: &mut CallSummary| summary.queue_wait_secs = Some(joined.elapsed().as_secs_f64());
        // The caller hung up before talking to a secretary: on hold, during
        // an announcement of their place, or as the bridge was being made.
        let abandoned = |summary: &mut CallSummary| {
            queues.leave(uuid);
            if summary.queue_wait_secs.is_none() {
                waited(summary);
            }
            summary.outcome = Outcome::Abandoned;
            summary.detail = format!("{}; raccroché en attente du secrétariat", summary.detail);
            Ok(Input::HungUp)
        };
        loop {
            let every = env.announce_every;
            let started = tokio::time::Instant::now();
            // News already there (given back at once) needs no music.
            let held = match ticket.news.try_recv() {
                Ok(news) => Held::Stopped(Ok(Some(news))),
                Err(_) => channel.hold(&music, async { tokio::time::timeout(every, ticket.news.recv()).await }).await?,
            };
            match held {
                Held::HungUp => return abandoned(summary),
                Held::MusicEnded => {
                    quick_ends = if started.elapsed() < std::time::Duration::from_secs(1) { quick_ends + 1 } else { 0 };
                    warn!(?music, "the music on hold stopped by itself");
                    music = match quick_ends {
                        0 => music,
                        1 => Music::RingBack,
                        2 => Music::Silence,
                        _ => {
                            // Nothing can be played to this caller: leave a message rather than wait in silence.
                            queues.give_back(uuid);
                            waited(summary);
                            summary.queue_gave_back = true;
                            return Ok(Input::SecretariesUnavailable { nobody: false });
                        }
                    };
                }
                Held::Stopped(Err(_announce)) => {
                    let said = match queues.position(uuid).await {
                        Some((1, _)) => channel.say(&Utterance::sentence(env.lang, Key("queue.next"))).await?,
                        Some((position, wait)) => {
                            let minutes = wait.as_secs().div_ceil(60).max(1);
                            let fills = vec![("position", position.to_string().into()), ("minutes", minutes.to_string().into())];
                            channel.say(&Utterance::filled(env.lang, Key("queue.position"), fills)).await?
                        }
                        None => Completion::Done,
                    };
                    if said == Completion::HungUp {
                        return abandoned(summary);
                    }
                }
                Held::Stopped(Ok(Some(News::Ready { leg }))) => {
                    waited(summary);
                    if let Some(d) = &setup.deadline {
                        // The conversation is the secretary's, however long.
                        d.set(tokio::time::Instant::now() + std::time::Duration::from_secs(12 * 3600));
                    }
                    queues.bridged(uuid);
                    match channel.connect_to(&leg).await? {
                        Bridged::Answered => {
                            queues.ended(uuid);
                            info!("conversation with the secretary over");
                            if !channel.is_hung_up() {
                                channel.hangup().await?;
                            }
                            return Ok(Input::Done);
                        }
                        Bridged::HungUp => return abandoned(summary),
                        Bridged::Failed(cause) => {
                            warn!(%cause, "bridge to the secretary failed: waiting again");
                            queues.bridge_failed(uuid);
                            if let Some(d) = &setup.deadline {
                                d.set(tokio::time::Instant::now() + env.queue_deadline);
                            }
                        }
                    }
                }
                Held::Stopped(Ok(Some(News::TakeBack(why)))) => {
                    waited(summary);
                    summary.queue_gave_back = true;
                    info!(?why, "the secretaries' queue gave the call back");
                    return Ok(Input::SecretariesUnavailable { nobody: why != TakeBack::TooLong });
                }
                Held::Stopped(Ok(None)) => {
                    waited(summary);
                    summary.queue_gave_back = true;
                    return Ok(Input::SecretariesUnavailable { nobody: true });
                }
            }
        }
    }
}
