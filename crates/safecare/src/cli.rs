//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use safecare_server::Config;

/// SafeCare: one security platform for a hospital's cyber and physical threats.
#[derive(Debug, Parser)]
#[command(name = "safecare", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    Serve(ServeArgs),
}

/// Where the service's settings come from; flags win over the file and the
/// environment.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML configuration file (see README for every setting).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (database and state).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

impl ServeArgs {
    fn config(self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(data) = self.data {
            config.data_dir = data;
        }
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        Ok(config)
    }
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => crate::serve::serve(args.config()?).await,
        }
    }
}
