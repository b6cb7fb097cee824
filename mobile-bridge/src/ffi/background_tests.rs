//! Background sync and the trusted certificate through the FFI object,
//! without a server: a listener hears each failure with its backoff and
//! the stop, a listener that panics still hears the rest, a sync never
//! runs twice at once (`Busy` either way round), and junk offered as a
//! certificate is refused at the boundary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::tests::{enrol_offline, path};
use super::*;

/// What the listener heard, as text, sent to the test thread.
struct Heard {
    events: Mutex<mpsc::Sender<String>>,
    panic_on_failure: bool,
}

impl Heard {
    fn new(panic_on_failure: bool) -> (Arc<Self>, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel();
        let heard = Arc::new(Self {
            events: Mutex::new(tx),
            panic_on_failure,
        });
        (heard, rx)
    }

    fn send(&self, what: String) {
        let _ = self.events.lock().unwrap().send(what);
    }
}

impl SyncListener for Heard {
    fn on_synced(&self, report: SyncReport) {
        self.send(format!("synced {}", report.documents_sent));
    }

    fn on_failed(&self, error: BridgeError, failures: u32, retry_in_secs: f64) {
        let kind = match error {
            BridgeError::Connection { .. } => "connection",
            BridgeError::Busy => "busy",
            _ => "other",
        };
        self.send(format!("failed {kind} {failures} {}", retry_in_secs <= 1.0));
        assert!(!self.panic_on_failure, "a listener that throws");
    }

    fn on_stopped(&self, reason: SyncStopReason) {
        self.send(format!("stopped {reason:?}"));
    }
}

fn next(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(20)).expect("a call")
}

#[test]
fn a_listener_hears_failures_with_their_backoff_and_the_stop() {
    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![4u8; 32]).unwrap();
    let (heard, rx) = Heard::new(false);
    assert!(matches!(
        device.start_background_sync(60, heard.clone()),
        Err(BridgeError::NotEnrolled)
    ));
    assert!(matches!(
        device.start_background_sync(0, heard.clone()),
        Err(BridgeError::InvalidInput { .. })
    ));
    // Port 9 (discard) on loopback: nothing listens there.
    enrol_offline(&device, "http://127.0.0.1:9");
    device.create_participant("Ana".into()).unwrap();
    device.start_background_sync(60, heard).unwrap();
    // The first failure is retried within a second (base 1 s, jittered).
    assert_eq!(next(&rx), "failed connection 1 true");
    assert!(device.sync_soon().unwrap());
    assert!(next(&rx).starts_with("failed connection 2"));
    device.stop_background_sync().unwrap();
    // Heard before stop_background_sync returned (after any later
    // failure), and nothing after it.
    let heard: Vec<String> = rx.try_iter().collect();
    assert_eq!(
        heard.last().map(String::as_str),
        Some("stopped Requested"),
        "{heard:?}"
    );
    assert!(
        heard
            .iter()
            .all(|h| h.starts_with("failed") || h == "stopped Requested"),
        "{heard:?}"
    );
    assert!(!device.sync_soon().unwrap());
    assert_eq!(
        device.status().unwrap().pending_documents,
        1,
        "nothing lost"
    );
    device.stop_background_sync().unwrap();
}

#[test]
fn a_listener_that_panics_still_hears_the_stop() {
    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![5u8; 32]).unwrap();
    enrol_offline(&device, "http://127.0.0.1:9");
    let (heard, rx) = Heard::new(true);
    device.start_background_sync(60, heard).unwrap();
    assert_eq!(next(&rx), "failed connection 1 true");
    // Starting again replaces the running one, which hears the stop.
    let (again, rx2) = Heard::new(false);
    device.start_background_sync(60, again).unwrap();
    assert_eq!(next(&rx), "stopped Requested");
    assert_eq!(next(&rx2), "failed connection 1 true");
    // Changing the trusted certificate stops it too (a new client).
    device.forget_trusted_certificate().unwrap();
    let last = std::iter::from_fn(|| rx2.recv_timeout(Duration::from_secs(1)).ok()).last();
    assert_eq!(last.as_deref(), Some("stopped Requested"));
    assert!(!device.sync_soon().unwrap());
}

/// A server that accepts connections and never answers: a sync against
/// it stays in progress until [`Silent::hang_up`], after which every
/// connection is closed at once. Says on `accepted` each time a
/// connection is held.
struct Silent {
    url: String,
    held: Arc<Mutex<Option<Vec<TcpStream>>>>,
    accepted: mpsc::Receiver<()>,
}

impl Silent {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let held = Arc::new(Mutex::new(Some(Vec::new())));
        let (tx, accepted) = mpsc::channel();
        let keep = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                match keep.lock().unwrap().as_mut() {
                    Some(held) => held.push(stream),
                    None => hang_up(stream),
                }
                let _ = tx.send(());
            }
        });
        Self {
            url,
            held,
            accepted,
        }
    }

    fn wait_for_a_connection(&self) {
        self.accepted
            .recv_timeout(Duration::from_secs(20))
            .expect("a sync connected");
    }

    /// Closes every connection, now and from now on.
    fn hang_up(&self) {
        for stream in self.held.lock().unwrap().take().into_iter().flatten() {
            hang_up(stream);
        }
    }
}

fn hang_up(stream: TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = (&stream).read(&mut [0u8; 1]);
}

#[test]
fn a_sync_never_runs_twice_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let device = Arc::new(AlongsideDevice::open(path(&dir), vec![6u8; 32]).unwrap());
    let server = Silent::start();
    enrol_offline(&device, &server.url);
    device.create_participant("Ana".into()).unwrap();

    // Background sync is waiting on the server: the app's sync_now is Busy.
    let (heard, rx) = Heard::new(false);
    device.start_background_sync(60, heard).unwrap();
    server.wait_for_a_connection();
    assert!(matches!(device.sync_now(), Err(BridgeError::Busy)));
    device.stop_background_sync().unwrap();
    assert_eq!(
        rx.try_iter().last().as_deref(),
        Some("stopped Requested"),
        "stopping abandons the sync in progress"
    );

    // The app's sync_now is waiting: a background attempt is told Busy and
    // retried soon.
    let app = {
        let device = device.clone();
        std::thread::spawn(move || device.sync_now())
    };
    server.wait_for_a_connection();
    let (heard, rx) = Heard::new(false);
    device.start_background_sync(60, heard).unwrap();
    assert_eq!(next(&rx), "failed busy 1 true");
    server.hang_up();
    assert!(matches!(
        app.join().unwrap(),
        Err(BridgeError::Connection { .. })
    ));
    device.stop_background_sync().unwrap();
    assert_eq!(
        device.status().unwrap().pending_documents,
        1,
        "nothing lost"
    );
}

#[test]
fn junk_is_not_trusted_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![6u8; 32]).unwrap();
    for junk in [
        String::new(),
        "not a certificate".into(),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
        "-----BEGIN CERTIFICATE-----\n".repeat(5000),
    ] {
        let refused = device.trust_certificate(junk);
        assert!(
            matches!(&refused, Err(BridgeError::InvalidInput { field, .. }) if field == "pem"),
            "{refused:?}"
        );
    }
    assert_eq!(device.trusted_certificate().unwrap(), None);
    device.forget_trusted_certificate().unwrap();
    assert_eq!(device.trusted_certificate().unwrap(), None);
}
