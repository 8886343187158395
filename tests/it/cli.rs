//! The binary as administrators use it: check-config, practice editing,
//! export/import, `try`, and `serve`'s exit codes and signals.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_standardiste"))
}

fn config_file(dir: &Path, demo: bool) -> std::path::PathBuf {
    let port = common::dead_port();
    let listen = common::dead_port();
    let web = common::dead_port();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{listen}\"\n\n[web]\nlisten = \"127.0.0.1:{web}\"\n\n[freeswitch]\nhost = \"127.0.0.1\"\nport = {port}\npassword = \"s3cret-test\"\n\n[database]\npath = \"{db}\"\ndemo = {demo}\n\n[paths]\nprompts = \"{p}\"\nrecordings = \"{r}\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n",
        db = dir.join("db.sqlite").display(),
        p = dir.join("prompts").display(),
        r = dir.join("rec").display()
    );
    let path = dir.join("standardiste.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(config: &Path, args: &[&str]) -> Output {
    bin().arg("--config").arg(config).args(args).output().unwrap()
}

fn ok(config: &Path, args: &[&str]) -> String {
    let out = run(config, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn check_config_reports_every_problem_with_its_line_and_exits_64() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nlisten = \"nowhere\"\nlinger_secs = 0\n\n[freeswitch]\npassword = \"ClueCon\"\n").unwrap();
    let out = bin().args(["check-config"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in ["line 2:", "line 3:", "line 6:", "hint:"] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
    let good = config_file(dir.path(), true);
    let out = bin().args(["check-config"]).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["check-config", "/nonexistent.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn practices_are_built_from_the_command_line_and_round_trip_through_json() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), false);
    let p = ["--practice", "Maison de santé du Port"];
    ok(&cfg, &["practice", "create", "--name", "Maison de santé du Port", "--address", "3 quai des Pêcheurs, 56100 Lorient"]);
    ok(&cfg, &["practice", "did", p[0], p[1], "--did", "02 97 00 00 01"]);
    ok(&cfg, &["practice", "hours", p[0], p[1], "--kind", "opening", "--range", "lundi 08:00-12:00", "--range", "mardi 08:00-12:00"]);
    ok(&cfg, &["practice", "duty", p[0], p[1], "--mode", "outside-secretary", "--range", "lundi 09:00-11:00"]);
    ok(&cfg, &["practice", "holiday", p[0], p[1], "--start", "2026-12-24", "--end", "2027-01-02", "--message", "Fermé pour les fêtes."]);
    ok(&cfg, &["doctor", "add", p[0], p[1], "--name", "Docteur Le Goff"]);
    let d = ["--doctor", "Docteur Le Goff"];
    ok(&cfg, &["doctor", "hours", p[0], p[1], d[0], d[1], "--range", "lundi 08:00-12:00", "--range", "lundi 14:00-18:00"]);
    ok(&cfg, &["doctor", "rules", p[0], p[1], d[0], d[1], "--notice-minutes", "30", "--horizon-days", "15", "--dial", "user/1020"]);
    ok(&cfg, &["doctor", "type", p[0], p[1], d[0], d[1], "--name", "consultation", "--duration", "15"]);
    ok(&cfg, &["doctor", "absence", p[0], p[1], d[0], d[1], "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00", "--reason", "formation"]);
    ok(&cfg, &["doctor", "instructions", p[0], p[1], d[0], d[1], "--text", "Pas de visite à domicile."]);
    ok(&cfg, &["rule", p[0], p[1], "--phone", "+33 2 97 11 11 11", "--kind", "allowed", "--label", "Pharmacie du Port", "--doctor", "Docteur Le Goff"]);
    let listed = ok(&cfg, &["practice", "list"]);
    assert!(listed.contains("Maison de santé du Port"));
    let json = ok(&cfg, &["appointments", p[0], p[1], "--json"]);
    assert_eq!(json.trim(), "[]");

    let export1 = dir.path().join("export1.json");
    ok(&cfg, &["export", p[0], p[1], "--out", export1.to_str().unwrap()]);
    // Into another database, then out again.
    let other = tempfile::tempdir().unwrap();
    let cfg2 = config_file(other.path(), false);
    ok(&cfg2, &["import", export1.to_str().unwrap()]);
    let export2 = other.path().join("export2.json");
    ok(&cfg2, &["export", p[0], p[1], "--out", export2.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&export1).unwrap(), std::fs::read_to_string(&export2).unwrap());
}

#[test]
fn bad_input_gets_a_clear_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let p = ["--practice", "Cabinet médical des Tilleuls"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["doctor", "hours", p[0], p[1], "--doctor", "Docteur Claire Martin", "--range", "lundi 08:00-12:00", "--range", "lundi 11:00-13:00"],
            "working_hours",
        ),
        (vec!["doctor", "hours", p[0], p[1], "--doctor", "Docteur Claire Martin", "--range", "lundi 12:00-08:00"], "working_hours"),
        (vec!["doctor", "hours", p[0], p[1], "--doctor", "Docteur Inconnu", "--range", "lundi 08:00-12:00"], "doctor: médecin « Docteur Inconnu » inconnu"),
        (vec!["rule", p[0], p[1], "--phone", "06 12", "--kind", "blocked"], "phone:"),
        (vec!["doctor", "absence", p[0], p[1], "--doctor", "Docteur Claire Martin", "--start", "2026-12-02T08:00", "--end", "2026-12-01T08:00"], "end:"),
        (vec!["practice", "did", "--practice", "Nulle Part", "--did", "1001"], "practice: cabinet « Nulle Part » inconnu"),
    ];
    for (args, needle) in cases {
        let out = run(&cfg, &args);
        assert_eq!(out.status.code(), Some(65), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{needle} in {err}");
    }
}

#[test]
fn try_runs_the_dialogue_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let mut child = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["try", "--practice", "Cabinet médical des Tilleuls", "--caller", "06 55 55 55 55"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"4\n0\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Cabinet médical des Tilleuls, bonjour. Si la vie d'une personne est en danger"), "{text}");
    assert!(text.contains("Consultations libres"), "{text}");
    assert!(text.contains("[transfert vers l'extension secretariat du contexte standardiste]"), "{text}");
    assert!(text.contains("[fin de l'appel: secretaries"), "{text}");
}

