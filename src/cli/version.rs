//! What `--version` says: this version, and the Codex releases it was verified against (the
//! conformance suite runs each; `scripts/install-codex-releases.sh` installs them).

/// The Codex releases the conformance suites check, newest first.
pub const VERIFIED_CODEX_RELEASES: [&str; 4] = ["0.171.0", "0.169.0", "0.147.0", "0.104.0"];

/// `codex-threads --version` (clap puts the name first). A literal, as clap's attribute needs
/// one; a test checks that it names `VERIFIED_CODEX_RELEASES`.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nverified with Codex 0.171.0, 0.169.0, 0.147.0 and 0.104.0"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_names_every_verified_release_in_order() {
        let named = LONG_VERSION.lines().nth(1).unwrap();
        let mut rest = named;
        for release in VERIFIED_CODEX_RELEASES {
            let at = rest
                .find(release)
                .unwrap_or_else(|| panic!("{release} in {named:?}"));
            rest = &rest[at + release.len()..];
        }
        let listed = named.matches(',').count() + 2;
        assert_eq!(listed, VERIFIED_CODEX_RELEASES.len(), "{named}");
    }
}
