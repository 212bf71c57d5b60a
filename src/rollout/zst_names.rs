//! The names of compressed rollouts: `x.jsonl.zst` beside `x.jsonl`. Below the discovery,
//! the appender and the compressor, which all name the same files.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub(super) const ZST_SUFFIX: &str = ".zst";

/// `x.jsonl.zst` -> `x.jsonl`; other paths unchanged. Works on the bytes, so a path that is not
/// UTF-8 (a home or a day directory with such a name) keeps its exact bytes.
pub fn strip_zst(path: &Path) -> PathBuf {
    let bytes = path.as_os_str().as_bytes();
    match bytes.strip_suffix(ZST_SUFFIX.as_bytes()) {
        Some(plain) => PathBuf::from(OsStr::from_bytes(plain)),
        None => path.to_path_buf(),
    }
}

/// `x.jsonl` -> `x.jsonl.zst`, bytes kept as they are.
pub fn zst_sibling(plain: &Path) -> PathBuf {
    let mut name = plain.as_os_str().to_os_string();
    name.push(ZST_SUFFIX);
    PathBuf::from(name)
}
