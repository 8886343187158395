//! Voice: every fixed sentence of the receptionist, to hear; the practice
//! may replace one with its own recording (a file sent, or recorded in the
//! browser and turned into WAV there), which is converted by sox into the
//! WAV FreeSWITCH plays (8 kHz, mono, 16 bits) and put in the practice's
//! recordings folder, or go back to the synthetic voice.

use std::path::PathBuf;
use std::time::Duration;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Frame, Nav, PageQuery};
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};
use crate::words::catalogue::{self, Key};

/// Longest a conversion may take.
const CONVERT_TIMEOUT: Duration = Duration::from_secs(30);

/// A sentence, as the page shows it.
pub struct Sentence {
    /// Its key.
    pub key: &'static str,
    /// Its words.
    pub text: &'static str,
    /// Its anchor on the page.
    pub anchor: String,
    /// The practice recorded it.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "voice.html")]
struct VoicePage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    p: i64,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    sentences: Vec<Sentence>,
}

/// The sentence named `key`, if it is one a practice may record.
fn sentence(key: &str) -> Option<Key> {
    catalogue::static_sentences().find(|k| k.0 == key)
}

fn anchor(key: Key) -> String {
    format!("s-{}", key.0.replace('.', "-"))
}

fn own_file(web: &Web, practice_id: i64, key: Key) -> PathBuf {
    web.doctor.practice_prompts.join(practice_id.to_string()).join(format!("{}.wav", key.0))
}

async fn page(web: &Web, frame: Frame, ok: Option<&str>, error: Option<&'static str>) -> Result<Response, ApiError> {
    let t = frame.t;
    let sentences = catalogue::static_sentences()
        .map(|k| Sentence { key: k.0, anchor: anchor(k), text: catalogue::text(web.doctor.lang, k), own: own_file(web, frame.practice_id, k).is_file() })
        .collect();
    let notice = match ok {
        Some("saved") => Some(t.voice_saved),
        Some("reset") => Some(t.voice_reset),
        _ => None,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = VoicePage {
        t,
        who: Some(&frame.access.login),
        nav: Some(frame.nav.clone()),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        p: frame.practice_id,
        notice,
        error,
        sentences,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /voice?p=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/voice").await?;
    page(&web, frame, q.ok.as_deref(), None).await
}

/// `GET /voice/{key}/audio?p=`: the practice's recording, or the synthetic voice.
pub async fn audio(State(web): State<Web>, access: Access, Path(key): Path<String>, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/voice").await?;
    let key = sentence(&key).ok_or_else(|| ApiError::not_found("sentence"))?;
    let own = own_file(&web, frame.practice_id, key);
    if own.is_file() {
        return super::wav_file(own).await;
    }
    let rendered = web
        .doctor
        .voice
        .render(catalogue::text(web.doctor.lang, key))
        .await
        .map_err(|e| ApiError(StatusCode::SERVICE_UNAVAILABLE, format!("the synthetic voice failed: {e}")))?;
    super::wav_file(rendered).await
}

/// `?p=` of an upload (its CSRF token comes in the header or the query).
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The practice.
    pub p: i64,
}

/// `POST /voice/{key}?p=` (multipart, field `audio`): the practice's own recording.
pub async fn upload(
    State(web): State<Web>,
    access: Access,
    Path(key): Path<String>,
    Query(q): Query<UploadQuery>,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, Some(q.p), "/voice").await?;
    let key = sentence(&key).ok_or_else(|| ApiError::not_found("sentence"))?;
    let mut bytes = None;
    while let Some(field) = form.next_field().await.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))? {
        if field.name() == Some("audio") {
            bytes = Some(field.bytes().await.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?);
        }
    }
    let t = frame.t;
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else { return page(&web, frame, None, Some(t.voice_bad)).await };
    let folder = web.doctor.practice_prompts.join(frame.practice_id.to_string());
    match convert(&web.doctor, &bytes, &folder, key).await {
        Ok(()) => {
            frame.audit(&web, "voice.upload", key.0).await?;
            Ok(frame.done("/voice", "saved", &format!("#{}", anchor(key))))
        }
        Err(e) => {
            tracing::info!(error = %e, key = key.0, "a recording sent in the web space was refused");
            page(&web, frame, None, Some(t.voice_bad)).await
        }
    }
}

/// Convert `bytes` (any format sox reads) into `<folder>/<key>.wav` in
/// FreeSWITCH's telephone format; the old recording stays until the new one
/// is whole.
async fn convert(env: &super::Env, bytes: &[u8], folder: &std::path::Path, key: Key) -> Result<(), String> {
    let sox = env.sox.as_str();
    env.folders.make_async(folder).await.map_err(|e| format!("{}: {e}", folder.display()))?;
    let input = tempfile::Builder::new().prefix("upload-").tempfile_in(folder).map_err(|e| e.to_string())?;
    tokio::fs::write(input.path(), bytes).await.map_err(|e| e.to_string())?;
    let out = folder.join(format!(".{}.{}.wav", key.0, uuid::Uuid::new_v4().simple()));
    let run = tokio::process::Command::new(sox)
        .arg(input.path())
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&out)
        .args(["trim", "0", "120"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let result = match tokio::time::timeout(CONVERT_TIMEOUT, run).await {
        Ok(Ok(o)) if o.status.success() => Ok(()),
        Ok(Ok(o)) => Err(format!("sox: {}", String::from_utf8_lossy(&o.stderr).trim())),
        Ok(Err(e)) => Err(format!("sox cannot be started: {e}")),
        Err(_) => Err("sox took too long".into()),
    };
    let playable = tokio::fs::metadata(&out).await.map(|m| m.len() > 44 + 800).unwrap_or(false);
    match result {
        Ok(()) if playable => tokio::fs::rename(&out, folder.join(format!("{}.wav", key.0))).await.map_err(|e| e.to_string()),
        other => {
            let _ = tokio::fs::remove_file(&out).await;
            other.and(Err("the recording is empty".into()))
        }
    }
}

/// `POST /voice/{key}/reset`: back to the synthetic voice.
pub async fn reset(State(web): State<Web>, access: Access, Path(key): Path<String>, axum::Form(q): axum::Form<UploadQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, Some(q.p), "/voice").await?;
    let key = sentence(&key).ok_or_else(|| ApiError::not_found("sentence"))?;
    match tokio::fs::remove_file(own_file(&web, frame.practice_id, key)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
    frame.audit(&web, "voice.reset", key.0).await?;
    Ok(frame.done("/voice", "reset", ""))
}
