//! Each member sees what is theirs: on the real server, with three login roles: two members
//! who each sync a home and see only their own threads in `list`, `search` and `show` (a
//! direct `SELECT` too), and a reader who sees both; edits of another member's thread are
//! refused (not found for a member, the missing right named for a reader); a sync of an id
//! another role owns is skipped with a warning. Prints one `skipped` line and passes without a
//! test server.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TestHome, ThreadSpec};

/// Login roles made for one test, dropped at its end (roles are cluster-wide).
struct Roles {
    admin_url: String,
    names: Vec<String>,
}

impl Drop for Roles {
    fn drop(&mut self) {
        let names = self.names.join(", ");
        let url = self.admin_url.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                common::pg::admin(&url, "postgres", &format!("DROP ROLE IF EXISTS {names}")).await
            })
        })
        .join();
    }
}

/// `url` as another user.
fn as_role(url: &str, role: &str) -> String {
    let rest = url
        .strip_prefix("postgresql://")
        .expect("a postgresql:// URL");
    let at = rest.find('@').expect("the test URL names its user");
    format!("postgresql://{role}{}", &rest[at..])
}

fn run(home: &Path, scratch: &Path, args: &[&str]) -> Output {
    common::binary::run_isolated(home, scratch, args)
}

fn ok(output: Output) -> (String, String) {
    common::binary::succeeded(output)
}

