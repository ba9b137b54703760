//! Who may do what: the secrets of user accounts (argon2id password hashes,
//! API tokens kept only as their SHA-256), and, in time, the policies that
//! decide each request.

pub mod policy;
pub mod secret;

pub use policy::{
    ActResource, Action, Assignment, DEFAULT_POLICIES, PersonCut, Policies, PolicyError, Principal,
    Resource, SCHEMA, condition_reads, person_fields,
};
pub use secret::{
    SecretError, dummy_password_hash, generate_password, generate_token, hash_password,
    token_sha256, verify_password,
};
