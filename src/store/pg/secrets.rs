//! Where a store's password may be kept: not on the command line (the process list and the
//! shell's history show it), and not in a config file others can read.

use std::path::Path;

use super::connect::redact_url;

/// The warning for a password in a store URL given on the command line.
pub const COMMAND_LINE_PASSWORD: &str = "the store URL on the command line holds a password, \
    which other users can see in the process list and your shell may keep in its history; \
    put it in ~/.pgpass (mode 0600) or $PGPASSWORD and leave it out of the URL";

/// Does the URL carry a password (`user:PASSWORD@`, `?password=`)?
pub fn url_has_password(url: &str) -> bool {
    redact_url(url) != url
}

/// The config file's `store` URL is refused when it holds a password and the file may be read
/// by other users (any group or other permission bit).
pub fn check_config_store_url(path: &Path, url: &str) -> anyhow::Result<()> {
    if !url_has_password(url) {
        return Ok(());
    }
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)?.permissions().mode()
    };
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "{}: its store URL holds a password and the file can be read by other users \
             (mode {:04o}); run `chmod 600 {}`, or move the password to ~/.pgpass or \
             $PGPASSWORD",
            path.display(),
            mode & 0o7777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_password_in_a_readable_config_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "store = \"x\"").unwrap();
        let with_password = "postgresql://ann:hunter2@db/threads";
        let without = "postgresql://ann@db/threads";
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = check_config_store_url(&path, with_password).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(!err.to_string().contains("hunter2"));
        assert!(check_config_store_url(&path, without).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(check_config_store_url(&path, with_password).is_ok());
        assert!(url_has_password("postgresql:///db?host=/run&password=x"));
        assert!(!url_has_password(without));
    }
}
