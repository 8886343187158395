//! What a PBX administrator watches: `/metrics` read by Prometheus's own
//! parser (the Python `prometheus_client`, OpenMetrics) after calls through
//! the scripted switch, its counters matching the calls made; `/health`
//! telling the inbound link down, then up.

use crate::common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// Every sample of a scrape, as Prometheus's parser reads it.
fn scrape(addr: SocketAddr) -> Vec<serde_json::Value> {
    let a = http::request(addr, "GET", "/metrics", &[], "");
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.header("content-type").is_some_and(|c| c.starts_with("application/openmetrics-text")), "{:?}", a.headers);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("metrics.txt");
    std::fs::write(&file, &a.body).unwrap();
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/test-tools (make test does)", python.display());
    let out = Command::new(python).arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/metrics_json.py")).arg(&file).output().unwrap();
    assert!(out.status.success(), "Prometheus's parser refused the page: {}\n{}", String::from_utf8_lossy(&out.stderr), a.body);
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

/// The value of the sample `name` whose labels include `labels` (summed
/// over the others); `None` when there is none.
fn value(samples: &[serde_json::Value], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> =
        samples.iter().filter(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][*k] == *v)).map(|s| s["value"].as_f64().unwrap()).collect();
    if matching.is_empty() { None } else { Some(matching.iter().sum()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counters_match_the_calls_made_and_health_tells_the_link() {
    let svc = start(|_| {}).await;
    let metrics = svc.running.metrics_addr.expect("a metrics listener");
    // The inbound link points at a port nothing listens on: not ready.
    let h = http::request(metrics, "GET", "/health", &[], "");
    assert_eq!(h.status, 503, "{}", h.body);
    assert!(h.body.contains("store: ok") && h.body.contains("inbound link: down"), "{}", h.body);
    let before = scrape(metrics);
    assert_eq!(value(&before, "standardiste_calls_total", &[]), None, "no call yet");
    assert_eq!(value(&before, "standardiste_inbound_up", &[]), Some(0.0));
    assert_eq!(value(&before, "standardiste_inbound_enabled", &[]), Some(1.0));
    assert!(before.iter().any(|s| s["name"] == "standardiste_build_info" && s["labels"]["version"] == env!("CARGO_PKG_VERSION")));

    // Three callers ask for the hours, one for the secretaries, one is urgent.
    svc.running.store.run_sync(|db| db.set_practice_field(1, standardiste::store::PracticeField::Secretaries, None)).unwrap();
    for _ in 0..3 {
        let t = call(svc.running.addr, "0611223344", Patient::keys(&["4"])).await;
        assert!(t.transferred.is_none());
    }
    for key in ["0", "9"] {
        let t = call(svc.running.addr, "0611223344", Patient::keys(&[key])).await;
        assert!(t.transferred.is_some());
    }
    // The last call's row and count are written as its connection closes.
    let deadline = Instant::now() + Duration::from_secs(20);
    let samples = loop {
        let s = scrape(metrics);
        if value(&s, "standardiste_calls_total", &[]) == Some(5.0) && value(&s, "standardiste_calls_live", &[]) == Some(0.0) {
            break s;
        }
        assert!(Instant::now() < deadline, "the counts did not reach the five calls made: {s:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(value(&samples, "standardiste_calls_total", &[("practice", "1"), ("outcome", "info")]), Some(3.0));
    assert_eq!(value(&samples, "standardiste_calls_total", &[("practice", "1"), ("outcome", "secretaries")]), Some(1.0));
    assert_eq!(value(&samples, "standardiste_calls_total", &[("practice", "1"), ("outcome", "urgent")]), Some(1.0));
    assert_eq!(value(&samples, "standardiste_handovers_total", &[("practice", "1"), ("to", "secretaries")]), Some(2.0));
    // By typed reason: the caller asked (key 0), an urgent call (key 9).
    assert_eq!(value(&samples, "standardiste_handovers_total", &[("practice", "1"), ("why", "asked")]), Some(1.0));
    assert_eq!(value(&samples, "standardiste_handovers_total", &[("practice", "1"), ("why", "urgent"), ("outcome", "urgent")]), Some(1.0));
    assert_eq!(value(&samples, "standardiste_handovers_total", &[("why", "unknown")]), None);
    // What the store holds says the same.
    let rows = svc.running.store.run_sync(|db| db.calls(100)).unwrap();
    assert_eq!(rows.len(), 5);
    // Each call reacted to the switch's events, read the store, and said prompts.
    assert!(value(&samples, "standardiste_reaction_seconds_count", &[]).unwrap() >= 5.0, "{samples:?}");
    assert!(value(&samples, "standardiste_store_operation_seconds_count", &[]).unwrap() >= 5.0);
    let said = value(&samples, "standardiste_prompt_renders_total", &[]).unwrap() + value(&samples, "standardiste_prompt_cache_hits_total", &[]).unwrap();
    assert!(said >= 10.0, "{said}");
    assert!(value(&samples, "standardiste_prompt_cache_hits_total", &[]).unwrap() > 0.0, "the same greeting, five times, is rendered once");
    assert_eq!(value(&samples, "standardiste_transcription_backlog", &[]), Some(0.0));
    assert_eq!(value(&samples, "standardiste_secretaries", &[("state", "available")]), Some(0.0));
    // No caller's number anywhere on the page.
    let page = http::request(metrics, "GET", "/metrics", &[], "").body;
    assert!(!page.contains("0611223344") && !page.contains("611223344"), "{page}");

    // The practice's figures say the same, by the API, the command line and the page.
    use standardiste::store::Role;
    let token = token_for(&svc.running.store, "dr", Role::Staff, &[1], None);
    let web = svc.running.web_addr;
    let api = http::request(web, "GET", "/api/practices/1/stats?days=1", &[("Authorization", &format!("Bearer {token}"))], "");
    assert_eq!(api.status, 200, "{}", api.body);
    let s: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!((s["total"]["calls"].as_i64(), s["total"]["without_human"].as_i64(), s["total"]["handed_over"].as_i64()), (Some(5), Some(3), Some(2)), "{s}");
    assert_eq!(s["total"]["by_outcome"]["info"], 3);
    assert_eq!(s["total"]["by_handover"], serde_json::json!({ "asked": 1, "urgent": 1 }), "{s}");
    assert_eq!(s["saved"], 2.55, "3 calls at 0.85 €");
    assert_eq!(s["days"].as_array().unwrap().len(), 1);
    assert_eq!(s["by_hour"].as_array().unwrap().iter().map(|n| n.as_i64().unwrap()).sum::<i64>(), 5);
    let secretary = token_for(&svc.running.store, "ana", Role::Secretary, &[1], Some("ana"));
    assert_eq!(http::request(web, "GET", "/api/practices/1/stats", &[("Authorization", &format!("Bearer {secretary}"))], "").status, 403);
    let parc = svc.running.store.run_sync(|db| db.create_practice("Cabinet du Parc", "", chrono_tz::Europe::Paris)).unwrap();
    let other = token_for(&svc.running.store, "dr2", Role::Staff, &[parc], None);
    assert_eq!(http::request(web, "GET", "/api/practices/1/stats", &[("Authorization", &format!("Bearer {other}"))], "").status, 404);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("s.toml");
    std::fs::write(&cfg, format!("[database]\npath = \"{}\"\ndemo = false\n", svc.config.database.path.display())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_standardiste"))
        .args(["--config", cfg.to_str().unwrap(), "stats", "--practice", "Cabinet médical des Tilleuls", "--days", "1", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["total"], s["total"], "the command line and the API agree");
    let text = Command::new(env!("CARGO_BIN_EXE_standardiste"))
        .args(["--config", cfg.to_str().unwrap(), "stats", "--practice", "Cabinet médical des Tilleuls"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("5 appels, 3 sans humain (60 %), 2 transmis") && text.contains("économisé: 2.55 €"), "{text}");
    assert!(text.contains("transmis parce que: 1 demandé par l'appelant, 1 urgence"), "{text}");
    let (session, _) = http::browser_login(web, "dr", "a-long-test-password").expect("logs in");
    let page = http::request(web, "GET", "/figures?p=1", &[("Cookie", &format!("standardiste_session={session}"))], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<strong id=\"saved\">2,55 €</strong>") && page.body.contains("<strong>60 %</strong>"), "{}", page.body);
    assert!(page.body.contains("<h2 id=\"why\">Pourquoi transmis</h2>") && page.body.contains("<li><strong>1</strong> urgence</li>"), "{}", page.body);
    assert!(page.body.matches("<rect class=\"alone\"").count() >= 2 && page.body.contains("<rect class=\"handed\""), "the charts are drawn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_ready_once_the_inbound_link_is_up() {
    let (svc, _board) = linked(|_| {}).await;
    let metrics = svc.running.metrics_addr.expect("a metrics listener");
    let h = http::request(metrics, "GET", "/health", &[], "");
    assert_eq!(h.status, 200, "{}", h.body);
    assert!(h.body.contains("inbound link: up"), "{}", h.body);
    let s = scrape(metrics);
    assert_eq!(value(&s, "standardiste_inbound_up", &[]), Some(1.0));
    assert_eq!(value(&s, "standardiste_inbound_connections_total", &[]), Some(1.0));
}
