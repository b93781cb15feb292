//! Policy errors: a request the policy refuses, said in words a user understands.

/// Result of a policy operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A role name no role has.
    #[error(
        "\"{0}\" is not a role; roles are administrator, him-technician, physician, billing, front-desk, public-health, researcher, auditor"
    )]
    UnknownRole(String),
    /// A permission name no permission has.
    #[error("\"{0}\" is not a permission")]
    UnknownPermission(String),
    /// A value in a stored or typed field that the model does not know.
    #[error("{field}: \"{value}\" is not one of {expected}")]
    UnknownValue {
        /// The field.
        field: &'static str,
        /// The value found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The password breaks the policy.
    #[error("password: {0}")]
    WeakPassword(String),
    /// A stored password hash could not be read or produced.
    #[error("password hash: {0}")]
    PasswordHash(String),
    /// A break-the-glass request the policy refuses.
    #[error("break the glass: {0}")]
    BreakGlass(String),
    /// A one-time-password secret or setting that cannot be used.
    #[error("authenticator: {0}")]
    Totp(String),
    /// The audit head file is not in the expected form.
    #[error("audit head: {0}")]
    BadHead(String),
}
