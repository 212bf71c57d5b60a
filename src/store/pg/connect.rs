//! Connecting: the URL as libpq takes it, a pool, the migrations, and errors as the store's.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, TlsSettings};

use crate::store::{StoreResult, ThreadStoreError};

/// The migrations, in order; each runs once, in its own transaction.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_threads_and_lines.sql")),
    (2, include_str!("migrations/0002_line_length_bigint.sql")),
    (3, include_str!("migrations/0003_search_text_lowercase.sql")),
    (4, include_str!("migrations/0004_redaction_counts.sql")),
    (
        5,
        include_str!("migrations/0005_owners_and_row_security.sql"),
    ),
];

/// Connections kept by one process.
const POOL_SIZE: usize = 8;

/// A parsed store URL: the connection's settings and the TLS connector every connection to
/// the store uses (the pool's and the `LISTEN` one).
#[derive(Clone)]
pub struct StoreConfig {
    pub pg: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // tokio-postgres's `Debug` hides the password.
        f.debug_struct("StoreConfig")
            .field("pg", &self.pg)
            .finish_non_exhaustive()
    }
}

/// Parses `postgresql://user[:password]@host:port/db` (a unix-socket directory as
/// `?host=/dir&port=N`). Without a password in the URL, `$PGPASSWORD`, then the password file
/// (`$PGPASSFILE` or `~/.pgpass`) is used, as libpq does. TLS is as libpq's: see [`tls`].
pub fn parse_url(url: &str) -> StoreResult<StoreConfig> {
    let (rest, tls_params) = tls::take_tls_params(url);
    let mut config = tokio_postgres::Config::from_str(&rest).map_err(|err| {
        // The parser's message never holds the URL; the URL is shown only redacted.
        ThreadStoreError::invalid(format!("invalid store URL {}: {err}", redact_url(url)))
    })?;
    if config.get_password().is_none() {
        if let Some(password) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
            config.password(std::os::unix::ffi::OsStrExt::as_bytes(password.as_os_str()));
        } else if let Some(password) = super::pgpass::lookup(&config) {
            config.password(password);
        }
    }
    let invalid_tls =
        |err: String| ThreadStoreError::invalid(format!("store URL {}: {err}", redact_url(url)));
    let mut settings = TlsSettings::resolve(
        tls_params,
        |var| std::env::var(var).ok(),
        dirs::home_dir().as_deref(),
    )
    .map_err(invalid_tls)?;
    // As libpq: no TLS over a unix socket, whatever the mode (and no certificate is read).
    let hosts = config.get_hosts();
    if !hosts.is_empty()
        && hosts
            .iter()
            .all(|host| matches!(host, tokio_postgres::config::Host::Unix(_)))
    {
        settings = TlsSettings::plain();
    }
    config.ssl_mode(settings.negotiation());
    let tls = settings.connector().map_err(invalid_tls)?;
    if config.get_application_name().is_none() {
        config.application_name("codex-threads");
    }
    Ok(StoreConfig { pg: config, tls })
}

/// The URL with any password replaced by `***`: the only form in which a URL is shown or logged.
pub fn redact_url(url: &str) -> String {
    let mut redacted = url.to_string();
    // `scheme://user:password@host`
    if let Some(scheme_end) = redacted.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = redacted[rest_start..]
            .find(['/', '?'])
            .map_or(redacted.len(), |at| rest_start + at);
        if let Some(at) = redacted[rest_start..authority_end].rfind('@') {
            let userinfo = &redacted[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                redacted.replace_range(start..rest_start + at, "***");
            }
        }
    }
    // `?password=...` and key=value strings.
    for key in ["password=", "sslpassword="] {
        let mut from = 0;
        while let Some(found) = redacted[from..].find(key) {
            let start = from + found + key.len();
            let end = redacted[start..]
                .find(['&', ' '])
                .map_or(redacted.len(), |at| start + at);
            redacted.replace_range(start..end, "***");
            from = start + 3;
        }
    }
    redacted
}

/// `url` with its database name replaced (`postgresql://user@host/db?…`): tests and benchmarks
/// make a database of their own on a server they are given.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let scheme_end = base.find("://").map_or(0, |at| at + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |at| scheme_end + at);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

