//! `standardiste check-freeswitch`: what a PBX administrator asks the
//! switch before the first call, over the Event Socket, item by item, each
//! failing item with its fix.
//!
//! - the modules the service needs are loaded (`module_exists`);
//! - each practice's number reaches the `socket` application at the
//!   service's address, with `socket_resume` set before it (the dialplan as
//!   the switch holds it, `xml_locate dialplan`, evaluated: the first
//!   extension whose `destination_number` conditions match, in each context);
//! - the hand-over context exists;
//! - the music-on-hold stream exists (`local_stream show`);
//! - the switch can read the prompts folder and write the recordings folder:
//!   a tone written into the prompts folder is played on a loopback channel
//!   (the `standardiste-check` extension of `dialplan/standardiste-context.xml`)
//!   whose other leg records into the recordings folder; the recording must
//!   hold the tone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use freeswitch_esl_tokio::EslClient;
use regex::Regex;

use crate::config::Config;

/// Modules the service relies on, and what each is for.
pub const MODULES: [(&str, &str); 6] = [
    ("mod_event_socket", "the socket application and this connection"),
    ("mod_dptools", "answer, playback, play_and_get_digits, record, bridge, transfer"),
    ("mod_commands", "the api commands (uuid_kill, originate, show channels…)"),
    ("mod_sndfile", "the wav prompts and recordings"),
    ("mod_local_stream", "the music on hold (local_stream://)"),
    ("mod_tone_stream", "the beeps (tone_stream://)"),
];

/// The extension the folder check dials (dialplan/standardiste-context.xml).
pub const CHECK_EXTENSION: &str = "standardiste-check";

/// How long the switch is given for each command, and the folder check.
const COMMAND_WAIT: Duration = Duration::from_secs(10);
const RECORDING_WAIT: Duration = Duration::from_secs(15);

/// One item checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked (`module mod_sndfile`, `number 1000`…).
    pub item: String,
    /// Whether it is as the service needs it.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it is not.
    pub fix: Option<String>,
}

impl Finding {
    fn ok(item: impl Into<String>, detail: impl Into<String>) -> Finding {
        Finding { item: item.into(), ok: true, detail: detail.into(), fix: None }
    }

    fn bad(item: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding { item: item.into(), ok: false, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// One line per finding: `ok   item: detail` or `FAIL item: detail` and its fix.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{} {}: {}\n", if f.ok { "ok  " } else { "FAIL" }, f.item, f.detail));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("     fix: {fix}\n"));
        }
    }
    out
}

