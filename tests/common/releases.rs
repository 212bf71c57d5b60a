//! The real Codex release a test drives, or a skip that says so: a test that needs a release
//! passes without one, printing why, unless `CONFORMANCE_REQUIRE_RELEASES` is set (as in CI),
//! which makes a missing release fail it.

use codex_threads::testing::codex::{self, CodexRelease};

/// The installed release `version`; `None` (after saying so on stderr) when it is not installed.
pub fn release_or_skip(version: &str, test: &str) -> Option<CodexRelease> {
    let found = codex::release(version);
    if found.is_none() {
        assert!(
            std::env::var_os("CONFORMANCE_REQUIRE_RELEASES").is_none(),
            "Codex {version} is not installed"
        );
        eprintln!("{test}: skipped for Codex {version}: not installed");
    }
    found
}