pub fn build_pool(config: StoreConfig) -> StoreResult<Pool> {
    let manager = Manager::from_config(
        config.pg,
        config.tls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .build()
        .map_err(|err| ThreadStoreError::internal(format!("cannot build the pool: {err}")))
}

/// Brings the schema up to date. A role that may only read finds it current and changes
/// nothing; one that finds it behind and cannot change it gets a clear error.
pub async fn migrate(client: &mut deadpool_postgres::Client) -> StoreResult<()> {
    let latest = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    if current_version(client).await? >= latest {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(db_error)?;
    // Two processes opening a new database at once: one migrates, the other waits and skips.
    tx.execute("SELECT pg_advisory_xact_lock(7424010001)", &[])
        .await
        .map_err(db_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ct_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(db_error)?;
    let done: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM ct_migrations", &[])
        .await
        .map_err(db_error)?
        .get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > done) {
        tx.batch_execute(sql).await.map_err(db_error)?;
        tx.execute(
            "INSERT INTO ct_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)
}

async fn current_version(client: &deadpool_postgres::Client) -> StoreResult<i32> {
    let exists: bool = client
        .query_one("SELECT to_regclass('ct_migrations') IS NOT NULL", &[])
        .await
        .map_err(db_error)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_one("SELECT coalesce(max(version), 0) FROM ct_migrations", &[])
        .await
        .map_err(db_error)?
        .get(0))
}

/// A database error as the store's error. A role without write rights gets a sentence that
/// says so rather than the server's bare `permission denied for table`.
pub fn db_error(err: tokio_postgres::Error) -> ThreadStoreError {
    if let Some(db) = err.as_db_error() {
        if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE
            && let Some(hint) = db.hint()
        {
            // A migration that needs an admin (roles to create) says what to run.
            return ThreadStoreError::Unavailable {
                message: format!("{}: {hint}", db.message()),
            };
        }
        if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE {
            return ThreadStoreError::invalid(format!(
                "the store is read-only for this database role ({}); edits need a role that may write",
                db.message()
            ));
        }
        if *db.code() == SqlState::READ_ONLY_SQL_TRANSACTION {
            return ThreadStoreError::invalid(
                "the store's database server is read-only; edits need a writable server",
            );
        }
        if *db.code() == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            // e.g. `no pg_hba.conf entry for host …, no encryption` from a `hostnossl … reject`.
            let hint = if db.message().contains("no encryption") {
                " (it requires TLS: use sslmode=require or stronger)"
            } else {
                ""
            };
            return ThreadStoreError::Unavailable {
                message: format!("the server refused the connection: {}{hint}", db.message()),
            };
        }
        return ThreadStoreError::internal(format!("database: {}", db.message()));
    }
    if let Some(refusal) = tls::certificate_refusal(&err) {
        return ThreadStoreError::Unavailable { message: refusal };
    }
    let text = err.to_string();
    if err.is_closed() || text.contains("connect") || text.contains("TLS") {
        return ThreadStoreError::Unavailable {
            message: format!("database unavailable: {}", with_cause(&err)),
        };
    }
    ThreadStoreError::internal(format!("database: {}", with_cause(&err)))
}

/// tokio-postgres's message with the error under it: "error connecting to server" says little
/// without "No such file or directory" or "Connection refused".
fn with_cause(err: &tokio_postgres::Error) -> String {
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}

pub fn pool_error(err: deadpool_postgres::PoolError) -> ThreadStoreError {
    match err {
        deadpool_postgres::PoolError::Backend(err) => db_error(err),
        other => ThreadStoreError::Unavailable {
            message: format!("database unavailable: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_redaction() {
        for (url, expected) in [
            (
                "postgresql://ann:s3cret@db.example:5432/threads",
                "postgresql://ann:***@db.example:5432/threads",
            ),
            (
                "postgres://ann:p%40ss@h/db?sslmode=require",
                "postgres://ann:***@h/db?sslmode=require",
            ),
            (
                "postgresql:///db?host=/run/pg&password=hunter2&port=5",
                "postgresql:///db?host=/run/pg&password=***&port=5",
            ),
            (
                "host=/tmp password=x user=a",
                "host=/tmp password=*** user=a",
            ),
            (
                "postgresql://ann@/db?host=/tmp&port=1",
                "postgresql://ann@/db?host=/tmp&port=1",
            ),
        ] {
            assert_eq!(redact_url(url), expected);
        }
    }

    #[test]
    fn a_bad_url_is_reported_without_its_password() {
        let err = parse_url("postgresql://ann:s3cret@host:notaport/db").unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("***"), "{text}");
    }

    #[test]
    fn a_bad_sslmode_is_reported_with_the_choices_and_no_password() {
        let err = parse_url("postgresql://ann:s3cret@db/threads?sslmode=verify").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("invalid sslmode \"verify\"") && text.contains("verify-full"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn tls_keys_are_ours_and_the_rest_goes_to_tokio_postgres() {
        let config = parse_url(
            "postgresql://ann@db.example:5433/threads?sslmode=require&application_name=x",
        )
        .unwrap();
        assert_eq!(
            config.pg.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(config.pg.get_application_name(), Some("x"));
        let err =
            parse_url("postgresql://ann@db/threads?sslmode=verify-ca&sslrootcert=/nowhere/r.crt")
                .unwrap_err()
                .to_string();
        assert!(err.contains("/nowhere/r.crt"), "{err}");
    }

    #[test]
    fn a_unix_socket_gets_no_tls_whatever_the_mode() {
        // Nor is a root certificate read, or needed: libpq asks for no TLS over a socket.
        for tls in [
            "sslmode=verify-full&sslrootcert=/nowhere",
            "sslmode=verify-ca",
        ] {
            let config = parse_url(&format!(
                "postgresql://codexpg@/postgres?host=/tmp/pg&{tls}"
            ))
            .unwrap();
            assert_eq!(
                config.pg.get_ssl_mode(),
                tokio_postgres::config::SslMode::Disable
            );
        }
    }

    #[test]
    fn a_unix_socket_directory_is_taken_from_the_query() {
        let config = parse_url("postgresql://codexpg@/postgres?host=/tmp/pg&port=5433").unwrap();
        assert_eq!(config.pg.get_ports(), &[5433]);
        assert!(matches!(
            config.pg.get_hosts(),
            [tokio_postgres::config::Host::Unix(path)] if path == std::path::Path::new("/tmp/pg")
        ));
    }
}
