//! Passwords and API tokens.
//!
//! A password is kept as an argon2id hash in the PHC string format, with a
//! random salt. An API token is 32 random bytes, shown once as
//! `mst_` and 64 hex digits; only its SHA-256 is kept (a token has all the
//! entropy a slow hash would add, and is checked on every request).

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// A password that could not be hashed, or a stored hash that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error("the stored password hash cannot be read: {0}")]
    StoredHash(String),
}

/// The argon2id hash of a password, in the PHC string format.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| SecretError::Hash(error.to_string()))
}

/// Whether a password matches a stored hash.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, SecretError> {
    let hash =
        PasswordHash::new(stored).map_err(|error| SecretError::StoredHash(error.to_string()))?;
    Ok(Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// The hash a login is checked against when its name is unknown (or its
/// user disabled): an argon2id hash made as [`hash_password`] makes them,
/// once, of a random password, so that refusing an unknown name costs what
/// refusing a known one does and the time of the answer does not tell
/// which names exist.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&generate_password()).unwrap_or_else(|_| {
            // Hashing a fresh password does not fail; should it, this hash
            // of the same parameters stands in.
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$lIJIC2tHl+vtYAPbLnwJr5+CKS+UpcOYBazSSkGbDtI".to_string()
        })
    })
}

/// A new random password of 20 letters and digits (about 119 bits), without
/// the characters people misread (`0 O 1 l I`).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut password = String::with_capacity(20);
    while password.len() < 20 {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(byte[0]) < limit {
            password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    password
}

/// A new API token: `mst_` and 64 hex digits.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("mst_{}", hex(&bytes))
}

/// The SHA-256 of a token, in hex: what the store keeps.
pub fn token_sha256(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash).unwrap());
        assert!(!verify_password("correct horse!", &hash).unwrap());
        // A new salt each time.
        assert_ne!(hash, hash_password("correct horse").unwrap());
        assert!(verify_password("x", "not a hash").is_err());
    }

    #[test]
    fn the_dummy_hash_is_an_argon2id_hash_of_the_same_parameters() {
        let dummy = dummy_password_hash();
        let made = hash_password("anything").unwrap();
        let parameters = |hash: &str| hash.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(parameters(dummy), parameters(&made));
        assert!(dummy.starts_with("$argon2id$"));
        assert!(!verify_password("", dummy).unwrap());
        assert_eq!(dummy, dummy_password_hash());
    }

    #[test]
    fn generated_secrets_have_their_shape_and_differ() {
        let password = generate_password();
        assert_eq!(password.len(), 20);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)));
        assert_ne!(password, generate_password());
        let token = generate_token();
        assert_eq!(token.len(), 68);
        assert!(token.starts_with("mst_"));
        assert_ne!(token, generate_token());
        assert_eq!(token_sha256(&token).len(), 64);
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
