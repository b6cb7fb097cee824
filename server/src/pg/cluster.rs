//! [`PrivateCluster`]: a PostgreSQL server of this program's own, run from the
//! system binaries in a directory it owns. The first start runs `initdb`; later
//! starts reuse the data, the port (while free) and, when a server is already
//! running there, that server.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::databases::{createdb, percent_encode};
use super::layout::{self, Layout};
use super::runner::{Runner, failure, io, output, run, tail};
use super::{PgBinaries, PgError};

/// How long `pg_ctl` may take to start or stop the server, and how long to
/// wait for a server another process is starting.
const TIMEOUT: Duration = Duration::from_secs(120);

/// How many ports to try when the chosen one is taken before the server binds it.
const START_ATTEMPTS: u32 = 3;

/// How much a cluster's data must survive; applied at every start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Commits reach the disk before they are acknowledged (PostgreSQL's
    /// defaults, fsync on): the server's data.
    Durable,
    /// Nothing waits for the disk (fsync, synchronous_commit and
    /// full_page_writes off; initdb --no-sync): a machine crash may lose or
    /// corrupt the data, a crash of PostgreSQL alone does not. For test
    /// clusters, where creating and dropping a database per test is otherwise
    /// over ten times slower (each drop forces a checkpoint).
    Throwaway,
}

/// A running private PostgreSQL server: listening on 127.0.0.1 (and a unix
/// socket in its directory), superuser `postgres`, trust authentication for
/// local connections only. Meant for development, tests and single-user
/// installs; production points the server at its own database URL instead.
///
/// Dropping the handle stops the server only when this handle started it
/// (see [`PrivateCluster::stops_on_drop`]): a server found already running
/// belongs to whoever started it, and a test harness sharing one server
/// between processes calls [`PrivateCluster::keep_running`].
#[derive(Debug)]
pub struct PrivateCluster {
    layout: Layout,
    port: u16,
    binaries: PgBinaries,
    runner: Runner,
    durability: Durability,
    stop_on_drop: bool,
}

impl PrivateCluster {
    /// Starts (first `initdb`-ing) the cluster kept in `dir` with
    /// [`Durability::Durable`] settings, or adopts the server already running
    /// there (whatever its settings). Concurrent calls for one directory, from
    /// any process, are serialised by a lock file in it, so exactly one of
    /// them initialises and starts the server.
    ///
    /// This blocks on child processes for up to a few seconds (`initdb` with
    /// fsync on takes about two): async callers run it in
    /// `tokio::task::spawn_blocking`.
    ///
    /// As root, the directory is given to the `postgres` account and every
    /// server program runs as that account; that account must be able to
    /// reach `dir`.
    pub fn start(dir: &Path) -> Result<Self, PgError> {
        Self::start_with(dir, Durability::Durable)
    }

    /// [`PrivateCluster::start`] with the given durability.
    pub fn start_with(dir: &Path, durability: Durability) -> Result<Self, PgError> {
        let binaries = PgBinaries::find()?;
        let runner = Runner::for_this_process()?;
        let dir = std::path::absolute(dir).map_err(io("resolve", dir))?;
        let layout = Layout::new(&dir);
        runner.create_private_dir(&layout.dir)?;
        runner.check_reachable(&layout.dir)?;

        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&layout.lock)
            .map_err(io("open", &layout.lock))?;
        lock.lock().map_err(io("lock", &layout.lock))?;

