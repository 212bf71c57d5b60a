//! Small helpers for the rollout tests: real files in temporary directories.

use std::fs;
use std::path::Path;

/// Writes `bytes` to `path`, creating parent directories.
pub(crate) fn touch(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Writes `bytes` zstd-compressed to `path` (level 3, as Codex does).
pub(crate) fn write_zst(path: &Path, bytes: &[u8]) {
    touch(path, &zstd::encode_all(bytes, 3).unwrap());
}