#[tokio::test]
async fn serve_exits_77_on_a_refused_password() {
    let server = scripted_switch::Door::bind("another-password").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text.lines().map(|l| if l.starts_with("port = ") { format!("port = {}", server.port()) } else { l.to_string() }).collect::<Vec<_>>().join("\n");
    std::fs::write(&cfg, text).unwrap();
    let mut child =
        tokio::process::Command::new(env!("CARGO_BIN_EXE_standardiste")).arg("--config").arg(&cfg).arg("serve").stderr(Stdio::piped()).spawn().unwrap();
    let _ = server.accept().await;
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait()).await.expect("exits").unwrap();
    assert_eq!(status.code(), Some(77));
}

#[tokio::test]
async fn an_empty_password_is_never_sent_and_the_service_runs_without_the_link() {
    let server = scripted_switch::Door::bind("s3cret").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text
        .lines()
        .map(|l| match l {
            l if l.starts_with("port = ") => format!("port = {}", server.port()),
            l if l.starts_with("password = ") => "password = \"\"".to_string(),
            l => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&cfg, text).unwrap();
    let out = run(&cfg, &["check-config", cfg.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("password is empty"), "{}", String::from_utf8_lossy(&out.stdout));
    let mut child =
        tokio::process::Command::new(env!("CARGO_BIN_EXE_standardiste")).arg("--config").arg(&cfg).arg("serve").stderr(Stdio::null()).spawn().unwrap();
    // Nothing knocks at the switch's door…
    assert!(tokio::time::timeout(Duration::from_secs(3), server.accept()).await.is_err(), "an empty password is never sent");
    // …and the service is still running.
    assert!(child.try_wait().unwrap().is_none());
    let _ = Command::new("kill").args(["-TERM", &child.id().unwrap().to_string()]).status();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("stops").unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let listen = std::fs::read_to_string(&cfg).unwrap().lines().find(|l| l.starts_with("listen")).unwrap().split('"').nth(1).unwrap().to_string();
    let mut child = bin().arg("--config").arg(&cfg).arg("serve").stderr(Stdio::piped()).spawn().unwrap();
    // The log, read as it comes: the first attempt to reach the switch is
    // made in the background once the service listens, so wait for it to be
    // told before asking the service to stop.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let (log, stderr) = (log.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        })
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(&listen).is_err() || !log.lock().unwrap().contains("not reachable") {
        assert!(started.elapsed() < Duration::from_secs(20), "service did not start and say the switch is unreachable: {}", log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit {status:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap();
}

#[test]
fn sounds_pre_renders_every_fixed_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let out = dir.path().join("sounds-fr");
    let stdout = ok(&cfg, &["sounds", "--out", out.to_str().unwrap()]);
    let n: usize = stdout.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n >= 20, "{stdout}");
    for key in ["menu.main", "advice", "slot.taken", "goodbye"] {
        let f = out.join(format!("{key}.wav"));
        let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(bytes.starts_with(b"RIFF") && bytes.len() > 10_000, "{key}: a real wav");
    }
    assert!(!out.join("greeting.wav").exists(), "a sentence with a placeholder is not pre-rendered");
    // The pieces a call plays are in the prompt cache.
    let cached = std::fs::read_dir(dir.path().join("prompts")).unwrap().count();
    assert!(cached > n, "{cached} cached pieces for {n} sentences");
}

#[test]
fn rules_absences_holidays_and_types_can_be_edited_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let p = ["--practice", "Cabinet médical des Tilleuls"];
    let d = ["--doctor", "Docteur Claire Martin"];
    ok(&cfg, &["doctor", "absence", p[0], p[1], d[0], d[1], "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00", "--reason", "formation"]);
    let listed = ok(&cfg, &["doctor", "absences", p[0], p[1], d[0], d[1]]);
    let id = listed.lines().find(|l| l.contains("formation")).unwrap().split(' ').next().unwrap().to_string();
    ok(&cfg, &["doctor", "absence-remove", p[0], p[1], d[0], d[1], "--id", &id]);
    assert!(!ok(&cfg, &["doctor", "absences", p[0], p[1], d[0], d[1]]).contains("formation"));
    assert_eq!(run(&cfg, &["doctor", "absence-remove", p[0], p[1], d[0], d[1], "--id", &id]).status.code(), Some(65), "already gone");

    ok(&cfg, &["practice", "holiday", p[0], p[1], "--start", "2026-12-24", "--end", "2026-12-26", "--message", "Fermé à Noël."]);
    let hid = ok(&cfg, &["practice", "holidays", p[0], p[1]]).lines().next().unwrap().split(' ').next().unwrap().to_string();
    ok(&cfg, &["practice", "holiday-remove", p[0], p[1], "--id", &hid]);
    assert!(ok(&cfg, &["practice", "holidays", p[0], p[1]]).trim().is_empty());

    let changed = ok(&cfg, &["doctor", "type", p[0], p[1], d[0], d[1], "--name", "consultation", "--duration", "25"]);
    assert!(changed.contains("modifié"), "{changed}");
    let export = ok(&cfg, &["export", p[0], p[1]]);
    assert!(export.contains("\"duration_minutes\": 25"));

    ok(&cfg, &["rule", p[0], p[1], "--phone", "04 72 11 22 33", "--remove"]);
    assert!(!ok(&cfg, &["export", p[0], p[1]]).contains("+33472112233"));
    assert_eq!(run(&cfg, &["rule", p[0], p[1], "--phone", "04 72 11 22 33", "--remove"]).status.code(), Some(65));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_log_is_one_object_a_line_and_a_call_s_lines_carry_its_span() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[log]\nformat = \"json\"\n");
    std::fs::write(&cfg, &text).unwrap();
    let listen = text.lines().find(|l| l.starts_with("listen")).unwrap().split('"').nth(1).unwrap().to_string();
    let log = dir.path().join("log.json");
    let mut child = bin().arg("--config").arg(&cfg).arg("serve").stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
    let addr: std::net::SocketAddr = listen.parse().unwrap();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the service listens");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sw = common::SwitchCall::dial(addr, "0611223344", "1000").await.unwrap();
    let uuid = sw.uuid.clone();
    tokio::time::timeout(Duration::from_secs(60), sw.run(common::Patient::keys(&["4"]))).await.expect("the call ends").unwrap();
    // The call's last line ("call over") is written as its connection closes.
    let over = Instant::now();
    while !std::fs::read_to_string(&log).unwrap().contains("call over") {
        assert!(over.elapsed() < Duration::from_secs(20), "no 'call over' line");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object: {e}: {l}"))).collect();
    assert!(lines.len() >= 5, "{text}");
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string() && l["fields"].is_object()), "{text}");
    let of_the_call: Vec<&serde_json::Value> = lines.iter().filter(|l| l["span"]["uuid"] == uuid.as_str()).collect();
    let end = of_the_call.iter().find(|l| l["fields"]["message"] == "call over").unwrap_or_else(|| {
        panic!("the call's last line carries its span: {}", text.lines().filter(|l| l.contains("call over")).collect::<Vec<_>>().join("\n"))
    });
    assert_eq!(end["span"]["name"], "call");
    assert_eq!(end["span"]["practice"], 1, "{end}");
    assert_eq!(end["span"]["to"], "1000");
    assert_eq!(end["fields"]["outcome"], "info");
    let caller = end["span"]["caller"].as_str().unwrap();
    assert!(caller.ends_with("44") && !caller.contains("0611223344"), "masked: {caller}");
    assert!(!text.contains("0611223344"), "no full number in the log");
}

