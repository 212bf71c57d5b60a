//! The password file libpq reads (`$PGPASSFILE`, else `~/.pgpass`): lines of
//! `hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaped,
//! `#` starting a comment. As libpq does, the file is ignored when others may read it, and a
//! unix-socket connection matches the host name `localhost`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use tokio_postgres::config::Host;

/// The password for this connection from the password file, if one matches.
pub fn lookup(config: &tokio_postgres::Config) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|home| home.join(".pgpass")))?;
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "password file ignored: group or others may read it");
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let wanted = Wanted::of(config)?;
    text.lines().find_map(|line| wanted.password_in(line))
}

/// What a password-file line must match, as strings.
struct Wanted {
    host: String,
    port: String,
    database: String,
    user: String,
}

impl Wanted {
    fn of(config: &tokio_postgres::Config) -> Option<Wanted> {
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            // libpq: "a host name of localhost is also used for unix-domain socket connections".
            Some(Host::Unix(_)) | None => "localhost".to_string(),
        };
        let port = config
            .get_ports()
            .first()
            .copied()
            .unwrap_or(5432)
            .to_string();
        let user = config.get_user()?.to_string();
        let database = config.get_dbname().unwrap_or(&user).to_string();
        Some(Wanted {
            host,
            port,
            database,
            user,
        })
    }

    fn password_in(&self, line: &str) -> Option<String> {
        if line.trim_start().starts_with('#') {
            return None;
        }
        let fields = split_fields(line);
        let [host, port, database, user, password] = fields.as_slice() else {
            return None;
        };
        let matches = |field: &str, value: &str| field == "*" || field == value;
        (matches(host, &self.host)
            && matches(port, &self.port)
            && matches(database, &self.database)
            && matches(user, &self.user))
        .then(|| password.clone())
    }
}

/// Splits on unescaped colons; the password is everything after the fourth.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().unwrap().push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn wanted(url: &str) -> Wanted {
        Wanted::of(&tokio_postgres::Config::from_str(url).unwrap()).unwrap()
    }

    #[test]
    fn matches_fields_wildcards_and_escapes() {
        let tcp = wanted("postgresql://ann@db.example:6432/threads");
        assert_eq!(
            tcp.password_in("db.example:6432:threads:ann:s3cret")
                .as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            tcp.password_in("*:*:*:ann:p\\:w\\\\d").as_deref(),
            Some("p:w\\d")
        );
        assert_eq!(tcp.password_in("db.example:5432:threads:ann:x"), None);
        assert_eq!(tcp.password_in("db.example:6432:threads:bob:x"), None);
        assert_eq!(tcp.password_in("# db.example:6432:threads:ann:x"), None);
        assert_eq!(tcp.password_in("too:few:fields"), None);
        // A socket connection is `localhost`; the database defaults to the user name.
        let socket = wanted("postgresql://ann@/?host=/run/pg&port=5433");
        assert_eq!(
            socket.password_in("localhost:5433:ann:ann:pw").as_deref(),
            Some("pw")
        );
    }

    #[test]
    fn a_file_others_may_read_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "*:*:*:*:from-the-file\n").unwrap();
        let config = tokio_postgres::Config::from_str("postgresql://ann@h/db").unwrap();
        // SAFETY: set_var in a test; no other test reads PGPASSFILE.
        unsafe { std::env::set_var("PGPASSFILE", &file) };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(lookup(&config), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(lookup(&config).as_deref(), Some("from-the-file"));
        unsafe { std::env::remove_var("PGPASSFILE") };
    }
}
