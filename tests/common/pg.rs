//! A fresh database on the throwaway PostgreSQL server of `scripts/pg-test-server.sh`
//! (`$CODEX_THREADS_TEST_PG`). Without it the PostgreSQL tests say they skipped.

pub use codex_threads::store::pg::with_database;
use tokio_postgres::NoTls;

/// The admin URL of the test server, or `None` after printing why the test is skipped.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var("CODEX_THREADS_TEST_PG") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var_os("CODEX_THREADS_REQUIRE_PG").is_some() {
                panic!("{test}: CODEX_THREADS_REQUIRE_PG is set but CODEX_THREADS_TEST_PG is not");
            }
            println!("skipped {test}: no PostgreSQL test server (scripts/pg-test-server.sh)");
            None
        }
    }
}

/// Runs SQL as the test server's superuser on `database`.
pub async fn admin(url: &str, database: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(&with_database(url, database), NoTls)
        .await
        .expect("the test server answers");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("admin SQL runs");
    drop(client);
    let _ = task.await;
}

/// A new empty database on the test server, dropped (with its sessions) when this is dropped.
pub struct TempDatabase {
    admin_url: String,
    name: String,
}

impl TempDatabase {
    /// `None` (skipped) without a test server.
    pub async fn new(test: &str) -> Option<TempDatabase> {
        let admin_url = server_url(test)?;
        let name = format!("ct_{}", uuid::Uuid::new_v4().simple());
        admin(&admin_url, "postgres", &format!("CREATE DATABASE {name}")).await;
        Some(TempDatabase { admin_url, name })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL on the test server's socket.
    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    /// Runs a query as the server's superuser, from the `postgres` database.
    pub async fn query(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        let (client, connection) =
            tokio_postgres::connect(&with_database(&self.admin_url, "postgres"), NoTls)
                .await
                .expect("the test server answers");
        let task = tokio::spawn(connection);
        let rows = client.query(sql, &[]).await.expect("admin query runs");
        drop(client);
        let _ = task.await;
        rows
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, where nothing may block on it: a thread of its
        // own with its own runtime. FORCE ends the sessions a store may still hold.
        let (url, sql) = (
            self.admin_url.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(admin(&url, "postgres", &sql));
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("cannot drop the test database {}", self.name);
        }
    }
}

/// The page holding only the thread's last line (with its text), read backward from the end;
/// its `end` is where a follower starts.
pub async fn last_line_page(
    store: &dyn codex_threads::store::ThreadStore,
    thread_id: codex_threads::protocol::ThreadId,
) -> codex_threads::store::StoreResult<codex_threads::store::ThreadHistoryPage> {
    store
        .read_history_page(codex_threads::store::ReadHistoryPageParams {
            thread_id,
            include_archived: true,
            anchor: None,
            direction: codex_threads::store::HistoryDirection::Backward,
            limit: 1,
            include_raw: true,
        })
        .await
}
