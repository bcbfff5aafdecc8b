//! Password hashing with argon2id (the crate's defaults: 19 MiB memory, 2 passes, 1 lane).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::ParseError;

/// Rules a new password must meet; checked before hashing.
pub fn check_strength(password: &str) -> Result<(), ParseError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(ParseError::new(
            "password",
            "must be at least 12 characters",
        ));
    }
    if n > 256 {
        return Err(ParseError::new(
            "password",
            "must be at most 256 characters",
        ));
    }
    Ok(())
}

/// A PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, ParseError> {
    check_strength(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ParseError::new("password", e.to_string()))
}

/// Constant-time verification against a stored PHC string. A malformed stored hash verifies nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when an account does not exist, so that a failed
/// login for an unknown account costs the same time as one for a known account.
pub fn decoy_hash() -> &'static str {
    use std::sync::OnceLock;
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("decoy-password-never-valid").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
        assert!(hash("short").is_err());
    }
}
