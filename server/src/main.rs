//! `alongside-server`: the sync server's command line (see
//! [`alongside_server::cli`]).

fn main() -> anyhow::Result<()> {
    alongside_server::cli::main()
}
