//! TLS to the store against the real test server of `scripts/pg-test-server.sh`, which serves
//! TLS on `localhost` with a certificate for `localhost` only, signed by its throwaway CA, and
//! rejects plain TCP. Everything goes through `PgThreadStore::connect`, as the CLI does. Each
//! test prints one `skipped` line and passes without a test server.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::ThreadId;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::pg::PgThreadStore;
use codex_threads::store::*;
use codex_threads::sync::{origin_of, sync_once};
use common::pg::TempDatabase;
use common::{TestHome, ThreadSpec};

/// In every URL; the server trusts its clients, so it is never checked, only never shown.
const PASSWORD: &str = "s3cret-tls-pw";

/// The test server over TLS: a database of the test's own, its TCP URL (without query) and
/// the directory of the certificates.
struct TlsServer {
    db: TempDatabase,
    url: String,
    certs: PathBuf,
}

impl TlsServer {
    /// `None` (skipped) without a test server, or one without TLS.
    async fn new(test: &str) -> Option<TlsServer> {
        let tls_url = std::env::var("CODEX_THREADS_TEST_PG_TLS").ok();
        let ca = std::env::var("CODEX_THREADS_TEST_PG_CA").ok();
        let (Some(tls_url), Some(ca)) = (tls_url.filter(|u| !u.is_empty()), ca) else {
            if std::env::var_os("CODEX_THREADS_REQUIRE_PG").is_some() {
                panic!(
                    "{test}: CODEX_THREADS_REQUIRE_PG is set but CODEX_THREADS_TEST_PG_TLS or \
                     CODEX_THREADS_TEST_PG_CA is not"
                );
            }
            println!("skipped {test}: no PostgreSQL TLS test server (scripts/pg-test-server.sh)");
            return None;
        };
        let db = TempDatabase::new(test).await?;
        // `postgresql://user@localhost:port/db`, with a password.
        let url = common::pg::with_database(&tls_url, db.name()).replacen(
            "@localhost:",
            &format!(":{PASSWORD}@localhost:"),
            1,
        );
        assert!(url.contains(PASSWORD), "{url}");
        let certs = PathBuf::from(ca).parent().unwrap().to_path_buf();
        Some(TlsServer { db, url, certs })
    }

    fn cert(&self, name: &str) -> String {
        self.certs.join(name).display().to_string()
    }

    /// The URL with `host` for `localhost` and `query` added.
    fn url(&self, host: &str, query: &str) -> String {
        let url = self.url.replacen("@localhost:", &format!("@{host}:"), 1);
        format!("{url}?{query}")
    }

    async fn connect(&self, host: &str, query: &str) -> StoreResult<PgThreadStore> {
        PgThreadStore::connect(&self.url(host, query)).await
    }

    /// The error of a connection that must fail; it never shows the password.
    async fn refused(&self, host: &str, query: &str) -> String {
        let Err(err) = self.connect(host, query).await else {
            panic!("{query} to {host} connected");
        };
        let text = err.to_string();
        assert!(!text.contains(PASSWORD), "{text}");
        text
    }

    /// `(ssl, client_dn)` of every session on the test's database, and the statement each last
    /// ran, as the server sees them.
    async fn sessions(&self) -> Vec<(bool, Option<String>, String)> {
        let rows = self
            .db
            .query(&format!(
                "SELECT s.ssl, s.client_dn, a.query FROM pg_stat_ssl s
                 JOIN pg_stat_activity a USING (pid) WHERE a.datname = '{}'",
                self.db.name()
            ))
            .await;
        rows.iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
    }

    /// Lists through `store`, then checks that the database has sessions and all use TLS.
    async fn assert_store_encrypted(&self, store: &PgThreadStore) {
        store
            .list_threads(ListThreadsParams::default())
            .await
            .unwrap();
        let sessions = self.sessions().await;
        assert!(
            !sessions.is_empty() && sessions.iter().all(|(ssl, _, _)| *ssl),
            "{sessions:?}"
        );
    }
}

