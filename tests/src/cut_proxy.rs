//! A TCP relay between devices and the server that can cut or stall
//! connections part-way through, so that a test makes "the signal dropped
//! in the middle of a sync" happen for certain rather than by luck of
//! timing.
//!
//! Devices enrol with the relay's address and go through it for good; the
//! relay forwards to the server's address, which survives a server
//! restart. In front of several server nodes it is a load balancer without
//! stickiness: each new connection goes to the next node in turn, so one
//! device's syncs (and the requests within one sync) land on different
//! nodes. Each new connection takes the relay's current [`Mode`]: pass
//! everything, cut after N bytes (both directions counted), or stall after
//! N bytes until [`CutProxy::release`] (e.g. while the server restarts).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What happens to connections opened from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Relay everything.
    Pass,
    /// Close the connection once it has carried this many bytes.
    CutAfter(u64),
    /// Stop relaying once the connection has carried this many bytes, and
    /// close it when released.
    StallAfter(u64),
}

#[derive(Debug)]
struct State {
    mode: Mode,
    /// Connections stalled and not yet released.
    stalled: usize,
    /// Bumped by each release; a stalled pump waits for it to change.
    releases: u64,
    /// The upstream (its index) of the connection stalled last.
    stalled_on: Option<usize>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    cuts: AtomicU64,
    stalls: AtomicU64,
    /// Connections opened so far: the next one's upstream, in turn.
    opened: AtomicUsize,
}

/// The relay. It runs until the process ends.
#[derive(Debug, Clone)]
pub struct CutProxy {
    /// Where devices connect.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl CutProxy {
    /// Starts relaying from a fresh loopback port to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        Self::balanced(vec![upstream])
    }

    /// Starts relaying from a fresh loopback port to `upstreams`, each new
    /// connection to the next in turn.
    ///
    /// # Panics
    /// If `upstreams` is empty.
    pub fn balanced(upstreams: Vec<SocketAddr>) -> Self {
        assert!(!upstreams.is_empty(), "a relay needs somewhere to relay to");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let addr = listener.local_addr().expect("the relay's address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                mode: Mode::Pass,
                stalled: 0,
                releases: 0,
                stalled_on: None,
            }),
            changed: Condvar::new(),
            cuts: AtomicU64::new(0),
            stalls: AtomicU64::new(0),
            opened: AtomicUsize::new(0),
        });
        let relay = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = relay.clone();
                let index = shared.opened.fetch_add(1, Ordering::SeqCst) % upstreams.len();
                let upstream = upstreams[index];
                std::thread::spawn(move || connection(client, upstream, index, &shared));
            }
        });
        Self { addr, shared }
    }

    /// Sets the mode of connections opened from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.lock().mode = mode;
    }

    /// Waits until at least one connection is stalled; false on timeout.
    pub fn wait_stalled(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.stalled == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = match self.shared.changed.wait_timeout(state, left) {
                Ok((s, _)) => s,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// Closes every stalled connection and relays everything from now on.
    pub fn release(&self) {
        let mut state = self.lock();
        state.mode = Mode::Pass;
        state.releases += 1;
        self.shared.changed.notify_all();
    }

    /// The upstream (index into the relay's list) of the connection
    /// stalled last.
    pub fn stalled_upstream(&self) -> Option<usize> {
        self.lock().stalled_on
    }

    /// Connections cut so far (by [`Mode::CutAfter`]).
    pub fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }

    /// Connections stalled so far (by [`Mode::StallAfter`]).
    pub fn stalls(&self) -> u64 {
        self.shared.stalls.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Relays one connection in both directions under the mode it was opened
/// with.
fn connection(client: TcpStream, upstream: SocketAddr, index: usize, shared: &Arc<Shared>) {
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
        // The server is down (restarting): the device sees a closed
        // connection, as it would.
        return;
    };
    let mode = shared
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .mode;
    let budget = match mode {
        Mode::Pass => u64::MAX,
        Mode::CutAfter(n) | Mode::StallAfter(n) => n,
    };
    let carried = Arc::new(AtomicU64::new(0));
    let (Ok(client_r), Ok(server_w), Ok(server_r), Ok(client_w)) = (
        client.try_clone(),
        server.try_clone(),
        server.try_clone(),
        client.try_clone(),
    ) else {
        return;
    };
    let ends = [client, server];
    let up = {
        let (carried, shared) = (carried.clone(), shared.clone());
        std::thread::spawn(move || pump(client_r, server_w, &carried, budget, mode, index, &shared))
    };
    pump(server_r, client_w, &carried, budget, mode, index, shared);
    let _ = up.join();
    for end in &ends {
        let _ = end.shutdown(Shutdown::Both);
    }
}

/// Copies one direction until an end closes or the budget runs out.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    carried: &AtomicU64,
    budget: u64,
    mode: Mode,
    upstream: usize,
    shared: &Arc<Shared>,
) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n as u64,
        };
        let before = carried.fetch_add(n, Ordering::SeqCst);
        let allowed = budget.saturating_sub(before).min(n);
        let len = usize::try_from(allowed).unwrap_or(0);
        if to.write_all(&buf[..len]).is_err() {
            return;
        }
        if allowed < n || before + n >= budget {
            match mode {
                Mode::StallAfter(_) => stall(upstream, shared),
                // Counted before either end can see the cut, and once: only
                // one pump's bytes cross the budget.
                Mode::CutAfter(_) if before < budget => {
                    shared.cuts.fetch_add(1, Ordering::SeqCst);
                }
                Mode::CutAfter(_) | Mode::Pass => {}
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Holds the connection open, relaying nothing, until the next release.
fn stall(upstream: usize, shared: &Arc<Shared>) {
    let mut state = shared
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.stalled += 1;
    state.stalled_on = Some(upstream);
    shared.stalls.fetch_add(1, Ordering::SeqCst);
    shared.changed.notify_all();
    let seen = state.releases;
    while state.releases == seen {
        state = match shared.changed.wait(state) {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
    }
    state.stalled -= 1;
}
