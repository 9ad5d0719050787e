//! Files and folders only SafeCare's own user may read: the database (and
//! so its WAL, which SQLite creates with the database's mode), the keys and
//! the audit anchor hold personal data or what protects it.

use std::path::Path;

/// Creates `dir` (and its parents) with mode `0700` when missing; an existing
/// folder keeps its mode, which its owner chose.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` empty with mode `0600` when missing, so that whatever
/// opens it next (SQLite) does not create it readable by everyone.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}
