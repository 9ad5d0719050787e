//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use safecare_model::Role;
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
    /// Manage the people who log in.
    Users {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Create TLS certificates.
    Certs {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: CertsAction,
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
        action: RulesAction,
    },
    /// Measure SafeCare on this machine.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Issue API tokens for scripts and sensors.
    Tokens {
        #[command(flatten)]
        place: ConfigArgs,
        #[command(subcommand)]
        action: TokensAction,
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
}

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Add a user; the password is asked for (or read from standard input
    /// with --password-stdin).
    Add {
        name: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (also lifts a lockout and ends their sessions).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user and end their sessions.
    Disable { name: String },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// Issue a token and print it (it is shown this once).
    Add {
        /// What the token is for, e.g. "pharmacy door gateway".
        name: String,
        #[arg(long)]
        role: Role,
        /// For sensor tokens: the source name their events are recorded under.
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Events/s through HTTP NDJSON ingest, end to end (each request answered
    /// once its events are durable). Starts its own server in a temporary
    /// folder unless --url is given.
    Ingest {
        /// What to send: `flood` (Windows logon failures, nearly every one
        /// raising alerts) or `mix` (cyber, physical and building events,
        /// few raising an alert).
        #[arg(long, value_enum, default_value_t = crate::bench::Workload::Flood)]
        workload: crate::bench::Workload,
        /// Events to send in all.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Events per request.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// A running SafeCare to measure instead (needs --token).
        #[arg(long, requires = "token")]
        url: Option<String>,
        /// An API token with the events:ingest permission.
        #[arg(long)]
        token: Option<String>,
    },
    /// Events/s through the detection engine on one core, evaluation alone:
    /// the hospital pack over its case events, and every SigmaHQ Windows
    /// rule over each corpus, through SafeCare's engine and the plain
    /// library in the same run, with their match counts. Prints medians.
    Detect(crate::bench_detect::DetectBenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Load every Sigma rule under DIR and list each refused one with its
    /// file and reason; ends with `N rules loaded, M refused`. Exits 0 when
    /// none is refused, 1 when some are, 2 when DIR cannot be read.
    Check { dir: PathBuf },
    /// Run a rule file (or folder) over events and print each match with the
    /// rule's id and title. EVENTS (`-` for standard input) holds one JSON
    /// event, an array, or one per line, in the shape `POST /api/v1/events`
    /// takes; with --parser, it is what `hunt` reads (an EVTX file, JSON
    /// lines of that format, or a folder of them). Exits 0 when something
    /// matched, 1 when nothing did, 2 on bad rules or malformed events.
    Test {
        rule: PathBuf,
        events: PathBuf,
        /// Read EVENTS as `hunt` does, with this decoder for JSON lines.
        #[arg(long, value_enum)]
        parser: Option<crate::hunt::JsonParser>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssetsAction {
    /// Replace the inventory with a YAML or JSON file, or a folder of them
    /// (validated as a whole first).
    Import { path: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Verify every entry; names the first altered, removed, inserted or
    /// reordered one. Exits non-zero when the log is not intact.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum CertsAction {
    /// Write a self-signed certificate and key for a first start
    /// (`<data>/tls/cert.pem`, `key.pem`), and print the settings to use them.
    Init {
        /// Host names and addresses the certificate is valid for.
        #[arg(long, value_delimiter = ',', default_value = "localhost,127.0.0.1")]
        hosts: Vec<String>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

impl Cli {
    /// Runs the command; most end in success or an error, a few (`rules`)
    /// answer with their own exit code.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        let done = match self.command {
            Command::Rules { action } => return Ok(crate::rules::run(action)),
            Command::Serve(args) => crate::serve::serve(args.config()?).await,
            Command::Demo(args) => {
                let config = args.serve.config()?;
                crate::demo::run(config, args.speed, !args.no_attack).await
            }
            Command::Users { place, action } => crate::accounts::users(place.load()?, action).await,
            Command::Tokens { place, action } => crate::accounts::tokens(place.load()?, action).await,
            Command::Certs { place, action } => crate::certs::run(&place.load()?, action),
            Command::Audit { place, action: AuditAction::Verify } => crate::privacy::audit_verify(place.load()?).await,
            Command::Bench { what } => crate::bench::run(what).await,
            Command::Hunt(args) => crate::hunt::run(args),
            Command::Assets { place, action: AssetsAction::Import { path } } => {
                crate::accounts::import_assets(place.load()?, &path).await
            }
            Command::Purge { place, dry_run } => crate::privacy::purge(place.load()?, dry_run).await,
        };
        done.map(|()| ExitCode::SUCCESS)
    }
}