#[test]
fn under_systemd_serve_says_ready_pings_the_watchdog_and_says_stopping() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), true);
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // What systemd sets for Type=notify and WatchdogSec=1.
    let mut child =
        bin().arg("--config").arg(&cfg).arg("serve").env("NOTIFY_SOCKET", &socket_path).env("WATCHDOG_USEC", "1000000").stderr(Stdio::null()).spawn().unwrap();
    let mut said = Vec::new();
    let next = || {
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).expect("a notification in time");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    said.push(next());
    assert_eq!(said[0], "READY=1\n", "ready first, once the listeners are bound");
    // Pinged every half period while the store answers.
    for _ in 0..2 {
        said.push(next());
        assert_eq!(said.last().unwrap(), "WATCHDOG=1\n", "{said:?}");
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let stopping = loop {
        let m = next();
        if m != "WATCHDOG=1\n" {
            break m;
        }
    };
    assert_eq!(stopping, "STOPPING=1\n");
    assert!(child.wait().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_the_database_while_the_service_runs() {
    let svc = common::start(|_| {}).await;
    for _ in 0..2 {
        common::call(svc.running.addr, "0611223344", common::Patient::keys(&["4"])).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("s.toml");
    std::fs::write(&cfg, format!("[database]\npath = \"{}\"\ndemo = false\n", svc.config.database.path.display())).unwrap();
    let copy = dir.path().join("copy.sqlite");
    // A call goes on while the copy is made.
    let during = tokio::spawn(common::call(svc.running.addr, "0622334455", common::Patient::keys(&["4"])));
    let out = ok(&cfg, &["backup", copy.to_str().unwrap()]);
    assert!(out.contains("integrity_check: ok"), "{out}");
    during.await.unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&copy).unwrap().mode() & 0o777, 0o600, "the copy holds health data");
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let calls: i64 = conn.query_row("SELECT count(*) FROM calls", [], |r| r.get(0)).unwrap();
    assert!(calls >= 2, "the calls made before the copy are in it ({calls})");
    let practices: String = conn.query_row("SELECT name FROM practices WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(practices, "Cabinet médical des Tilleuls");
    // An existing file is never overwritten.
    let again = run(&cfg, &["backup", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"), "{}", String::from_utf8_lossy(&again.stderr));
}
