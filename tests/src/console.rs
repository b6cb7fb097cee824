//! A minimal browser for console tests: plain HTTP/1.1 over loopback with a
//! cookie jar, GET and form POST, and helpers to sign in and to pick the
//! CSRF token and hidden fields out of a page. Real browsers drive the
//! console in the Chromium tests; this one lets the protocol-level tests
//! send exactly the requests a browser would not (no token, a wrong one).
//! Also builds the participant records the console tests push as devices.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use alongside_shared::doc::edit::participant::{
    Signing, add_note, create_participant, submit_note,
};
use alongside_shared::doc::participant::{Narrative, Note, Profile};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{CalendarDate, Timestamp};
use automerge::AutoCommit;
use autosurgeon::Text;
use uuid::Uuid;

use crate::accounts::Account;

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Page {
    /// The first header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of the first `<input … name="NAME" value="…">`.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.body.find(&marker)?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        let tag = &self.body[tag_start..tag_end];
        let v = tag.find("value=\"")? + "value=\"".len();
        let end = tag[v..].find('"')?;
        Some(unescape(&tag[v..v + end]))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Percent-encodes a form value.
pub fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A client with a cookie jar.
#[derive(Clone)]
pub struct Browser {
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    /// A browser for the server at `addr`, with no cookies.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            tls: None,
            cookies: BTreeMap::new(),
        }
    }

    /// A browser speaking HTTPS to `localhost` at `addr`, trusting what
    /// `config` trusts.
    pub fn tls(addr: SocketAddr, config: Arc<rustls::ClientConfig>) -> Self {
        Self {
            tls: Some(config),
            ..Self::new(addr)
        }
    }

    /// `GET path`.
    pub fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None)
    }

    /// `POST path` with `fields` as a form body.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[])
    }

    /// `POST path` with `fields` as a form body and extra request headers
    /// (`Name: value`), such as the `Origin` a browser adds.
    pub fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[&str]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        let mut extra = vec!["Content-Type: application/x-www-form-urlencoded".to_owned()];
        extra.extend(headers.iter().map(|h| (*h).to_owned()));
        self.send("POST", path, &extra, Some(body.join("&")))
    }

    /// Signs in through the form: `GET /signin` then `POST /signin` with its
    /// CSRF token. Returns the POST's answer.
    pub fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/signin");
        let csrf = form
            .input("csrf")
            .expect("the sign-in form has a CSRF token");
        self.post(
            "/signin",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
    }

    /// The CSRF token of the forms on `path` (e.g. the sign-out form every
    /// page carries).
    pub fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        page.input("csrf").expect("a form with a CSRF token")
    }

    /// A JSON API request with device token `token` (if any) and a JSON
    /// body (if any).
    pub fn api(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<&str>,
    ) -> Page {
        let mut extra = Vec::new();
        if let Some(token) = token {
            extra.push(format!("Authorization: Bearer {token}"));
        }
        if json.is_some() {
            extra.push("Content-Type: application/json".to_owned());
        }
        self.send(method, path, &extra, json.map(str::to_owned))
    }

    fn request(&mut self, method: &str, path: &str, body: Option<String>) -> Page {
        let extra = if method == "POST" {
            vec!["Content-Type: application/x-www-form-urlencoded".to_owned()]
        } else {
            Vec::new()
        };
        self.send(method, path, &extra, body)
    }

    fn send(&mut self, method: &str, path: &str, extra: &[String], body: Option<String>) -> Page {
        let stream =
            TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !cookie.is_empty() {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for header in extra {
            head.push_str(header);
            head.push_str("\r\n");
        }
        let body = body.unwrap_or_default();
        if method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body.as_bytes());
        let mut raw = Vec::new();
        match &self.tls {
            None => {
                let mut stream = stream;
                stream.write_all(&request).expect("send");
                stream.read_to_end(&mut raw).expect("read the response");
            }
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from("localhost").expect("a name");
                let connection =
                    rustls::ClientConnection::new(config.clone(), name).expect("a TLS client");
                let mut tls = rustls::StreamOwned::new(connection, stream);
                tls.write_all(&request).expect("send");
                // A peer closing without close_notify still leaves a full
                // response.
                let _ = tls.read_to_end(&mut raw);
            }
        }
        let page = parse(&raw);
        for value in page.set_cookies() {
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                let deleted = value.contains("Max-Age=0") || v.is_empty();
                if deleted {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies.insert(name.trim().to_owned(), v.to_owned());
                }
            }
        }
        page
    }
}

fn parse(raw: &[u8]) -> Page {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    out
}

/// A note by `author` on their enrolled device, `minute` minutes into a
/// fixed day, not yet submitted.
pub fn note(author: &Account, intervention: &str, minute: i64) -> Note {
    let start = 1_795_000_000_000 + minute * 60_000;
    Note {
        author_id: author.user_id.to_string(),
        device_id: author.device_id.to_string(),
        // The start's date in UTC (the server checks they agree).
        service_date: CalendarDate::parse("2026-11-18").expect("a date"),
        encounter_at: Timestamp::from_millis(start),
        encounter_end_at: Timestamp::from_millis(start + 45 * 60_000),
        setting: "community".into(),
        service_code: "H0038".into(),
        goal_ids: BTreeMap::new(),
        narrative: Narrative {
            intervention: Text::with_value(intervention),
            purpose: Text::with_value("Housing goal"),
            response: Text::with_value("Engaged, asked questions"),
            plan: Text::with_value("Meet again Friday"),
        },
        status: NoteStatus::Draft,
        created_at: Timestamp::from_millis(start),
        author_name: None,
        credentials: Some("CPRS".into()),
        participant_comment: None,
        part2: Some(false),
        submitted_at: None,
        signature: None,
        updated_at: None,
        accompaniment_id: None,
    }
}

/// A participant record (a new document) with `notes.len()` submitted notes.
pub fn record(name: &str, author: &Account, notes: &[&str]) -> (AutoCommit, Vec<Uuid>) {
    let mut doc = AutoCommit::new();
    create_participant(&mut doc, &Profile::new(name)).expect("a valid edit");
    let mut ids = Vec::new();
    for (i, text) in notes.iter().enumerate() {
        let id = Uuid::new_v4();
        add_note(&mut doc, id, &note(author, text, i as i64 * 60)).expect("a valid edit");
        let heads = doc.get_heads();
        let by = author.user_id.to_string();
        submit_note(
            &mut doc,
            id,
            Signing {
                by: &by,
                at: Timestamp::from_millis(1_795_000_000_000),
                heads: &heads,
            },
        )
        .expect("a valid edit");
        ids.push(id);
    }
    doc.commit();
    (doc, ids)
}
