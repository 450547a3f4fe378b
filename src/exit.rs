//! Exit codes, decided in one place.

/// How a depgate process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: everything allowed (warnings allowed).
    Allowed,
    /// 1: a dependency was denied or quarantined.
    Denied,
    /// 2: usage or configuration error (including unreadable input).
    Usage,
    /// 3: an internal or upstream failure prevented a decision (fail closed).
    Failure,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Allowed => 0,
            ExitStatus::Denied => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Failure => 3,
        }
    }
}

/// An error that ends the command with a given status. The message is for people and
/// already says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub status: ExitStatus,
    pub message: String,
}

impl CommandError {
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self { status: ExitStatus::Usage, message: message.to_string() }
    }

    pub fn failure(message: impl std::fmt::Display) -> Self {
        Self { status: ExitStatus::Failure, message: message.to_string() }
    }
}
