//! The `safecare` command. Thin: parses arguments, loads the configuration
//! and calls into the library crates, which own all behaviour.

mod accounts;
mod backup;
mod bench;
mod bench_detect;
mod bench_pipeline;
mod certs;
mod cli;
mod demo;
mod hunt;
mod init;
mod notify;
mod privacy;
mod rules;
mod serve;
mod sim;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.run()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` chooses the detail (default: info, but
/// warnings only from the `evtx` crate, which logs every chunk it reads).
/// Colours only on a terminal: in a file or a journal they are noise.
fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,evtx=warn"));
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}
