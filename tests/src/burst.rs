//! Many HTTP/1.1 requests at once, for the sign-in throttle's tests: each
//! request is connected and written but for its last byte, then all of
//! them send that byte together, so the server sees one burst of complete
//! requests rather than a queue that a slow client would make.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

/// One request of a burst.
#[derive(Debug, Clone)]
pub struct Shot {
    /// The server.
    pub addr: SocketAddr,
    /// `POST` or `GET`.
    pub method: &'static str,
    /// The path.
    pub path: String,
    /// Extra headers (`Content-Length` and `Host` are added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Shot {
    /// `POST path` with a JSON body.
    pub fn json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> Self {
        Self {
            addr,
            method: "POST",
            path: path.to_owned(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// `POST path` with a form body (already encoded) and a `Cookie`
    /// header.
    pub fn form(addr: SocketAddr, path: &str, body: &str, cookie: &str) -> Self {
        Self {
            addr,
            method: "POST",
            path: path.to_owned(),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Cookie".into(), cookie.to_owned()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.method,
            self.path,
            self.addr,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (chunked bodies are left as sent).
    pub body: String,
}

impl Answer {
    /// The first header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends every shot at once; the answers in the same order.
pub async fn fire(shots: Vec<Shot>) -> Vec<Answer> {
    let ready = Arc::new(Barrier::new(shots.len()));
    let tasks: Vec<_> = shots
        .into_iter()
        .map(|shot| {
            let ready = ready.clone();
            tokio::spawn(async move {
                let bytes = shot.bytes();
                let (most, last) = bytes.split_at(bytes.len() - 1);
                let mut stream = TcpStream::connect(shot.addr).await.expect("connect");
                stream.write_all(most).await.expect("send");
                ready.wait().await;
                stream.write_all(last).await.expect("send the last byte");
                let mut raw = Vec::new();
                tokio::time::timeout(Duration::from_secs(120), stream.read_to_end(&mut raw))
                    .await
                    .expect("the server answers")
                    .expect("read the answer");
                parse(&raw)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a burst task"));
    }
    answers
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// How many answers had each status, as `(status, count)` in status order.
pub fn tally(answers: &[Answer]) -> Vec<(u16, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for a in answers {
        *counts.entry(a.status).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}