/// Check the switch the configuration names, for the practices' numbers
/// (`(number, practice name)`).
pub async fn check(config: &Config, numbers: &[(String, String)]) -> Vec<Finding> {
    let fs = &config.freeswitch;
    let link = format!("Event Socket {}:{}", fs.host, fs.port);
    let client = match tokio::time::timeout(COMMAND_WAIT, EslClient::connect(&fs.host, fs.port, &fs.password)).await {
        Ok(Ok((client, _events))) => client,
        Ok(Err(e)) => {
            return vec![Finding::bad(
                link,
                format!("could not log in: {e}"),
                "load mod_event_socket, and give [freeswitch] host, port and password as in event_socket.conf.xml (freeswitch-conf/event_socket.conf.xml)",
            )];
        }
        Err(_) => {
            return vec![Finding::bad(
                link,
                "no answer within 10 s",
                "check that FreeSWITCH runs and listens there (event_socket.conf.xml listen-ip, listen-port)",
            )];
        }
    };
    let mut findings = vec![Finding::ok(link, "logged in")];
    let api = |command: String| {
        let client = client.clone();
        async move {
            match tokio::time::timeout(COMMAND_WAIT, client.api(&command)).await {
                Ok(Ok(reply)) => match reply.api_result() {
                    Ok(text) => Ok(text.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no reply to `{command}` within 10 s")),
            }
        }
    };

    for (module, why) in MODULES {
        let item = format!("module {module}");
        match api(format!("module_exists {module}")).await {
            Ok(t) if t.trim() == "true" => findings.push(Finding::ok(item, format!("loaded ({why})"))),
            Ok(t) => findings.push(Finding::bad(
                item,
                format!("not loaded ({}): needed for {why}", t.trim()),
                format!("add <load module=\"{module}\"/> to autoload_configs/modules.conf.xml, then fs_cli -x 'load {module}'"),
            )),
            Err(e) => findings.push(Finding::bad(item, format!("could not ask: {e}"), "load mod_commands (module_exists is one of its commands)")),
        }
    }

    match api("xml_locate dialplan".to_string()).await {
        Ok(xml) => findings.extend(check_dialplan(&xml, &config.server.listen, &config.server.context, numbers)),
        Err(e) => {
            findings.push(Finding::bad("dialplan", format!("xml_locate dialplan failed: {e}"), "load mod_commands and the XML dialplan (mod_dialplan_xml)"))
        }
    }

    findings.push(match api("local_stream show".to_string()).await {
        Ok(list) => check_music(&config.queue.music, &list),
        // No stream at all: an empty reply.
        Err(e) if e.contains("body is empty") => check_music(&config.queue.music, ""),
        Err(e) => Finding::bad("music on hold", format!("local_stream show failed: {e}"), "load mod_local_stream (freeswitch-conf/local_stream.conf.xml)"),
    });

    findings.extend(check_folders(&api, config).await);
    let _ = client.disconnect().await;
    findings
}

/// Whether the music the queue plays exists among `local_stream show`'s
/// lines (`name,folder`; `moh` is found as `moh` or `moh/8000`…).
fn check_music(music: &str, list: &str) -> Finding {
    let Some(stream) = music.strip_prefix("local_stream://") else {
        return Finding::ok("music on hold", format!("{music} is not a local stream: not checked"));
    };
    let names: Vec<&str> = list.lines().filter_map(|l| l.split(',').next()).map(str::trim).filter(|n| !n.is_empty()).collect();
    if names.iter().any(|n| *n == stream || n.strip_prefix(stream).is_some_and(|r| r.starts_with('/'))) {
        Finding::ok("music on hold", format!("local stream {stream} exists"))
    } else {
        Finding::bad(
            "music on hold",
            format!("no local stream {stream} (the switch has: {})", if names.is_empty() { "none".to_string() } else { names.join(", ") }),
            format!(
                "add the <directory name=\"{stream}\" …> of freeswitch-conf/local_stream.conf.xml to autoload_configs/local_stream.conf.xml, then fs_cli -x 'reload mod_local_stream'"
            ),
        )
    }
}

/// The extension FreeSWITCH would run for `number` in one context: the
/// first whose every `destination_number` condition matches.
fn first_match<'a, 'i>(context: roxmltree::Node<'a, 'i>, number: &str) -> Option<roxmltree::Node<'a, 'i>> {
    context.children().filter(|n| n.has_tag_name("extension")).find(|ext| {
        let conditions: Vec<_> = ext.children().filter(|c| c.has_tag_name("condition")).collect();
        let on_number: Vec<_> = conditions.iter().filter(|c| c.attribute("field") == Some("destination_number")).collect();
        !on_number.is_empty() && on_number.iter().all(|c| c.attribute("expression").and_then(|e| Regex::new(e).ok()).is_some_and(|re| re.is_match(number)))
    })
}

/// The `(application, data)` of an extension's actions, in order.
fn actions<'a>(ext: roxmltree::Node<'a, '_>) -> Vec<(&'a str, &'a str)> {
    ext.descendants().filter(|n| n.has_tag_name("action")).map(|a| (a.attribute("application").unwrap_or(""), a.attribute("data").unwrap_or(""))).collect()
}

/// Whether `socket`'s data names the service's address: the same
/// `host:port`, or the same port when the service listens on every address.
fn names_listener(data: &str, listen: &str) -> bool {
    let target = data.split_whitespace().next().unwrap_or("");
    if target == listen {
        return true;
    }
    let port = |a: &str| a.rsplit(':').next().map(str::to_string);
    let any = listen.starts_with("0.0.0.0:") || listen.starts_with("[::]:");
    any && port(target) == port(listen)
}

/// Each number's route, `socket_resume`, and the hand-over context, in the
/// dialplan section `xml_locate dialplan` gave.
fn check_dialplan(xml: &str, listen: &str, context: &str, numbers: &[(String, String)]) -> Vec<Finding> {
    let doc = match roxmltree::Document::parse(xml) {
        Ok(d) => d,
        Err(e) => return vec![Finding::bad("dialplan", format!("the switch's dialplan is not readable XML: {e}"), "fs_cli -x reloadxml and read its errors")],
    };
    let contexts: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("context")).collect();
    let mut findings = Vec::new();
    if numbers.is_empty() {
        findings.push(Finding::bad("numbers", "no practice has a number", "standardiste practice add-number PRACTICE NUMBER"));
    }
    for (number, practice) in numbers {
        let item = format!("number {number} ({practice})");
        let mut reached = None;
        let mut elsewhere = Vec::new();
        for ctx in contexts.iter().filter(|c| c.attribute("name") != Some(context)) {
            let Some(ext) = first_match(*ctx, number) else { continue };
            let acts = actions(ext);
            let ctx_name = ctx.attribute("name").unwrap_or("?");
            let ext_name = ext.attribute("name").unwrap_or("?");
            match acts.iter().position(|(app, data)| *app == "socket" && names_listener(data, listen)) {
                Some(i) => {
                    reached = Some((
                        ctx_name,
                        ext_name,
                        acts[i].1,
                        acts[..i].iter().any(|(app, data)| *app == "set" && data.replace(' ', "") == "socket_resume=true"),
                    ));
                    break;
                }
                None => elsewhere.push(format!("{ctx_name}/{ext_name}")),
            }
        }
        match reached {
            Some((ctx_name, ext_name, data, resume)) => {
                let words: Vec<&str> = data.split_whitespace().collect();
                if words.contains(&"async") && words.contains(&"full") {
                    findings.push(Finding::ok(item.clone(), format!("context {ctx_name}, extension {ext_name}: socket {data}")));
                } else {
                    findings.push(Finding::bad(
                        item.clone(),
                        format!("context {ctx_name}, extension {ext_name}: socket {data}"),
                        format!("the socket data must be \"{listen} async full\""),
                    ));
                }
                let resume_item = format!("socket_resume for {number}");
                if resume {
                    findings.push(Finding::ok(resume_item, format!("set before the socket in {ext_name}")));
                } else {
                    findings.push(Finding::bad(
                        resume_item,
                        format!("not set before the socket in {ext_name}: a call the service drops would be hung up instead of going on to the fallback"),
                        "add <action application=\"set\" data=\"socket_resume=true\"/> before the socket action (dialplan/standardiste.xml)",
                    ));
                }
            }
            None => {
                let seen = if elsewhere.is_empty() {
                    "no extension matches it".to_string()
                } else {
                    format!("it reaches {} first, which does not hand it to {listen}", elsewhere.join(", "))
                };
                findings.push(Finding::bad(
                    item,
                    seen,
                    format!("add {number} to the expression of dialplan/standardiste.xml, installed in the context of the calls' SIP profile, before any other extension matching it; then fs_cli -x reloadxml"),
                ));
            }
        }
    }
    let has_context = contexts.iter().find(|c| c.attribute("name") == Some(context));
    findings.push(match has_context {
        Some(c) if first_match(*c, "secretariat").is_some() => {
            Finding::ok(format!("context {context}"), "has the secretariat extension the service transfers to")
        }
        Some(_) => {
            Finding::bad(format!("context {context}"), "no secretariat extension", "install dialplan/standardiste-context.xml, then fs_cli -x reloadxml")
        }
        None => Finding::bad(
            format!("context {context}"),
            "missing: the service transfers hand-overs there",
            "install dialplan/standardiste-context.xml as dialplan/standardiste.xml, then fs_cli -x reloadxml",
        ),
    });
    findings
}

