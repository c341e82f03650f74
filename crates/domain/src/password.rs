//! The password policy: length only (no composition rules), and no common passwords.

use crate::FieldError;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 256;

/// Passwords that guessing attacks try first; rejected whatever their length.
const COMMON: &str = include_str!("common_passwords.txt");

/// Whether two secrets (a form token, a one-time code) are equal, in time that does not depend
/// on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a new password. Length counts characters, so 128 emoji are 128, and nothing is
/// truncated.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(FieldError { field: "password", code: "password_too_short" });
    }
    if chars > MAX_CHARS {
        return Err(FieldError { field: "password", code: "password_too_long" });
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|common| common == lower) {
        return Err(FieldError { field: "password", code: "password_too_common" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_common_list_decide() {
        assert_eq!(check_new_password("short12").unwrap_err().code, "password_too_short");
        assert_eq!(check_new_password("password1").unwrap_err().code, "password_too_common");
        assert_eq!(check_new_password("Password1").unwrap_err().code, "password_too_common");
        assert!(check_new_password("grassland-horse-7").is_ok());
        assert!(check_new_password(&"🐎".repeat(128)).is_ok());
        assert!(check_new_password(&"x".repeat(257)).is_err());
    }
}
