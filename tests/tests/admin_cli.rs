//! The `admin` command line of the real binary, while `serve` runs on the
//! same database: adding a team and users (password from stdin, or a
//! generated one printed last), enrolling a device (its token alone on the
//! last line of stdout, and it authenticates), listing devices — against a
//! database URL, and against the private cluster of a shared `--data-dir`,
//! which the admin command uses without stopping it.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use alongside_server::auth::password;
use alongside_server::db::Db;
use alongside_server::pg::PrivateCluster;
use alongside_tests::client::RawClient;
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command, http_get};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn admin(database: &[&str], args: &[&str], stdin: Option<&str>) -> Output {
    let mut all = args.to_vec();
    all.extend_from_slice(database);
    let out = admin_command(SERVER, &all, stdin);
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// The scenario, with the database flags `database` given to every admin
/// command and `db_url` for checking what was stored.
async fn provision_and_connect(server: &TestServer, database: &[&str], db_url: &str) {
    let out = admin(database, &["team", "add", "--name", "north"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("north"));

    let out = admin(
        database,
        &[
            "user",
            "add",
            "--username",
            "alice",
            "--role",
            "peer",
            "--team",
            "north",
            "--display-name",
            "Alice A.",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("alice"));
    let out = admin(
        database,
        &[
            "user",
            "add",
            "--username",
            "sam",
            "--role",
            "supervisor",
            "--team",
            "north",
        ],
        None,
    );
    let generated = last_line(&out);
    assert!(generated.len() >= 16, "a generated password: {generated:?}");

    let db = Db::connect_lazy(db_url, 2).unwrap();
    let alice = db.login_row("alice").await.unwrap().unwrap();
    assert_eq!(alice.role, "peer");
    assert!(password::verify(
        "correct horse battery",
        Some(&alice.password_hash)
    ));
    assert!(!password::verify(
        "correct horse",
        Some(&alice.password_hash)
    ));
    let sam = db.login_row("sam").await.unwrap().unwrap();
    assert!(password::verify(&generated, Some(&sam.password_hash)));
    let team = db.team_by_name("north").await.unwrap().unwrap();
    assert_eq!(db.teams_of(alice.id).await.unwrap(), vec![team]);
    assert_eq!(db.teams_of(sam.id).await.unwrap(), vec![team]);
    assert_eq!(
        db.user_by_name("alice")
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "Alice A."
    );

    // A duplicate user is refused, with a message, and a non-zero exit.
    let dup = admin_command(
        SERVER,
        &[
            &["user", "add", "--username", "alice", "--role", "peer"][..],
            database,
        ]
        .concat(),
        None,
    );
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let out = admin(
        database,
        &[
            "device",
            "enroll",
            "--username",
            "alice",
            "--device-name",
            "alice phone",
        ],
        None,
    );
    let token = last_line(&out);
    assert!(token.starts_with("als_"), "the token alone: {token:?}");
    RawClient::joined(&server.sync_url(), &token, "alice-phone").await;

    let out = admin(database, &["device", "list", "--username", "alice"], None);
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let row = listing
        .lines()
        .find(|l| l.contains("alice phone"))
        .unwrap_or_else(|| panic!("device listed: {listing}"));
    assert!(row.contains("alice") && row.contains("active"), "{row}");
    assert!(!listing.contains(&token), "the list never shows tokens");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_provision_while_serve_runs_on_a_database_url() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    provision_and_connect(&server, &["--database-url", &database.url], &database.url).await;
}

/// Stops the private cluster under a data dir however the test ends.
struct StopCluster(PathBuf);

impl Drop for StopCluster {
    fn drop(&mut self) {
        let pg = self.0.join("postgres");
        if pg.join("data/postmaster.pid").exists()
            && let Ok(cluster) = PrivateCluster::start(&pg)
        {
            let _ = cluster.stop();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn data_dir_for(name: &str) -> PathBuf {
    // Under the target directory: the `postgres` account must reach it.
    let dir = alongside_tests::pg::shared_cluster_dir()
        .with_file_name(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cluster_url(data_dir: &Path) -> String {
    // The running server's cluster, adopted (and left running).
    let cluster = PrivateCluster::start(&data_dir.join("postgres")).unwrap();
    assert!(!cluster.stops_on_drop(), "serve started it, not us");
    cluster.url("alongside")
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_share_serves_private_cluster_and_leave_it_running() {
    let data_dir = data_dir_for("admin-data-dir");
    let _cleanup = StopCluster(data_dir.clone());
    let dir = data_dir.to_string_lossy().into_owned();
    let mut server = TestServer::start_with(SERVER, &["--data-dir", &dir]);
    let db_url = cluster_url(&data_dir);
    provision_and_connect(&server, &["--data-dir", &dir], &db_url).await;
    // Every admin command ended; the server's database is still up.
    assert!(matches!(http_get(server.addr, "/readyz"), Some((200, _))));
    assert!(server.terminate(), "serve stops cleanly (and its cluster)");
}