        let mut cluster = Self {
            layout,
            port: 0,
            binaries,
            runner,
            durability,
            stop_on_drop: false,
        };
        if !cluster.layout.is_initialised() {
            cluster.initialise()?;
        }
        if let Some(port) = cluster.running_port()? {
            tracing::info!(dir = %dir.display(), port, "using the PostgreSQL server already running");
            cluster.port = port;
        } else {
            cluster.port = cluster.launch()?;
            cluster.stop_on_drop = true;
        }
        drop(lock);
        Ok(cluster)
    }

    /// The cluster directory.
    pub fn dir(&self) -> &Path {
        &self.layout.dir
    }

    /// The data directory (`PGDATA`) inside it.
    pub fn data_dir(&self) -> &Path {
        &self.layout.data
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `database` for the `postgres` superuser over TCP:
    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.port,
            percent_encode(database)
        )
    }

    /// Creates database `name` with `createdb`; succeeds if it already exists.
    pub fn create_database(&self, name: &str) -> Result<(), PgError> {
        createdb(
            &self.binaries.program("createdb"),
            &self.url("postgres"),
            name,
        )
    }

    /// Whether dropping this handle stops the server: true when
    /// [`PrivateCluster::start`] started it (not when it adopted a running
    /// one) and [`PrivateCluster::keep_running`] has not been called.
    pub fn stops_on_drop(&self) -> bool {
        self.stop_on_drop
    }

    /// Leaves the server running when this handle is dropped, for others to
    /// adopt (a shared test cluster; a server meant to outlive this process).
    pub fn keep_running(&mut self) {
        self.stop_on_drop = false;
    }

    /// Stops the server now (`pg_ctl stop -m fast`: open sessions are ended,
    /// committed data is safe), whoever started it.
    pub fn stop(mut self) -> Result<(), PgError> {
        self.stop_on_drop = false;
        self.pg_ctl_stop()
    }

    fn pg_ctl(&self) -> Command {
        let mut command = self
            .runner
            .command(&self.binaries.program("pg_ctl"), &self.layout.dir);
        command.arg("-D").arg(&self.layout.data);
        command
    }

    fn pg_ctl_stop(&self) -> Result<(), PgError> {
        let mut command = self.pg_ctl();
        command.args(["stop", "-w", "-s", "-m", "fast", "-t"]);
        command.arg(TIMEOUT.as_secs().to_string());
        run(&mut command)?;
        tracing::info!(dir = %self.layout.dir.display(), "stopped the private PostgreSQL server");
        Ok(())
    }

    /// `initdb` into `data.initdb`, adds this module's settings, then renames
    /// it to `data`: an interrupted initialisation never looks complete.
    fn initialise(&self) -> Result<(), PgError> {
        let layout = &self.layout;
        tracing::info!(dir = %layout.dir.display(), "initialising a private PostgreSQL cluster");
        if layout.data_initdb.exists() {
            fs::remove_dir_all(&layout.data_initdb).map_err(io("remove", &layout.data_initdb))?;
        }
        let mut initdb = self
            .runner
            .command(&self.binaries.program("initdb"), &layout.dir);
        initdb.arg("-D").arg(&layout.data_initdb).args([
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--auth=trust",
        ]);
        if self.durability == Durability::Throwaway {
            initdb.arg("--no-sync");
        }
        run(&mut initdb)?;

        let conf = layout.data_initdb.join("postgresql.conf");
        OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut file| file.write_all(layout::BASE_CONF.as_bytes()))
            .map_err(io("append to", &conf))?;
        self.runner
            .write_file(&layout.data_initdb.join("pg_hba.conf"), layout::HBA_CONF)?;
        fs::rename(&layout.data_initdb, &layout.data).map_err(io("rename", &layout.data_initdb))
    }

    /// The port of a server already running (or starting) in this
    /// directory, once it is ready and accepts connections; `None` when none
    /// is running. A postmaster killed moments ago can linger as a zombie
    /// that `pg_ctl status` still calls running (until init reaps it): the
    /// connection check waits that out.
    fn running_port(&self) -> Result<Option<u16>, PgError> {
        let pid_file = self.layout.data.join("postmaster.pid");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if !pid_file.exists() {
                return Ok(None);
            }
            let mut status = self.pg_ctl();
            status.arg("status");
            let out = output(&mut status)?;
            match out.status.code() {
                Some(0) => {}
                Some(3) => return Ok(None), // a stale pid file: pg_ctl start copes
                _ => return Err(failure(&status, &out, "")),
            }
            let pid = fs::read_to_string(&pid_file)
                .ok()
                .and_then(|text| layout::parse_postmaster_pid(&text));
            match pid {
                Some(pid) if pid.status == "ready" && accepts_connections(pid.port) => {
                    return Ok(Some(pid.port));
                }
                _ if Instant::now() > deadline => {
                    return Err(PgError::NotReady {
                        dir: self.layout.data.clone(),
                        status: pid.map(|p| p.status).unwrap_or_default(),
                    });
                }
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Starts the server with `pg_ctl start -w` and returns its port.
    fn launch(&self) -> Result<u16, PgError> {
        let layout = &self.layout;
        let socket = layout.socket_setting();
        match socket {
            Some(_) => self.runner.create_private_dir(&layout.socket)?,
            None => tracing::warn!(
                dir = %layout.socket.display(),
                "socket path too long for the kernel: the private PostgreSQL server listens on TCP only"
            ),
        }
        let mut port = self.preferred_port()?;
        let mut attempt = 1;
        loop {
            self.runner.write_file(
                &layout.runtime_conf(),
                &layout::runtime_conf(port, socket.as_deref(), self.durability),
            )?;
            let mut start = self.pg_ctl();
            start.arg("-l").arg(&layout.log);
            start.args(["start", "-w", "-s", "-t"]);
            start.arg(TIMEOUT.as_secs().to_string());
            let out = output(&mut start)?;
            if out.status.success() {
                tracing::info!(dir = %layout.dir.display(), port, "started a private PostgreSQL server");
                return Ok(port);
            }
            let log_tail = tail(&fs::read_to_string(&layout.log).unwrap_or_default());
            if attempt < START_ATTEMPTS && log_tail.contains("Address already in use") {
                attempt += 1;
                port = self.new_port()?;
                continue;
            }
            return Err(failure(
                &start,
                &out,
                &format!("{}:\n{log_tail}", layout.log.display()),
            ));
        }
    }

    /// The saved port while it is free, else a new one.
    fn preferred_port(&self) -> Result<u16, PgError> {
        let saved = fs::read_to_string(&self.layout.port_file)
            .ok()
            .and_then(|text| layout::parse_port_file(&text));
        match saved {
            Some(port) if port_is_free(port) => Ok(port),
            _ => self.new_port(),
        }
    }

    /// A port free right now, saved in the port file for later starts.
    fn new_port(&self) -> Result<u16, PgError> {
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|listener| listener.local_addr())
            .map_err(PgError::NoFreePort)?
            .port();
        self.runner
            .write_file(&self.layout.port_file, &format!("{port}\n"))?;
        Ok(port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.stop_on_drop
            && let Err(error) = self.pg_ctl_stop()
        {
            tracing::warn!(%error, "could not stop the private PostgreSQL server");
        }
    }
}

/// Whether something accepts TCP connections on `port` of 127.0.0.1.
fn accepts_connections(port: u16) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
}

