//! `safecare init`: sets a new installation up (the database, the privacy
//! keys, the first administrator), the one command besides `serve` and
//! `demo` that creates a database. It also finishes an installation that
//! `serve` started but nobody can log in to yet.

use std::sync::Arc;

use safecare_model::Role;
use safecare_server::{Config, provision};
use safecare_store::{AccountStore, Store};

use crate::accounts::{audit, open, read_password};

/// Who the first administrator is.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The first administrator's user name.
    #[arg(long, value_name = "NAME", default_value = "admin")]
    admin: String,
    /// Read the password from standard input (one line) instead of asking.
    #[arg(long)]
    password_stdin: bool,
}

pub async fn run(config: Config, args: InitArgs) -> anyhow::Result<()> {
    let store = Arc::new(open(&config)?);
    let result = first_admin(&config, &store, &args).await;
    store.close().await;
    result?;
    println!("SafeCare is set up in {}: administrator {} created.", config.data_dir.display(), args.admin);
    println!("Start it with `safecare serve` (the same --data or --config) and log in at http://{}", config.listen);
    Ok(())
}

/// Refuses an installation someone can already log in to: more people
/// are added by an administrator, from the dashboard or `safecare users add`.
async fn first_admin(config: &Config, store: &Arc<safecare_store::SqliteStore>, args: &InitArgs) -> anyhow::Result<()> {
    let users = store.list_users().await?;
    anyhow::ensure!(
        users.is_empty(),
        "{} is already set up ({} users); add people with `safecare users add NAME --role ROLE`",
        config.database_path().display(),
        users.len()
    );
    let password = read_password(args.password_stdin)?;
    provision::add_user(store.as_ref(), &args.admin, Role::Admin, &password).await?;
    // Opening the privacy layer creates the keys, so that the backup of a
    // fresh installation already holds them.
    audit(config, store, "user.create", &args.admin, "role admin (safecare init)").await
}
