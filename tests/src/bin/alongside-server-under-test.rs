//! The server's own command line, built inside the test package so that
//! cross-process tests can start it (and `kill -9` it) as a child process.

fn main() -> anyhow::Result<()> {
    alongside_server::cli::main()
}
