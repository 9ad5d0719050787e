//! `safecare users …`, `safecare tokens …` and `safecare assets import`:
//! work on the database directly, for the first admin, recovery and
//! set-up.

use std::io::BufRead;

use anyhow::Context;
use safecare_model::Role;
use safecare_server::{Config, provision};
use safecare_store::{AccountStore, SqliteStore, Store};

#[derive(Debug, clap::Subcommand)]
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
#[derive(Debug, clap::Subcommand)]
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

pub fn open(config: &Config) -> anyhow::Result<SqliteStore> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    Ok(SqliteStore::open(config.database_path(), &config.store)?)
}

/// A password from standard input (one line) or asked for twice without
/// echo.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Again: ")?;
    anyhow::ensure!(first == second, "the two passwords differ");
    Ok(first)
}

pub async fn users(config: Config, action: UsersAction) -> anyhow::Result<()> {
    let store = open(&config)?;
    let result = match action {
        UsersAction::Add { name, role, password_stdin } => {
            let password = read_password(password_stdin)?;
            provision::add_user(&store, &name, role, &password).await.map(|()| println!("added {name} ({role})"))
        }
        UsersAction::Passwd { name, password_stdin } => {
            let password = read_password(password_stdin)?;
            provision::set_password(&store, &name, &password).await.map(|()| println!("password of {name} changed"))
        }
        UsersAction::Disable { name } => {
            provision::disable_user(&store, &name).await.map(|()| println!("{name} disabled"))
        }
        UsersAction::List => {
            for user in store.list_users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{state}", user.name, user.role);
            }
            Ok(())
        }
    };
    store.close().await;
    Ok(result?)
}

pub async fn tokens(config: Config, action: TokensAction) -> anyhow::Result<()> {
    let store = open(&config)?;
    let TokensAction::Add { name, role, source } = action;
    let result = provision::issue_token(&store, &name, role, source.as_deref(), "cli").await;
    store.close().await;
    println!("{}", result?);
    Ok(())
}

pub async fn import_assets(config: Config, path: &std::path::Path) -> anyhow::Result<()> {
    let inventory = safecare_impact::Inventory::load(path)?;
    let store = open(&config)?;
    let (assets, relations) = inventory.into_parts();
    let counts = (assets.len(), relations.len());
    let result = store.replace_inventory(assets, relations).await;
    store.close().await;
    result?;
    println!("imported {} assets and {} relations from {}", counts.0, counts.1, path.display());
    Ok(())
}