fn failed(output: Output) -> String {
    assert!(!output.status.success(), "succeeded");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

/// The error of a thread the role cannot see: as if it were not there.
fn unseen(err: &str) -> bool {
    err.contains("not found") || err.contains("no thread matches")
}

/// Thread ids in a `list` output, sorted.
fn listed(text: &str) -> Vec<String> {
    // `list` prints a header line first.
    let mut ids: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

async fn select_ids(url: &str, sql: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client.query(sql, &[]).await.unwrap();
    drop(client);
    let _ = task.await;
    let mut ids: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn members_see_their_own_threads_and_readers_see_all() {
    let Some(db) = common::pg::TempDatabase::new("pg_roles").await else {
        return;
    };
    let admin_url = common::pg::server_url("pg_roles").unwrap();
    // The schema (and the group roles, when the server has none yet) made by the admin.
    drop(
        codex_threads::store::pg::PgThreadStore::connect(&db.url())
            .await
            .unwrap(),
    );
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (alice, bob, carol, dave) = (
        format!("ct_alice_{suffix}"),
        format!("ct_bob_{suffix}"),
        format!("ct_carol_{suffix}"),
        format!("ct_dave_{suffix}"),
    );
    common::pg::admin(
        &admin_url,
        "postgres",
        &format!(
            "CREATE ROLE {alice} LOGIN IN ROLE codex_threads_members;
             CREATE ROLE {bob} LOGIN IN ROLE codex_threads_members;
             CREATE ROLE {carol} LOGIN IN ROLE codex_threads_readers;
             CREATE ROLE {dave} LOGIN IN ROLE codex_threads_editors;"
        ),
    )
    .await;
    let _roles = Roles {
        admin_url: admin_url.clone(),
        names: vec![alice.clone(), bob.clone(), carol.clone(), dave.clone()],
    };
    let url = db.url();
    let (alice_url, bob_url, carol_url) = (
        as_role(&url, &alice),
        as_role(&url, &bob),
        as_role(&url, &carol),
    );

    let scratch = tempfile::tempdir().unwrap();
    let alice_home = TestHome::new();
    let alice_threads: Vec<ThreadSpec> = (0..2)
        .map(|i| ThreadSpec::new().turn(&format!("alice deploys gateway {i}"), "ok"))
        .collect();
    for spec in &alice_threads {
        alice_home.add_thread(spec);
    }
    let bob_home = TestHome::new();
    let bob_thread = ThreadSpec::new().turn("bob deploys gateway", "ok");
    bob_home.add_thread(&bob_thread);
    ok(run(
        alice_home.path(),
        scratch.path(),
        &["sync", "--to", &alice_url],
    ));
    ok(run(
        bob_home.path(),
        scratch.path(),
        &["sync", "--to", &bob_url],
    ));

    let mut alice_ids: Vec<String> = alice_threads.iter().map(|s| s.id.to_string()).collect();
    alice_ids.sort();
    let bob_id = bob_thread.id.to_string();
    let mut everyone = alice_ids.clone();
    everyone.push(bob_id.clone());
    everyone.sort();

    let store = |role_url: &str, args: &[&str]| {
        let mut all = vec!["--store", role_url];
        all.extend_from_slice(args);
        run(alice_home.path(), scratch.path(), &all)
    };
    // list, search, show: each member sees their own.
    let (text, _) = ok(store(&alice_url, &["list", "--limit", "0"]));
    assert_eq!(listed(&text), alice_ids);
    let (text, _) = ok(store(&bob_url, &["list", "--limit", "0"]));
    assert_eq!(listed(&text), vec![bob_id.clone()]);
    let (text, _) = ok(store(&alice_url, &["search", "deploys gateway"]));
    assert!(!text.is_empty() && !text.contains(&bob_id), "{text}");
    let (text, _) = ok(store(&bob_url, &["search", "deploys gateway"]));
    assert!(text.contains(&bob_id), "{text}");
    assert!(
        alice_ids.iter().all(|id| !text.contains(id.as_str())),
        "{text}"
    );
    ok(store(&alice_url, &["show", &alice_ids[0]]));
    let err = failed(store(&alice_url, &["show", &bob_id]));
    assert!(unseen(&err), "{err}");
    // A direct SELECT as well, lines too.
    assert_eq!(
        select_ids(&alice_url, "SELECT thread_id FROM ct_threads").await,
        alice_ids
    );
    assert_eq!(
        select_ids(&bob_url, "SELECT DISTINCT thread_id FROM ct_lines").await,
        vec![bob_id.clone()]
    );
    // The reader sees both members' threads.
    let (text, _) = ok(store(&carol_url, &["list", "--limit", "0"]));
    assert_eq!(listed(&text), everyone);
    assert_eq!(
        select_ids(&carol_url, "SELECT DISTINCT thread_id FROM ct_lines").await,
        everyone
    );

    // Edits: a member edits their own; another member's thread is not found; the reader
    // is told which right it lacks.
    ok(store(&alice_url, &["rename", &alice_ids[0], "mine"]));
    let err = failed(store(&alice_url, &["rename", &bob_id, "taken"]));
    assert!(unseen(&err), "{err}");
    let err = failed(store(&carol_url, &["rename", &bob_id, "taken"]));
    assert!(err.contains("codex_threads_editors"), "{err}");
    assert!(err.contains(&bob), "{err}");
    let err = failed(store(&carol_url, &["archive", &alice_ids[1]]));
    assert!(err.contains("codex_threads_editors"), "{err}");
    // An editor may edit anyone's thread; it stays its owner's.
    let dave_url = as_role(&url, &dave);
    ok(store(&dave_url, &["rename", &bob_id, "edited by dave"]));
    let (text, _) = ok(store(&bob_url, &["list", "--limit", "0"]));
    assert!(text.contains("edited by dave"), "{text}");

    // Bob syncing a copy of Alice's home: her threads stay hers, each skipped with a warning.
    let (_, said) = ok(run(
        alice_home.path(),
        scratch.path(),
        &["sync", "--to", &bob_url],
    ));
    let warnings = said
        .lines()
        .filter(|line| line.contains("warning") && line.contains(&alice))
        .count();
    assert_eq!(warnings, 2, "{said}");
    let (text, _) = ok(store(&bob_url, &["list", "--limit", "0"]));
    assert_eq!(listed(&text), vec![bob_id.clone()]);
}
