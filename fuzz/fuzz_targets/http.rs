//! Requests to the web listener: any route of the pages and the API, any
//! method, query and body, as a logged-in doctor (session cookie and CSRF
//! token), an administrator or a secretary (bearer tokens), or nobody; the
//! first bytes choose, the rest is the request's own. Through hyper and
//! every handler to the store; never a panic.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

/// The routes, with ids of the demo data (the server's own list is in src/web).
const ROUTES: &[&str] = &[
    "/",
    "/account",
    "/account/password",
    "/agenda",
    "/agenda/absence",
    "/agenda/absence/remove",
    "/agenda/book",
    "/agenda/cancel",
    "/agenda/feed",
    "/agenda/feed/revoke",
    "/agenda/move",
    "/agenda/name/1",
    "/agenda/subscribe",
    "/agenda/unsubscribe",
    "/api/agents/ana-fuzz/login",
    "/api/agents/ana-fuzz/logout",
    "/api/agents/ana-fuzz/pause",
    "/api/agents/ana-fuzz/resume",
    "/api/audit",
    "/api/callbacks",
    "/api/callbacks/1/place",
    "/api/calls/x",
    "/api/console/book",
    "/api/console/cancel",
    "/api/console/close",
    "/api/console/message",
    "/api/console/move",
    "/api/console/practices/1",
    "/api/console/slots",
    "/api/practices/1/stats",
    "/api/queues",
    "/api/stats",
    "/calendar/x",
    "/console",
    "/favicon.ico",
    "/figures",
    "/login",
    "/logout",
    "/messages",
    "/messages/1/audio",
    "/messages/1/handled",
    "/settings",
    "/settings/hours",
    "/settings/doctors",
    "/static/style.css",
    "/today",
    "/voice",
    "/voice/menu.main",
    "/voice/menu.main/audio",
    "/voice/menu.main/reset",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"];

fuzz_target!(|data: &[u8]| {
    let svc = standardiste_fuzz::service();
    if data.len() < 2 {
        return;
    }
    let (method, route, who) = (METHODS[data[0] as usize % METHODS.len()], ROUTES[data[1] as usize % ROUTES.len()], data[0] / 8 % 4);
    let rest = &data[2..];
    // The query (up to a newline), then the body.
    let (query, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let query: String = String::from_utf8_lossy(query).chars().filter(|c| !c.is_control() && *c != ' ').collect();
    let mut raw = format!(
        "{method} {route}{}{query} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        if query.is_empty() { "" } else { "?" },
        svc.running.web_addr,
        body.len()
    );
    raw.push_str(if data[0] & 64 == 0 { "Content-Type: application/x-www-form-urlencoded\r\n" } else { "Content-Type: application/json\r\n" });
    match who {
        0 => raw.push_str(&format!("Cookie: standardiste_session={}\r\nX-CSRF-Token: {}\r\n", svc.session.0, svc.session.1)),
        1 => raw.push_str(&format!("Authorization: Bearer {}\r\n", svc.admin_token)),
        2 => raw.push_str(&format!("Authorization: Bearer {}\r\n", svc.secretary_token)),
        _ => {}
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    let answer = standardiste_fuzz::exchange(svc.running.web_addr, &raw, Duration::from_secs(5));
    // Whatever was asked, the server answers with a status line.
    assert!(answer.is_empty() || answer.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&answer[..answer.len().min(200)]));
});
