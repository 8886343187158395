//! A plain HTTP/1.1 client over a TCP socket, for the access tests: every
//! header is the test's own (Host, Cookie, Content-Type), nothing is added
//! or followed behind its back.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body as text.
    pub body: String,
}

impl Answer {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of a cookie this answer sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers.iter().filter(|(k, _)| k == "set-cookie").find_map(|(_, v)| {
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
    }

    /// The value of a hidden input of a form in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&needle)? + needle.len();
        Some(self.body[at..].split('"').next()?.to_string())
    }
}

/// One request; `Connection: close`, the whole answer read.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect to the web listener");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_string() };
    Answer { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A GET with a bearer token.
pub fn get_with_token(addr: SocketAddr, path: &str, token: &str) -> Answer {
    request(addr, "GET", path, &[("Authorization", &format!("Bearer {token}"))], "")
}

/// A POST of JSON with a bearer token.
pub fn post_json_with_token(addr: SocketAddr, path: &str, token: &str, json: &str) -> Answer {
    request(addr, "POST", path, &[("Authorization", &format!("Bearer {token}")), ("Content-Type", "application/json")], json)
}

/// Log in through the page as a browser does: the session cookie and the
/// CSRF token of its forms.
pub fn browser_login(addr: SocketAddr, login: &str, password: &str) -> Result<(String, String), Answer> {
    let page = request(addr, "GET", "/login", &[], "");
    let form_cookie = page.cookie("standardiste_login").expect("the log-in page sets its cookie");
    let csrf = page.field("csrf").expect("the log-in form carries its token");
    let body = format!("csrf={csrf}&login={login}&password={password}&next=");
    let answer = request(
        addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", &format!("standardiste_login={form_cookie}"))],
        &body,
    );
    let Some(session) = answer.cookie("standardiste_session") else { return Err(answer) };
    let account = request(addr, "GET", "/account", &[("Cookie", &format!("standardiste_session={session}"))], "");
    let csrf = account.field("csrf").expect("the account page carries the session's CSRF token");
    Ok((session, csrf))
}
