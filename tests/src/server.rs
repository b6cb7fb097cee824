//! Starting `alongside-server serve` as a child process for cross-process
//! tests: on a free loopback port, against a given database, with helpers to
//! wait for readiness, stop it gracefully, pause it, or kill it outright;
//! and running its one-shot `admin` commands.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether a server at an address is up (by default: `/healthz` over plain
/// HTTP answers 200).
pub type Probe = Box<dyn Fn(SocketAddr) -> bool + Send + Sync>;

/// A running server process.
pub struct TestServer {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where it serves `/metrics` (`--metrics-bind`, which every test
    /// server is given; the main listener does not serve them).
    pub metrics_addr: SocketAddr,
    binary: PathBuf,
    args: Vec<String>,
    healthy: Probe,
}

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A plain HTTP GET on loopback: status code and body.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    http_get_with(addr, path, &[])
}

/// `GET path` with extra request headers (`Name: value` lines); as
/// [`http_get`].
pub fn http_get_with(addr: SocketAddr, path: &str, headers: &[&str]) -> Option<(u16, String)> {
    let response = http_response(addr, path, headers)?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    Some((status, body))
}

/// The whole answer to `GET path` (status line, headers, body), lossily
/// as text; `None` if the server could not be reached.
pub fn http_response(addr: SocketAddr, path: &str, headers: &[&str]) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(String::from_utf8_lossy(&response).into_owned())
}

/// Runs `binary admin ARGS…` to completion (a one-shot administration
/// command), feeding it `stdin` when given (else an empty stdin).
pub fn admin_command(binary: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(binary)
        .arg("admin")
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .expect("write the admin command's stdin");
    }
    child
        .wait_with_output()
        .expect("the admin command finishes")
}

impl TestServer {
    /// Starts `serve` with `database_url` and extra flags, and waits until
    /// `/healthz` answers.
    pub fn start(binary: &str, database_url: &str, extra: &[&str]) -> Self {
        let mut args = vec!["--database-url", database_url];
        args.extend_from_slice(extra);
        Self::start_with(binary, &args)
    }

    /// Starts `serve --bind <free port> ARGS…` (the database flags among
    /// `args`, e.g. `--data-dir DIR` for the private cluster) and waits until
    /// `/healthz` answers.
    pub fn start_with(binary: &str, extra: &[&str]) -> Self {
        Self::spawn_probed(
            binary,
            extra,
            Box::new(|addr| matches!(http_get(addr, "/healthz"), Some((200, _)))),
        )
    }

    /// Like [`TestServer::start`], waiting until `healthy` says it is up
    /// (for servers that do not answer plain HTTP, such as over TLS).
    pub fn start_probed(binary: &str, database_url: &str, extra: &[&str], healthy: Probe) -> Self {
        let mut args = vec!["--database-url", database_url];
        args.extend_from_slice(extra);
        Self::spawn_probed(binary, &args, healthy)
    }

    fn spawn_probed(binary: &str, extra: &[&str], healthy: Probe) -> Self {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("loopback address");
        let metrics_addr: SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("loopback address");
        let mut args = vec!["serve".to_owned(), "--bind".to_owned(), addr.to_string()];
        args.extend(["--metrics-bind".to_owned(), metrics_addr.to_string()]);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let mut server = Self {
            child: spawn(binary, &args),
            addr,
            metrics_addr,
            binary: binary.into(),
            args,
            healthy,
        };
        server.wait_healthy();
        server
    }

    /// The WebSocket URL of `/sync` (connecting needs a device token: as a
    /// header, or see [`TestServer::sync_url_for`]).
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// The WebSocket URL of `/sync` carrying device token `token` in its
    /// query, for clients that take only a URL.
    pub fn sync_url_for(&self, token: &str) -> String {
        crate::accounts::with_token(&self.sync_url(), token)
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited during start-up: {status}");
            }
            if (self.healthy)(self.addr) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not become healthy at {}", self.addr);
    }

    /// `kill -9`: no shutdown, no flush.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a graceful exit; returns whether it exited 0.
    pub fn terminate(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    /// Starts the same server again on the same port (after kill/terminate).
    pub fn restart(&mut self) {
        // A server still running (not killed or terminated first) is killed,
        // so that the new one can bind the same address.
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
        self.child = spawn(&self.binary.to_string_lossy(), &self.args);
        self.wait_healthy();
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the process (SIGSTOP) until the guard is dropped (SIGCONT):
    /// it does nothing meanwhile, not even notice a lost connection.
    pub fn pause(&self) -> Paused {
        signal("-STOP", self.pid());
        Paused(self.pid())
    }

    /// Everything `/metrics` says (status and text), if it answers.
    pub fn metrics(&self) -> Option<(u16, String)> {
        http_get(self.metrics_addr, "/metrics")
    }

    /// The value of counter or gauge `name` at `/metrics`, if it answers.
    pub fn metric(&self, name: &str) -> Option<i64> {
        let (_, body) = self.metrics()?;
        body.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
    }
}

/// A server process stopped by [`TestServer::pause`]; continues on drop.
pub struct Paused(u32);

impl Drop for Paused {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

fn signal(which: &str, pid: u32) {
    let sent = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(sent, "kill {which} {pid}");
}

/// Servers under test log nothing, unless `ALONGSIDE_TEST_SERVER_LOG` holds
/// a `RUST_LOG` filter (for chasing a failure): then their log (on stdout)
/// goes to the test's.
fn server_log() -> (String, Stdio) {
    match std::env::var("ALONGSIDE_TEST_SERVER_LOG") {
        Ok(filter) => (filter, Stdio::inherit()),
        Err(_) => ("warn".to_owned(), Stdio::null()),
    }
}

/// Test harnesses play many devices through one account and token, which
/// the per-user and per-device connection caps would refuse; tests of the
/// caps give them as flags, which take precedence over these.
const GENEROUS_CONNECTION_CAPS: [(&str, &str); 2] = [
    ("ALONGSIDE_MAX_CONNECTIONS_PER_USER", "10000"),
    ("ALONGSIDE_MAX_CONNECTIONS_PER_DEVICE", "10000"),
];

fn spawn(binary: &str, args: &[String]) -> Child {
    let (filter, log) = server_log();
    Command::new(binary)
        .args(args)
        .envs(GENEROUS_CONNECTION_CAPS)
        .env("RUST_LOG", filter)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server binary")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}
