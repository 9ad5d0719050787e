//! `safecare backup` and `safecare restore`: everything an installation
//! cannot rebuild, in one folder. The database is copied with SQLite's
//! `VACUUM INTO`, a consistent snapshot taken while the service writes; the
//! privacy keys go with it (without them pseudonyms can no longer be
//! re-identified nor the vault opened), and so does the audit anchor, the
//! signed head the copied chain must verify against. Both commands check
//! that chain, so a backup that would not verify is never written nor
//! restored.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use safecare_privacy::KeyRing;
use safecare_server::Config;
use safecare_server::privacy::Privacy;
use safecare_server::private_files::{create_private_dir, create_private_file};
use safecare_store::{PrivacyStore, SqliteStore, Store};

/// The database's name inside a backup folder.
const DATABASE: &str = "safecare.db";
/// The keys' folder inside a backup folder.
const KEYS: &str = "keys";
/// The audit anchor's name inside a backup folder.
const ANCHOR: &str = "audit-anchor.json";
const KEY_FILES: [&str; 3] = [KeyRing::PSEUDONYM_FILE, KeyRing::VAULT_FILE, KeyRing::AUDIT_ANCHOR_FILE];
/// Snapshots tried before giving up on an audit anchor that keeps moving.
const ATTEMPTS: usize = 5;

pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    // Refuses a folder without a database, and one SafeCare cannot open.
    crate::accounts::open_existing(config)?.close().await;
    anyhow::ensure!(!to.exists(), "{} exists already; back up into a new folder", to.display());
    let written = write(config, to).await;
    if written.is_err() {
        // No half backup left behind to be mistaken for a good one.
        let _ = std::fs::remove_dir_all(to);
    }
    let entries = written?;
    println!("backup written to {}: the database, the three privacy keys and the audit anchor;", to.display());
    println!("its audit chain ({entries} entries) verifies. It holds the keys: keep it as private as the data folder.");
    Ok(())
}

async fn write(config: &Config, to: &Path) -> anyhow::Result<usize> {
    create_private_dir(&to.join(KEYS)).with_context(|| format!("cannot create {}", to.display()))?;
    for name in KEY_FILES {
        copy_private(&config.keys_dir().join(name), &to.join(KEYS).join(name))?;
    }
    snapshot(config, to).await
}

/// Copies the database and the anchor that signs it, and answers the
/// number of audit entries the copy verifies with. An entry the service
/// appends during the copy can leave the two disagreeing (the anchor file
/// is rewritten just after each append), so the anchor is read before and
/// after, and a copy that does not verify is taken again.
async fn snapshot(config: &Config, to: &Path) -> anyhow::Result<usize> {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let before = read_anchor(&config.audit_anchor_path())?;
        copy_database(config, &to.join(DATABASE))?;
        let after = read_anchor(&config.audit_anchor_path())?;
        if before != after {
            continue;
        }
        if let Some(anchor) = &after {
            write_private(&to.join(ANCHOR), anchor)?;
        }
        match verify(config, to).await {
            Ok(entries) => return Ok(entries),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("the audit log changed during each of {ATTEMPTS} copies; try again")))
}

/// `VACUUM INTO`: a consistent copy while others write, without the free
/// pages.
fn copy_database(config: &Config, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        std::fs::remove_file(to)?;
    }
    create_private_file(to)?;
    let source = rusqlite::Connection::open(config.database_path())?;
    source.busy_timeout(std::time::Duration::from_secs(30))?;
    source
        .execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .with_context(|| format!("cannot copy {}", config.database_path().display()))?;
    Ok(())
}

pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    for name in KEY_FILES {
        let key = from.join(KEYS).join(name);
        anyhow::ensure!(key.exists(), "{} is not a SafeCare backup: {} is missing", from.display(), key.display());
    }
    let target = config.database_path();
    anyhow::ensure!(
        !target.exists(),
        "a database exists at {}; stop the service and move the data folder aside before restoring",
        target.display()
    );
    let entries = verify(config, from).await?;
    create_private_dir(&config.data_dir).with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let keys = config.keys_dir();
    create_private_dir(&keys).with_context(|| format!("cannot create {}", keys.display()))?;
    for name in KEY_FILES {
        restore_key(&from.join(KEYS).join(name), &keys.join(name))?;
    }
    // The anchor of whatever database was there before would not match.
    match read_anchor(&from.join(ANCHOR))? {
        Some(anchor) => write_private(&config.audit_anchor_path(), &anchor)?,
        None if config.audit_anchor_path().exists() => std::fs::remove_file(config.audit_anchor_path())?,
        None => {}
    }
    // Copied under another name and renamed: a restore cut short leaves no
    // half database the service would start on.
    let partial = target.with_extension("db.restoring");
    let _ = std::fs::remove_file(&partial);
    copy_private(&from.join(DATABASE), &partial)?;
    std::fs::rename(&partial, &target).with_context(|| format!("cannot move the copy to {}", target.display()))?;
    println!(
        "restored {} into {} ({entries} audit entries verified); start the service",
        from.display(),
        target.display()
    );
    Ok(())
}

/// A key already in place must be the backup's own: another key would
/// leave every pseudonym and the vault unreadable.
fn restore_key(from: &Path, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        let same = std::fs::read(from)? == std::fs::read(to)?;
        anyhow::ensure!(
            same,
            "{} holds another key than the backup's; move the key folder aside before restoring",
            to.display()
        );
        return Ok(());
    }
    copy_private(from, to)
}

/// Checks the audit chain of the backup in `dir` against its anchor and
/// keys, as `safecare audit verify` would once restored; answers the
/// number of entries.
async fn verify(config: &Config, dir: &Path) -> anyhow::Result<usize> {
    let mut copy = config.clone();
    copy.data_dir = dir.to_owned();
    copy.privacy.keys_dir = None;
    copy.privacy.audit_anchor = None;
    let store = Arc::new(SqliteStore::open(dir.join(DATABASE), &copy.store)?);
    let checked = match Privacy::open(&copy, store.clone()) {
        Ok(privacy) => match privacy.audit.check().await {
            Ok(()) => Ok(store.audit_all().await.map(|entries| entries.len())),
            Err(err) => Err(anyhow::Error::from(err)),
        },
        Err(err) => Err(err.into()),
    };
    store.close().await;
    let entries = checked.with_context(|| format!("the backup in {} does not verify", dir.display()))??;
    Ok(entries)
}

fn read_anchor(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(anyhow::Error::from(err).context(format!("cannot read {}", path.display()))),
    }
}

/// Copies a file to a new one only its owner may read.
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    write_private(to, &bytes)
}

fn write_private(to: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let failed = || format!("cannot write {}", to.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(to).with_context(failed)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(failed)?;
    Ok(())
}
