//! `safecare certs init`: a self-signed certificate for a first start.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use safecare_server::Config;
use safecare_server::tls::self_signed;

#[derive(Debug, clap::Subcommand)]
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

/// Writes a file that only the owner may read (for the private key).
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

pub fn run(config: &Config, action: CertsAction) -> anyhow::Result<()> {
    let CertsAction::Init { hosts, force } = action;
    let dir = config.data_dir.join("tls");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !force && (cert_path.exists() || key_path.exists()) {
        anyhow::bail!("{} already holds a certificate; pass --force to replace it", dir.display());
    }
    let (cert, key) = self_signed(&hosts)?;
    std::fs::write(&cert_path, cert).with_context(|| format!("cannot write {}", cert_path.display()))?;
    write_private(&key_path, &key).with_context(|| format!("cannot write {}", key_path.display()))?;
    println!("Self-signed certificate for {} written to {}.", hosts.join(", "), dir.display());
    println!("Serve over HTTPS with these settings in the configuration file:\n");
    println!("[tls]\ncert = {:?}\nkey = {:?}", cert_path.display().to_string(), key_path.display().to_string());
    Ok(())
}
