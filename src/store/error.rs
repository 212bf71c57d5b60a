//! The error type callers branch on.

use crate::protocol::ThreadId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThreadStoreError {
    #[error("thread {thread_id} not found")]
    ThreadNotFound { thread_id: ThreadId },
    #[error("{message}")]
    InvalidRequest { message: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{operation} is not supported by this store")]
    Unsupported { operation: &'static str },
    #[error("{message}")]
    Unavailable { message: String },
    #[error("{message}")]
    Internal { message: String },
}

impl ThreadStoreError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ThreadStoreError::InvalidRequest {
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ThreadStoreError::Internal {
            message: message.into(),
        }
    }

    pub fn not_found(thread_id: ThreadId) -> Self {
        ThreadStoreError::ThreadNotFound { thread_id }
    }
}

impl From<std::io::Error> for ThreadStoreError {
    fn from(err: std::io::Error) -> Self {
        ThreadStoreError::internal(err.to_string())
    }
}

pub type StoreResult<T> = Result<T, ThreadStoreError>;
