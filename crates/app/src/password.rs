//! argon2id password hashing with the OWASP parameters (19 MiB, 2 passes, 1 lane).

use std::sync::OnceLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::{AppError, Result};

fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub(crate) fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher().map(|h| h.verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

/// Verifies against a fixed hash so that an unknown username costs as much time as a wrong
/// password, and the two cannot be told apart.
pub(crate) fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("not-a-real-password-for-timing").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let stored = hash("grassland-horse-7").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("grassland-horse-7", &stored));
        assert!(!verify("grassland-horse-8", &stored));
        let long = "🐎".repeat(128);
        let stored = hash(&long).unwrap();
        assert!(verify(&long, &stored));
        assert!(!verify(&"🐎".repeat(127), &stored));
    }
}
