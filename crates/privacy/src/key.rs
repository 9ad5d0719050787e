//! Secret keys: 32 random bytes kept in a file only the service user can read.
//!
//! Keys are stored as 64 hexadecimal characters so that an operator can back
//! one up or compare two without binary tools. A key never appears in `Debug`
//! output, and its memory is wiped when dropped.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Length of every SafeCare secret key, in bytes.
pub const KEY_LEN: usize = 32;

/// A 32-byte secret key.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

/// The three independent keys of the privacy layer.
///
/// They are separate files so that, for example, the vault key can be held
/// by the privacy officer's host while the pseudonymisation key stays with
/// ingest, and so that learning one never reveals another.
#[derive(Debug, Clone)]
pub struct KeyRing {
    /// Keys the HMAC that turns identifiers into tokens.
    pub pseudonym: SecretKey,
    /// Encrypts original values in the re-identification vault.
    pub vault: SecretKey,
    /// Signs the audit chain's head so a complete rewrite is detectable.
    pub audit_anchor: SecretKey,
}

/// Why a key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file exists but could not be read.
    #[error("cannot read key file {path}: {source}")]
    Read {
        /// The key file.
        path: PathBuf,
        /// The I/O failure.
        source: io::Error,
    },
    /// A new key file could not be written.
    #[error("cannot create key file {path}: {source}")]
    Create {
        /// The key file.
        path: PathBuf,
        /// The I/O failure.
        source: io::Error,
    },
    /// The key file does not hold a key of the right length in hex.
    #[error("key file {path} is not {expected} hexadecimal characters")]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// How many hex characters a key has.
        expected: usize,
    },
    /// Others than the owner may read the key file.
    #[error("key file {path} is readable by group or others (mode {mode:o}); run `chmod 600` on it")]
    InsecurePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// No randomness for a new key.
    #[error("the operating system's random source failed: {0}")]
    Random(#[source] getrandom::Error),
}

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(bytes.as_mut()).map_err(KeyError::Random)?;
        Ok(SecretKey(bytes))
    }

    /// A key from known bytes (tests, or a key supplied by a secrets manager).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        SecretKey(Zeroizing::new(bytes))
    }

    /// The raw key, for the primitives keyed with it.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Loads the key at `path`, creating it (mode 0600) when it does not exist.
    ///
    /// An existing file that others could read is refused rather than used: a
    /// leaked pseudonymisation key undoes the pseudonymisation of every event.
    pub fn load_or_generate(path: &Path) -> Result<Self, KeyError> {
        match Self::load(path) {
            Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                match Self::create(path) {
                    // Another process created it between our read and create.
                    Err(KeyError::Create { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                        Self::load(path)
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    /// Loads an existing key file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let read_err = |source| KeyError::Read { path: path.to_owned(), source };
        let metadata = fs::metadata(path).map_err(read_err)?;
        check_permissions(path, &metadata)?;
        let text = Zeroizing::new(fs::read_to_string(path).map_err(read_err)?);
        let malformed = || KeyError::Malformed { path: path.to_owned(), expected: KEY_LEN * 2 };
        let bytes = Zeroizing::new(crate::hex::decode(text.trim()).ok_or_else(malformed)?);
        let array: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| malformed())?;
        Ok(SecretKey::from_bytes(array))
    }

    fn create(path: &Path) -> Result<Self, KeyError> {
        let create_err = |source| KeyError::Create { path: path.to_owned(), source };
        let key = Self::generate()?;
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(create_err)?;
        let text = Zeroizing::new(format!("{}\n", crate::hex::encode(key.as_bytes())));
        file.write_all(text.as_bytes()).map_err(create_err)?;
        file.sync_all().map_err(create_err)?;
        Ok(key)
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, metadata: &fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::InsecurePermissions { path: path.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _metadata: &fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl KeyRing {
    /// The pseudonymisation key's file name inside the key directory.
    pub const PSEUDONYM_FILE: &'static str = "pseudonym.key";
    /// The vault encryption key's file name.
    pub const VAULT_FILE: &'static str = "vault.key";
    /// The file name of the key that signs the audit chain's anchor.
    pub const AUDIT_ANCHOR_FILE: &'static str = "audit-anchor.key";

    /// Loads the three keys from `dir`, creating any that are missing.
    pub fn load_or_generate(dir: &Path) -> Result<Self, KeyError> {
        Ok(KeyRing {
            pseudonym: SecretKey::load_or_generate(&dir.join(Self::PSEUDONYM_FILE))?,
            vault: SecretKey::load_or_generate(&dir.join(Self::VAULT_FILE))?,
            audit_anchor: SecretKey::load_or_generate(&dir.join(Self::AUDIT_ANCHOR_FILE))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let first = SecretKey::load_or_generate(&path).unwrap();
        let again = SecretKey::load_or_generate(&path).unwrap();
        assert_eq!(first.as_bytes(), again.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_key_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        SecretKey::load_or_generate(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(SecretKey::load(&path), Err(KeyError::InsecurePermissions { mode: 0o644, .. })));
    }

    #[test]
    fn malformed_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&path).unwrap().write_all(b"abcd\n").unwrap();
        assert!(matches!(SecretKey::load(&path), Err(KeyError::Malformed { .. })));
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key = SecretKey::from_bytes([0xab; KEY_LEN]);
        let shown =
            format!("{key:?} {:?}", KeyRing { pseudonym: key.clone(), vault: key.clone(), audit_anchor: key.clone() });
        assert!(!shown.contains("ab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn key_ring_keys_are_distinct() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_generate(dir.path()).unwrap();
        assert_ne!(ring.pseudonym.as_bytes(), ring.vault.as_bytes());
        assert_ne!(ring.vault.as_bytes(), ring.audit_anchor.as_bytes());
    }
}
