//! The node's signing key: an Ed25519 key in signed-note form, generated at first start. The private key
//! file (`PRIVATE+KEY+<origin>+<id>+<key>`) is created readable by its owner only; the public verifier key
//! (`<origin>+<id>+<key>`) is what auditors use to check checkpoints and proofs offline.

use std::io::Write;
use std::path::Path;

use signed_note::{StandardSigner, StandardVerifier};

/// Loads the node key from `dir` (`node.key`, `node.pub`), generating it for `origin` when absent.
/// Returns the signer and the verifier key text.
pub fn load_or_create(dir: &Path, origin: &str) -> Result<(StandardSigner, String), String> {
    let (skey_path, vkey_path) = (dir.join("node.key"), dir.join("node.pub"));
    if !skey_path.exists() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        if !signed_note::is_key_name_valid(origin) {
            return Err(format!("{origin:?} cannot name a key (no spaces or +)"));
        }
        let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, origin);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options
            .open(&skey_path)
            .map_err(|e| format!("creating {}: {e}", skey_path.display()))?;
        f.write_all(skey.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("writing {}: {e}", skey_path.display()))?;
        std::fs::write(&vkey_path, format!("{vkey}\n"))
            .map_err(|e| format!("writing {}: {e}", vkey_path.display()))?;
    }
    let skey = std::fs::read_to_string(&skey_path)
        .map_err(|e| format!("reading {}: {e}", skey_path.display()))?;
    let signer = StandardSigner::new(skey.trim())
        .map_err(|e| format!("{} is not a signing key: {e}", skey_path.display()))?;
    let vkey = std::fs::read_to_string(&vkey_path)
        .map_err(|e| format!("reading {}: {e}", vkey_path.display()))?
        .trim()
        .to_owned();
    verifier(&vkey)?;
    Ok((signer, vkey))
}

/// A verifier from its key text.
pub fn verifier(vkey: &str) -> Result<StandardVerifier, String> {
    StandardVerifier::new(vkey.trim()).map_err(|e| format!("not a verifier key: {e}"))
}
