//! Cross-process end-to-end tests (server + Postgres + devices + third-party
//! clients) and the tools they share:
//!
//! - [`bindings`]: the mobile bridge's built library and generated bindings;
//! - [`accounts`]: users, teams and device tokens, provisioned through the
//!   server's administration library;
//! - [`bench`]: the benchmarks' settings;
//! - [`burst`]: many HTTP requests sent at once (sign-in throttle tests);
//! - [`browser`]: headless Chromium driven by playwright-core (console tests);
//! - [`kotlin`]: the JVM and a Kotlin compiler for the generated Kotlin bindings;
//! - [`install`]: installing what a test needs (Debian packages), once;
//! - [`pg`]: a private Postgres per test run and a fresh database per test;
//! - [`server`]: the real server command line as a child process;
//! - [`client`]: a raw protocol client for hostile-input tests;
//! - [`console`]: a cookie-keeping HTTP client for the supervisor console;
//! - [`device_cli`]: the `alongside-device` command line as a child process;
//! - [`cut_proxy`]: a TCP relay that cuts or stalls connections mid-sync;
//! - [`tls`]: HTTPS and `wss://` clients trusting a test certificate;
//! - [`interop`]: the unmodified automerge-repo JS clients of `interop/`;
//! - [`load`]: simulated devices and the `alongside-load` generator;
//! - [`memory_device`]: in-process sync-client devices over a memory store;
//! - [`live_writer`]: devices adding notes to one record while they sync.

pub mod accounts;
pub mod bench;
pub mod bindings;
pub mod browser;
pub mod burst;
pub mod client;
pub mod console;
pub mod cut_proxy;
pub mod device_cli;
pub mod field;
pub mod install;
pub mod interop;
pub mod kotlin;
pub mod live_writer;
pub mod load;
pub mod memory_device;
pub mod pg;
pub mod server;
pub mod stored;
pub mod syncer;
pub mod tls;
