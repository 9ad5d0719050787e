//! `safecare users …`, `safecare tokens …` and `safecare assets import`:
//! work on the database directly, for the first admin, recovery and
//! set-up.

use std::io::BufRead;

use anyhow::Context;
use std::sync::Arc;

use safecare_model::{Language, Role};
use safecare_server::privacy::Privacy;
use safecare_server::{Config, provision};
use safecare_store::{AccountStore, SqliteStore, Store};

#[derive(Debug, clap::Subcommand)]
pub enum UsersAction {
    /// Add a user; the password is asked for (or read from standard input
    /// with --password-stdin).
    Add {
        name: String,
        /// The role; privacy_officer can only be given here, on the host.
        #[arg(long, value_parser = role_parser())]
        role: Role,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        display: DisplayChoice,
    },
    /// Set a user's language and time zone (taken at their next login).
    Set {
        name: String,
        #[command(flatten)]
        display: DisplayChoice,
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
/// A person's display choices; the site's `[display]` defaults stand for
/// what is not given.
#[derive(Debug, clap::Args)]
pub struct DisplayChoice {
    /// The language of their dashboard and notifications.
    #[arg(long, value_parser = language_parser())]
    language: Option<Language>,
    /// The IANA time zone their times are shown in (Europe/Paris).
    #[arg(long)]
    time_zone: Option<String>,
}

impl DisplayChoice {
    fn is_empty(&self) -> bool {
        self.language.is_none() && self.time_zone.is_none()
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum TokensAction {
    /// Issue a token and print it (it is shown this once).
    Add {
        /// What the token is for, e.g. "pharmacy door gateway".
        name: String,
        /// The role; sensors only send events.
        #[arg(long, value_parser = role_parser())]
        role: Role,
        /// For sensor tokens: the source name their events are recorded under.
        #[arg(long)]
        source: Option<String>,
    },
}

/// Reads a role by name, `--help` listing every one.
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    use strum::VariantNames;
    clap::builder::PossibleValuesParser::new(Role::VARIANTS).try_map(|name| name.parse::<Role>())
}

/// Reads a language by its tag, `--help` listing every one.
fn language_parser() -> impl clap::builder::TypedValueParser<Value = Language> {
    use clap::builder::TypedValueParser;
    use strum::VariantNames;
    clap::builder::PossibleValuesParser::new(Language::VARIANTS).try_map(|tag| tag.parse::<Language>())
}

/// Stores `display` on `name` and audits it, when anything was chosen.
async fn set_display(
    config: &Config,
    store: &Arc<SqliteStore>,
    name: &str,
    display: &DisplayChoice,
) -> anyhow::Result<()> {
    if display.is_empty() {
        return Ok(());
    }
    let stored =
        provision::set_preferences(store.as_ref(), name, display.language, display.time_zone.as_deref()).await?;
    let detail = serde_json::to_string(&stored)?;
    audit(config, store, "user.preferences", name, &detail).await?;
    println!("{name}: {detail}");
    Ok(())
}

/// Opens the database, creating it (and its folder) when there is none:
/// only for `safecare init`, which sets a new installation up.
pub fn open(config: &Config) -> anyhow::Result<SqliteStore> {
    safecare_server::private_files::create_private_dir(&config.data_dir)
        .and_then(|()| safecare_server::private_files::create_private_file(&config.database_path()))
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    Ok(SqliteStore::open(config.database_path(), &config.store)?)
}

/// Opens a database that must already exist: a command that reads or
/// changes one, run in the wrong folder, says so instead of creating an
/// empty database there and answering from it.
pub fn open_existing(config: &Config) -> anyhow::Result<SqliteStore> {
    let path = config.database_path();
    anyhow::ensure!(
        path.exists(),
        "no SafeCare database at {} (give the data folder with --data or the configuration with --config; \
         `safecare init` sets up a new one)",
        path.display()
    );
    Ok(SqliteStore::open(path, &config.store)?)
}

/// A password from standard input (one line) or asked for twice without
/// echo.
pub fn read_password(from_stdin: bool) -> anyhow::Result<String> {
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

/// Records a change made from the command line in the audit chain, as the
/// API records its own: the actor is `cli` (whoever holds the data
/// directory).
pub async fn audit(
    config: &Config,
    store: &Arc<SqliteStore>,
    action: &str,
    target: &str,
    detail: &str,
) -> anyhow::Result<()> {
    let privacy = Privacy::open(config, store.clone())?;
    privacy.record("cli", action, target, detail).await?;
    Ok(())
}

pub async fn users(config: Config, action: UsersAction) -> anyhow::Result<()> {
    let store = Arc::new(open_existing(&config)?);
    let result = match action {
        UsersAction::Add { name, role, password_stdin, display } => {
            let password = read_password(password_stdin)?;
            if let Some(zone) = display.time_zone.as_deref() {
                // Checked before the user exists, so that a typo adds no one.
                safecare_server::provision::check_time_zone(zone)?;
            }
            match provision::add_user(store.as_ref(), &name, role, &password).await {
                Ok(()) => match audit(&config, &store, "user.create", &name, &format!("role {role}")).await {
                    Ok(()) => {
                        println!("added {name} ({role})");
                        set_display(&config, &store, &name, &display).await
                    }
                    Err(err) => Err(err),
                },
                Err(err) => Err(err.into()),
            }
        }
        UsersAction::Set { name, display } => {
            if display.is_empty() {
                Err(anyhow::anyhow!("nothing to set: give --language, --time-zone or both"))
            } else {
                set_display(&config, &store, &name, &display).await
            }
        }
        UsersAction::Passwd { name, password_stdin } => {
            let password = read_password(password_stdin)?;
            match provision::set_password(store.as_ref(), &name, &password).await {
                Ok(()) => audit(&config, &store, "user.update", &name, r#"{"password_changed":true}"#)
                    .await
                    .map(|()| println!("password of {name} changed")),
                Err(err) => Err(err.into()),
            }
        }
        UsersAction::Disable { name } => match provision::disable_user(store.as_ref(), &name).await {
            Ok(()) => audit(&config, &store, "user.update", &name, r#"{"disabled":true}"#)
                .await
                .map(|()| println!("{name} disabled")),
            Err(err) => Err(err.into()),
        },
        UsersAction::List => {
            for user in store.list_users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                // `-`: the site's `[display]` default.
                let language = user.preferences.language.map_or("-", |l| l.tag());
                let zone = user.preferences.time_zone.as_deref().unwrap_or("-");
                println!("{}\t{}\t{state}\t{language}\t{zone}", user.name, user.role);
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

pub async fn tokens(config: Config, action: TokensAction) -> anyhow::Result<()> {
    let store = Arc::new(open_existing(&config)?);
    let TokensAction::Add { name, role, source } = action;
    let result = match provision::issue_token(store.as_ref(), &name, role, source.as_deref(), "cli").await {
        Ok(bearer) => audit(&config, &store, "token.create", &name, &format!("{name} ({role})")).await.map(|()| bearer),
        Err(err) => Err(err.into()),
    };
    store.close().await;
    println!("{}", result?);
    Ok(())
}

pub async fn import_assets(config: Config, path: &std::path::Path) -> anyhow::Result<()> {
    let inventory = safecare_impact::Inventory::load(path)?;
    let store = open_existing(&config)?;
    let (assets, relations) = inventory.into_parts();
    let counts = (assets.len(), relations.len());
    let result = store.replace_inventory(assets, relations).await;
    store.close().await;
    result?;
    println!("imported {} assets and {} relations from {}", counts.0, counts.1, path.display());
    Ok(())
}