fn home_with_one_thread() -> (TestHome, ThreadId) {
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("over TLS", "encrypted");
    home.add_thread(&spec);
    (home, spec.id)
}

#[tokio::test]
async fn verify_full_with_the_ca_syncs_and_follows_over_encrypted_sessions() {
    let Some(server) = TlsServer::new("verify_full_with_the_ca").await else {
        return;
    };
    let query = format!("sslmode=verify-full&sslrootcert={}", server.cert("ca.crt"));
    let store = server.connect("localhost", &query).await.unwrap();
    let (home, id) = home_with_one_thread();
    let local = LocalThreadStore::open(home.path(), LocalStoreOptions::default());
    let report = sync_once(&local, &store, &origin_of(home.path()))
        .await
        .unwrap();
    assert_eq!(report.threads, 1);
    let page = store
        .list_threads(ListThreadsParams::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // Following starts the `LISTEN` connection, which must use the same TLS.
    let manager = ThreadManager::new(Arc::new(store.clone()));
    let end = common::pg::last_line_page(&store, id).await.unwrap().end;
    let _follower = manager.follow_thread(id, end, false).await.unwrap();
    let sessions = server.sessions().await;
    assert!(
        sessions
            .iter()
            .any(|(_, _, query)| query.starts_with("LISTEN")),
        "{sessions:?}"
    );
    assert!(sessions.iter().all(|(ssl, _, _)| *ssl), "{sessions:?}");
}

#[tokio::test]
async fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some(server) = TlsServer::new("verify_full_checks_the_host_name").await else {
        return;
    };
    let ca = server.cert("ca.crt");
    // The certificate names `localhost` only.
    let err = server
        .refused(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        )
        .await;
    assert!(
        err.contains("does not match host 127.0.0.1") && err.contains("localhost"),
        "{err}"
    );
    let store = server
        .connect("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))
        .await
        .unwrap();
    server.assert_store_encrypted(&store).await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_in_every_checking_mode() {
    let Some(server) = TlsServer::new("a_certificate_from_another_ca").await else {
        return;
    };
    let other = server.cert("untrusted-ca.crt");
    // require with a root certificate checks the chain, as libpq's does.
    for mode in ["verify-full", "verify-ca", "require"] {
        let err = server
            .refused("localhost", &format!("sslmode={mode}&sslrootcert={other}"))
            .await;
        assert!(
            err.contains(&format!(
                "the server's TLS certificate is not trusted by {other}"
            )),
            "{mode}: {err}"
        );
    }
}

#[tokio::test]
async fn require_without_a_root_certificate_encrypts_and_disable_is_refused() {
    let Some(server) = TlsServer::new("require_without_a_root_certificate").await else {
        return;
    };
    // libpq would check against ~/.postgresql/root.crt if there were one.
    if dirs::home_dir().is_some_and(|home| home.join(".postgresql/root.crt").exists()) {
        println!("skipped the require case: ~/.postgresql/root.crt exists");
    } else {
        let store = server
            .connect("localhost", "sslmode=require")
            .await
            .unwrap();
        server.assert_store_encrypted(&store).await;
    }
    // The server rejects plain TCP (`hostnossl … reject`).
    let err = server.refused("localhost", "sslmode=disable").await;
    assert!(
        err.contains("no encryption") && err.contains("requires TLS"),
        "{err}"
    );
}

#[tokio::test]
async fn a_client_certificate_is_presented() {
    let Some(server) = TlsServer::new("a_client_certificate_is_presented").await else {
        return;
    };
    let query = format!(
        "sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        server.cert("ca.crt"),
        server.cert("client.crt"),
        server.cert("client.key")
    );
    let store = server.connect("localhost", &query).await.unwrap();
    store
        .list_threads(ListThreadsParams::default())
        .await
        .unwrap();
    let sessions = server.sessions().await;
    assert!(!sessions.is_empty(), "{sessions:?}");
    for (ssl, client_dn, _) in &sessions {
        assert!(*ssl);
        assert_eq!(client_dn.as_deref(), Some("/CN=codexpg"));
    }
}
