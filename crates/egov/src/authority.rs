//! The deployment CA's files in the data folder: `ca/ca.pem` (the certificate, public) and `ca/ca.key`
//! (the private key, readable by its owner only). `egov ca init` makes them; the server loads them at start
//! so administrators can have client certificates issued, and the gateway trusts what they sign.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use egov_core::ca::{self, Ca};

pub fn cert_path(data_dir: &Path) -> PathBuf {
    data_dir.join("ca").join("ca.pem")
}

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("ca").join("ca.key")
}

/// Writes a new file readable and writable by its owner only; refuses to replace one.
pub fn write_secret(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Makes the deployment CA in `data_dir`, named after the instance. Refuses when one exists: replacing it
/// would orphan every certificate issued so far.
pub fn init(data_dir: &Path, instance: &str, years: i64) -> anyhow::Result<PathBuf> {
    let (cert, key) = (cert_path(data_dir), key_path(data_dir));
    if cert.exists() || key.exists() {
        bail!(
            "a CA already exists in {} (remove it deliberately to make a new one; certificates it issued would stop working)",
            cert.parent().unwrap_or(data_dir).display()
        );
    }
    std::fs::create_dir_all(cert.parent().unwrap_or(data_dir))?;
    let made = ca::generate(&format!("{instance} e-government CA"), years)?;
    write_secret(&key, &made.key_pem)?;
    std::fs::write(&cert, &made.cert_pem)?;
    Ok(cert)
}

/// The CA of `data_dir`, if one was made.
pub fn load(data_dir: &Path) -> anyhow::Result<Option<Ca>> {
    let (cert, key) = (cert_path(data_dir), key_path(data_dir));
    if !cert.exists() {
        return Ok(None);
    }
    let cert_pem =
        std::fs::read_to_string(&cert).with_context(|| format!("reading {}", cert.display()))?;
    let key_pem =
        std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?;
    Ok(Some(Ca::from_pem(&cert_pem, &key_pem).with_context(
        || {
            format!(
                "loading the CA in {}",
                cert.parent().unwrap_or(data_dir).display()
            )
        },
    )?))
}
