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

/// Makes a FIFO at `path`, creating parent directories.
pub(crate) fn make_fifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// Takes every permission off `path`. True when that makes it unreadable to this process;
/// false when the process reads it anyway (root, or CAP_DAC_OVERRIDE), so that a test can say
/// why it does not check what a user would see.
pub(crate) fn make_unreadable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o000)).unwrap();
    let readable = if path.is_dir() {
        fs::read_dir(path).is_ok()
    } else {
        fs::File::open(path).is_ok()
    };
    if readable {
        eprintln!(
            "{} stays readable to this process (running as root): not checking what a user \
             without read permission would see",
            path.display()
        );
    }
    !readable
}

/// Gives `path` its permissions back, so the temporary directory can be removed.
pub(crate) fn make_readable(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// `count` distinct hex digits that zstd cannot shrink much, so that a compressed rollout made
/// of them spans many blocks and a cut through it leaves whole blocks before the cut.
pub(crate) fn noise(seed: u64, count: usize) -> String {
    let mut state = seed | 1;
    let mut out = String::with_capacity(count + 16);
    while out.len() < count {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.push_str(&format!("{:016x}", state ^ (state >> 29)));
    }
    out.truncate(count);
    out
}

/// Dates `path`'s last change a minute back, as if its writer had stopped then.
pub(crate) fn make_quiet(path: &Path) {
    let file = fs::File::options().append(true).open(path).unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    file.set_modified(past).unwrap();
}
