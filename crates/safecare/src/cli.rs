//! The top-level command line: which command runs, and the settings many share (`ConfigArgs`, `ServeArgs`). Each command module owns its own arguments (`hunt::HuntArgs`, `rules::RulesAction`, …).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Run the service with the demo hospital loaded, and play a short
    /// cyber-physical attack through the real ingest path.
    Demo(DemoArgs),
    /// Set up a new installation: the database, the privacy keys and the
    /// first administrator.
    Init {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(flatten)]
        admin: crate::init::InitArgs,
    },
    /// Copy the database, the privacy keys and the audit anchor to a
    /// folder, while the service runs.
    Backup {
        #[command(flatten)]
        place: ConfigArgs,
        /// The folder to write (must not exist yet).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Put a backup in place of a missing database (the service stopped),
    /// after checking its audit chain.
    Restore {
        #[command(flatten)]
        place: ConfigArgs,
        /// The folder `safecare backup` wrote.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Manage the people who log in.
    Users {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: crate::accounts::UsersAction,
    },
    /// Create TLS certificates.
    Certs {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: crate::certs::CertsAction,
    },
    /// Check the audit log's hash chain and signed head.
    Audit {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Remove what the retention policy says is due.
    Purge {
        #[command(flatten)]
        place: ConfigArgs,
        /// Only show what would go.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage the asset inventory.
    Assets {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: AssetsAction,
    },
    /// Offline detection over EVTX and JSON-lines files and folders.
    Hunt(crate::hunt::HuntArgs),
    /// Check Sigma rules before deploying them, and try them on events.
    Rules {
        #[command(subcommand)]
        action: crate::rules::RulesAction,
    },
    /// Measure SafeCare on this machine.
    Bench {
        #[command(subcommand)]
        what: crate::bench::BenchWhat,
    },
    /// Notifications: send a test message on a route.
    Notify {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: NotifyAction,
    },
    /// Attack scenarios: play one against SafeCare and score detection.
    Sim {
        #[command(subcommand)]
        action: crate::sim::SimAction,
    },
    /// Issue API tokens for scripts and sensors.
    Tokens {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: crate::accounts::TokensAction,
    },
}

/// Where the configuration and data are.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// TOML configuration file (see README for every setting).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Data directory (database and state).
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
}

impl ConfigArgs {
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(data) = &self.data {
            config.data_dir.clone_from(data);
        }
        Ok(config)
    }
}

/// Where the service's settings come from; flags win over the file and the
/// environment.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    place: ConfigArgs,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = self.place.load()?;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Play the scripted attack this many times faster (1 = real time,
    /// about a minute).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Load the hospital and start, but play no attack.
    #[arg(long)]
    pub no_attack: bool,
    /// Create one user per role that logs in (named after the role), not
    /// only `admin`.
    #[arg(long)]
    pub accounts: bool,
}

#[derive(Debug, Subcommand)]
pub enum AssetsAction {
    /// Replace the inventory with a YAML or JSON file, or a folder of them
    /// (validated as a whole first).
    Import { path: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum NotifyAction {
    /// Send a test message on ROUTE's channel now (to its tier-1 people on
    /// call); exits non-zero when the channel does not take it.
    Test { route: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Verify every entry; names the first altered, removed, inserted or
    /// reordered one. Exits non-zero when the log is not intact.
    Verify,
}

impl Cli {
    /// Runs the command; most end in success or an error, a few (`rules`)
    /// answer with their own exit code.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        let done = match self.command {
            Command::Rules { action } => return Ok(crate::rules::run(action)),
            Command::Sim { action } => return Ok(crate::sim::run(action).await),
            Command::Serve(args) => crate::serve::serve(args.config()?).await,
            Command::Demo(args) => {
                let config = args.serve.config()?;
                crate::demo::run(config, args.speed, !args.no_attack, args.accounts).await
            }
            Command::Init { place, admin } => crate::init::run(place.load()?, admin).await,
            Command::Backup { place, to } => crate::backup::backup(&place.load()?, &to).await,
            Command::Restore { place, from } => crate::backup::restore(&place.load()?, &from).await,
            Command::Users { place, action } => crate::accounts::users(place.load()?, action).await,
            Command::Tokens { place, action } => crate::accounts::tokens(place.load()?, action).await,
            Command::Certs { place, action } => crate::certs::run(&place.load()?, action),
            Command::Audit { place, action: AuditAction::Verify } => crate::privacy::audit_verify(place.load()?).await,
            Command::Bench { what } => crate::bench::run(what).await,
            Command::Hunt(args) => crate::hunt::run(args),
            Command::Assets { place, action: AssetsAction::Import { path } } => {
                crate::accounts::import_assets(place.load()?, &path).await
            }
            Command::Notify { place, action: NotifyAction::Test { route } } => {
                crate::notify::test(place.load()?, &route).await
            }
            Command::Purge { place, dry_run } => crate::privacy::purge(place.load()?, dry_run).await,
        };
        done.map(|()| ExitCode::SUCCESS)
    }
}