/// Whether nothing listens on `port` of 127.0.0.1 now.
fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pg::find_tool;
    use std::net::TcpStream;
    use std::os::unix::fs::PermissionsExt;

    fn accepts_tcp(port: u16) -> bool {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    }

    fn psql(url: &str, sql: &str) -> Option<String> {
        let psql = find_tool("psql").ok()?;
        let out = run(Command::new(psql).arg(url).args(["-Atc", sql])).unwrap();
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    #[test]
    fn a_cluster_starts_serves_a_database_is_adopted_restarts_and_stops() {
        let temp = tempfile::tempdir().unwrap();
        // As root the `postgres` account must reach the directory (tempfile's
        // default mode is not promised).
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let dir = temp.path().join("postgres");

        let began = Instant::now();
        let cluster = PrivateCluster::start(&dir).unwrap();
        eprintln!("initdb and first start: {:?}", began.elapsed());
        assert!(cluster.stops_on_drop());
        assert!(cluster.data_dir().join("PG_VERSION").is_file());
        let port = cluster.port();
        assert!(accepts_tcp(port));
        assert!(dir.join("socket").join(format!(".s.PGSQL.{port}")).exists());
        assert_eq!(
            cluster.url("alpha"),
            format!("postgres://postgres@127.0.0.1:{port}/alpha")
        );

        cluster.create_database("alpha").unwrap();
        cluster.create_database("alpha").unwrap(); // already exists: fine
        if let Some(name) = psql(&cluster.url("alpha"), "select current_database()") {
            assert_eq!(name, "alpha");
        }

        // A second start adopts the running server and leaves it running.
        let began = Instant::now();
        let adopted = PrivateCluster::start(&dir).unwrap();
        eprintln!("adopting the running server: {:?}", began.elapsed());
        assert_eq!(adopted.port(), port);
        assert!(!adopted.stops_on_drop());
        drop(adopted);
        assert!(accepts_tcp(port));

        cluster.stop().unwrap();
        assert!(!accepts_tcp(port));

        // A restart keeps the data and, while it is free, the port.
        let began = Instant::now();
        let restarted = PrivateCluster::start(&dir).unwrap();
        eprintln!("restart: {:?}", began.elapsed());
        assert!(restarted.stops_on_drop());
        assert_eq!(restarted.port(), port);
        if let Some(count) = psql(
            &restarted.url("postgres"),
            "select count(*) from pg_database where datname = 'alpha'",
        ) {
            assert_eq!(count, "1");
        }
        drop(restarted); // stops it: this handle started it
        assert!(!accepts_tcp(port));
    }

    #[test]
    fn as_root_a_directory_the_postgres_account_cannot_reach_is_refused() {
        if !fs::read_to_string("/proc/self/status").is_ok_and(|s| s.contains("Uid:\t0\t0")) {
            return; // only root hands the cluster to another account
        }
        let temp = tempfile::tempdir().unwrap();
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let dir = temp.path().join("postgres");
        let error = PrivateCluster::start(&dir).unwrap_err();
        assert!(matches!(error, PgError::Unreachable { .. }), "{error}");
        assert!(error.to_string().contains("chmod o+x"), "{error}");
    }

    #[test]
    fn concurrent_starts_of_one_directory_start_one_server() {
        let temp = tempfile::tempdir().unwrap();
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let dir = temp.path().join("postgres");
        let clusters: Vec<PrivateCluster> = std::thread::scope(|scope| {
            let starts: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| PrivateCluster::start_with(&dir, Durability::Throwaway)))
                .collect();
            starts
                .into_iter()
                .map(|start| start.join().unwrap().unwrap())
                .collect()
        });
        let starters = clusters.iter().filter(|c| c.stops_on_drop()).count();
        assert_eq!(starters, 1, "exactly one call starts the server");
        assert!(clusters.iter().all(|c| c.port() == clusters[0].port()));
        let port = clusters[0].port();
        drop(clusters);
        assert!(!accepts_tcp(port), "the starter's handle stopped it");
    }
}