/// A second of 440 Hz at 8 kHz, 16-bit mono: loud enough to tell from silence.
fn tone_wav() -> Vec<u8> {
    wav_8k(&(0..8000).map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16).collect::<Vec<_>>())
}

/// A RIFF/WAVE file of 8 kHz 16-bit mono samples.
fn wav_8k(samples: &[i16]) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes a second
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    wav
}

/// Whether a wav holds at least a quarter second of sound (not silence).
fn holds_sound(path: &Path) -> Result<bool, String> {
    let samples = crate::speech::recognition::read_wav_16k(path).map_err(|e| e.to_string())?;
    // At 16 kHz; a sample over 1000 in 16-bit is sound.
    Ok(samples.iter().filter(|s| s.abs() > 1000.0 / 32768.0).count() >= 16_000 / 4)
}

/// The folders made as `serve` makes them, then the loopback call.
async fn check_folders<F, Fut>(api: &F, config: &Config) -> Vec<Finding>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let item = "folders";
    let (prompts, recordings, context) = (&config.paths.prompts, &config.paths.recordings, &config.server.context);
    if let Err((dir, e)) = crate::service::make_shared_folders(config, &crate::service::folders(config)) {
        return vec![Finding::bad(
            item,
            format!("the service cannot make {}: {e}", dir.display()),
            "make the folder's parent writable by the service's user, or set [paths]",
        )];
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let play: PathBuf = prompts.join(format!("standardiste-check-{id}.wav"));
    let record: PathBuf = recordings.join(format!("standardiste-check-{id}.wav"));
    if let Err(e) = std::fs::write(&play, tone_wav()) {
        return vec![Finding::bad(
            item,
            format!("the service cannot write {}: {e}", play.display()),
            "give the service's user the prompts folder ([paths] prompts)",
        )];
    }
    let command = format!(
        "originate {{origination_caller_id_number=standardiste-check,standardiste_check_play={},loopback_export=standardiste_check_play,originate_timeout=10}}loopback/{CHECK_EXTENSION}/{} &record({} 3)",
        play.display(),
        context,
        record.display()
    );
    let reply = api(command).await;
    let mut findings = Vec::new();
    match reply {
        Err(e) if e.contains("NO_ROUTE_DESTINATION") || e.contains("UNALLOCATED") => findings.push(Finding::bad(
            item,
            format!("loopback/{CHECK_EXTENSION}/{context} has no route: {e}"),
            format!("install dialplan/standardiste-context.xml (it has the {CHECK_EXTENSION} extension), then fs_cli -x reloadxml"),
        )),
        Err(e) => findings.push(Finding::bad(item, format!("the test call failed: {e}"), "load mod_loopback, then run the check again")),
        Ok(_) => {
            // The recording ends when the played leg hangs up (about a second).
            let deadline = tokio::time::Instant::now() + RECORDING_WAIT;
            let mut last = None;
            let done = loop {
                let size = std::fs::metadata(&record).ok().map(|m| m.len());
                if size.is_some() && size == last {
                    break true;
                }
                last = size;
                if tokio::time::Instant::now() >= deadline {
                    break size.is_some();
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            };
            if !done {
                findings.push(Finding::bad(
                    format!("recordings folder {}", recordings.display()),
                    "FreeSWITCH recorded nothing there: it cannot write it",
                    "make the folder writable by FreeSWITCH's user: [paths] switch_group = its group (the folder is then 2770), and the same path on both sides",
                ));
            } else {
                findings.push(Finding::ok(format!("recordings folder {}", recordings.display()), "FreeSWITCH wrote a recording there"));
                match holds_sound(&record) {
                    Ok(true) => findings.push(Finding::ok(format!("prompts folder {}", prompts.display()), "FreeSWITCH played a file from it")),
                    Ok(false) => findings.push(Finding::bad(
                        format!("prompts folder {}", prompts.display()),
                        "the recording is silent: FreeSWITCH could not play the file written there",
                        "make the folder readable by FreeSWITCH's user ([paths] switch_group) at the same path",
                    )),
                    Err(e) => findings.push(Finding::bad(
                        format!("recordings folder {}", recordings.display()),
                        format!("the recording is not readable by the service: {e}"),
                        "[paths] switch_group: a group the service and FreeSWITCH share",
                    )),
                }
            }
        }
    }
    let _ = std::fs::remove_file(&play);
    let _ = std::fs::remove_file(&record);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"<section name="dialplan" description="Regex/XML Dialplan">
      <context name="public">
        <extension name="other"><condition field="destination_number" expression="^2000$"><action application="bridge" data="user/2000"/></condition></extension>
        <extension name="standardiste-practices">
          <condition field="destination_number" expression="^(1000|0478000000)$">
            <action application="set" data="socket_resume=true"/>
            <action application="socket" data="127.0.0.1:8084 async full"/>
          </condition>
        </extension>
        <extension name="catch"><condition field="destination_number" expression="^0479"><action application="hangup"/></condition></extension>
      </context>
      <context name="standardiste"><extension name="secretariat"><condition field="destination_number" expression="^secretariat$"/></extension></context>
    </section>"#;

    fn numbers(n: &[&str]) -> Vec<(String, String)> {
        n.iter().map(|n| (n.to_string(), "Cabinet".to_string())).collect()
    }

    #[test]
    fn a_number_in_the_kit_reaches_the_socket_with_resume_and_others_are_told_why_not() {
        let f = check_dialplan(PLAN, "127.0.0.1:8084", "standardiste", &numbers(&["1000", "0479000000", "3000"]));
        let by = |item: &str| f.iter().find(|x| x.item.starts_with(item)).unwrap().clone();
        assert!(by("number 1000").ok, "{f:?}");
        assert!(by("socket_resume for 1000").ok);
        let caught = by("number 0479000000");
        assert!(!caught.ok && caught.detail.contains("public/catch"), "{caught:?}");
        let unknown = by("number 3000");
        assert!(!unknown.ok && unknown.detail.contains("no extension"), "{unknown:?}");
        assert!(by("context standardiste").ok);
    }

    #[test]
    fn a_socket_to_another_port_or_without_resume_fails() {
        let plan = PLAN.replace("127.0.0.1:8084", "127.0.0.1:9999").replace(r#"<action application="set" data="socket_resume=true"/>"#, "");
        let f = check_dialplan(&plan, "127.0.0.1:8084", "other", &numbers(&["1000"]));
        assert!(!f.iter().find(|x| x.item.starts_with("number 1000")).unwrap().ok);
        assert!(!f.iter().find(|x| x.item == "context other").unwrap().ok);
        let f =
            check_dialplan(&PLAN.replace(r#"<action application="set" data="socket_resume=true"/>"#, ""), "0.0.0.0:8084", "standardiste", &numbers(&["1000"]));
        assert!(f.iter().find(|x| x.item.starts_with("number 1000")).unwrap().ok, "any address: the port decides");
        assert!(!f.iter().find(|x| x.item.starts_with("socket_resume")).unwrap().ok);
    }

    #[test]
    fn the_music_is_found_by_its_class_at_any_rate() {
        let list = "moh/48000,/usr/share/freeswitch/sounds/music/default/48000\ndefault,/usr/share/freeswitch/sounds/music/default/8000\nmoh/8000,/x\n";
        assert!(check_music("local_stream://moh", list).ok);
        assert!(!check_music("local_stream://attente", list).ok);
        assert!(check_music("/srv/music.wav", "").ok);
    }

    #[test]
    fn a_tone_is_sound_and_zeros_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let (tone, quiet) = (dir.path().join("t.wav"), dir.path().join("q.wav"));
        std::fs::write(&tone, tone_wav()).unwrap();
        std::fs::write(&quiet, wav_8k(&[0; 8000])).unwrap();
        assert_eq!(holds_sound(&tone), Ok(true));
        assert_eq!(holds_sound(&quiet), Ok(false));
    }
}
