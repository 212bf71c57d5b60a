//! Secrets stay home: a home whose rollouts hold one planted secret of every kind the rules
//! know (and near-misses that must stay) is synced by the real binary into a throwaway server;
//! `pg_dump` of the database holds none of the secrets and every near-miss, and `--store show`
//! shows the markers. Private and excluded threads are kept out of the store, and taken out of
//! it when they become so. Prints one `skipped` line and passes without a test server.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TestHome, ThreadSpec, Turn};

/// Planted secrets: (kind, the secret's text that must not reach the store).
const OPENAI: &str = "sk-proj-Qm7Xv2Lp9Rt4Wz8Ks1Nd6Hb3Jf5Gc0Ya7Ue2Io9Pq4Ws8Ed1Rf6Tg3Yh5Uj0Ik7Ol2";
const ANTHROPIC: &str = "sk-ant-api03-Vb8Nm2Kl5Jh9Gf3Ds6Az1Qw4Er7Ty0Ui8Op2As5Df9Gh3Jk6Lz1Xc4Vb7Nm0Qw3Er6Ty9Ui2Op5AsDfGhJk-AAAA";
const GITHUB: &str = "ghp_Hk3Lm9Np2Qr8St4Uv7Wx1Yz6Ab5Cd0Ef2Gh4Ij";
const GITLAB: &str = "glpat-Tq7Wr3Ey9Ui1Op5As2Df8";
const SLACK: &str = "xoxb-2048123456-4096123456789-Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol";
const STRIPE: &str = "sk_live_51Jk8Lm3Np7Qr2St6Uv9Wx4Yz";
const GOOGLE_KEY: &str = "AIzaSyD4f8G2h6J0k3L7m1N5p9Q2r6S0t4U8v2W";
const GOOGLE_OAUTH: &str = "ya29.a0Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7";
const AWS_ID: &str = "AKIAZ7Q3RM4TN8UV2WX6";
const AWS_SECRET: &str = "Lq8Zr3Vt7Xw1Yb5Nc9Md2Pf6Gh0Jk4Sa8De2Rw6T";
const AZURE_STORAGE: &str =
    "Zk7Xq2Wv9Ub4Tn6Sm1Rl8Qk3Pj5Oi0Nh7Mg2Lf9Ke4Jd6Ic1Hb8Ga3Fz5Ey0Dx7Cw2Bv9Au4Zt6Ys1Xr8Wq3Vp5Uo0==";
const AZURE_CLIENT: &str = "Jq48Q~Wx2Ec5Rv8Tb1Yn4Um7Ik0Ol3Pz6Aq9Sw2Ed";
const GCP_KEY_ID: &str = "4f1c9e2a7b3d8e6f0a5c1b9d2e7f3a8c6b0d4e1f";
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJhbm4iLCJleHAiOjk5OTk5OTk5OTl9.Sg7Hd2Kf9Lp4Mq8Nr3Os6Pt1Qu5Rv0Sw7Tx2Uy9Vz4Wa8Xb3Yc6Zd1";
const RSA_BODY: &str = "MIIEpAIBAAKCAQEA0rsaPlantedBodyLineQ8w2E4r6T8y0U2i4O6p8A0s2D";
const EC_BODY: &str = "MHcCAQEEIPlantedEcBodyLine7Hk2Lm5Np8Qr1St4Uv7Wx0Yz3";
const OPENSSH_BODY: &str = "b3BlbnNzaC1rZXktdjEAAAAAPlantedOpensshBodyLine9Zx8Cv7Bn6";
const PGP_BODY: &str = "lQOYBGPlantedPgpBodyLine5Ty4Ui3Op2As1Df0Gh9Jk8Lz7Xc6";
const GCP_PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BPlantedGcpBodyLine3Er5Ty7Ui9Op";
const URL_PASSWORD: &str = "Pl4ntedDbPassw0rd";
const ENV_TOKEN: &str = "9c4f1e7a2b8d5c3e6f0a";
const JSON_PASSWORD: &str = "Wq3Ea7Sz1Xd5Cf9Vr2";
const USER_PATTERN: &str = "ACME-7F3A9C21B4D6E805";
const TITLE_SECRET: &str = "ghp_Tt1Yy2Uu3Ii4Oo5Pp6Aa7Ss8Dd9Ff0Gg1Hh2Jj";
const ORIGIN_PASSWORD: &str = "0riginRem0teS3cret";

/// Near-misses: texts that look a little like secrets and must reach the store unchanged.
const UUID: &str = "550e8400-e29b-41d4-a716-446655440000";
const GIT_SHA: &str = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const IMAGE: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const PROSE: &str = "OpenAI keys start with sk- and Stripe ones with sk_live_, never paste them";
const ALLOWED: &str = "AKIAIOSFODNN7EXAMPLE";

fn planted_secrets() -> Vec<&'static str> {
    vec![
        OPENAI,
        ANTHROPIC,
        GITHUB,
        GITLAB,
        SLACK,
        STRIPE,
        GOOGLE_KEY,
        GOOGLE_OAUTH,
        AWS_ID,
        AWS_SECRET,
        AZURE_STORAGE,
        AZURE_CLIENT,
        GCP_KEY_ID,
        JWT,
        RSA_BODY,
        EC_BODY,
        OPENSSH_BODY,
        PGP_BODY,
        GCP_PEM_BODY,
        URL_PASSWORD,
        ENV_TOKEN,
        JSON_PASSWORD,
        USER_PATTERN,
        TITLE_SECRET,
        ORIGIN_PASSWORD,
    ]
}

fn pem(label: &str, body: &str) -> String {
    format!("-----BEGIN {label}-----\n{body}\nQ2w3E4r5T6y7U8i9O0p=\n-----END {label}-----")
}

/// Command outputs, messages and tool arguments holding every planted secret.
fn secret_turns() -> Vec<Turn> {
    let env_dump = format!(
        "OPENAI_API_KEY={OPENAI}\nANTHROPIC_API_KEY={ANTHROPIC}\nGITLAB_TOKEN={GITLAB}\n\
         SLACK_BOT_TOKEN={SLACK}\nSTRIPE_SECRET={STRIPE}\nGOOGLE_API_KEY={GOOGLE_KEY}\n\
         AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n\
         MY_SERVICE_TOKEN={ENV_TOKEN}\nACME={USER_PATTERN}\nEXAMPLE_ID={ALLOWED}\n"
    );
    let gcp = format!(
        "{{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"{GCP_KEY_ID}\",\n  \
         \"private_key\": \"{}\\n\"\n}}",
        pem("PRIVATE KEY", GCP_PEM_BODY).replace('\n', "\\n")
    );
    let keys = [
        pem("RSA PRIVATE KEY", RSA_BODY),
        pem("EC PRIVATE KEY", EC_BODY),
        pem("OPENSSH PRIVATE KEY", OPENSSH_BODY),
        pem("PGP PRIVATE KEY BLOCK", PGP_BODY),
    ]
    .join("\n");
    vec![
        Turn::new("show me the environment", "done").command("env", &env_dump),
        Turn::new(
            &format!("the service account key, please; run {UUID} at {GIT_SHA}"),
            "here it is",
        )
        .command("cat sa.json", &gcp),
        Turn::new("and the keys", &format!("{PROSE}. ok")).command("cat keys/*", &keys),
        Turn::new(
            &format!("use the token {GOOGLE_OAUTH} and {JWT} with {IMAGE}"),
            &format!("The Azure secret {AZURE_CLIENT} and AccountKey={AZURE_STORAGE} noted."),
        )
        .command(
            &format!(
                "export GITHUB_TOKEN={GITHUB} && psql postgresql://app:{URL_PASSWORD}@db:5432/app"
            ),
            &format!("{{\"user\": \"app\", \"db_password\": \"{JSON_PASSWORD}\"}}"),
        ),
    ]
}

fn write_config(dir: &Path, extra: &str) {
    std::fs::create_dir_all(dir.join("codex-threads")).unwrap();
    std::fs::write(
        dir.join("codex-threads").join("config.toml"),
        format!(
            "{extra}\n[redact]\npatterns = [{{ kind = \"acme-token\", pattern = \"ACME-[0-9A-F]{{16}}\" }}]\n\
             allow = [\"{ALLOWED}\"]\n"
        ),
    )
    .unwrap();
}

fn run(home: &Path, scratch: &Path, args: &[&str]) -> Output {
    common::binary::run_isolated(home, scratch, args)
}

fn ok(output: Output) -> (String, String) {
    common::binary::succeeded(output)
}

/// The database as `pg_dump` writes it (data and schema, as text).
fn pg_dump(url: &str) -> String {
    let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.flatten()
                .map(|dir| dir.path().join("bin").join("pg_dump"))
                .find(|path| path.exists())
        })
        .unwrap_or_else(|| PathBuf::from("pg_dump"));
    let output = Command::new(pg_dump)
        .arg("--dbname")
        .arg(url)
        .output()
        .expect("pg_dump runs");
    assert!(
        output.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_planted_secret_reaches_the_store_and_every_near_miss_does() {
    let Some(db) = common::pg::TempDatabase::new("redact_sync").await else {
        return;
    };
    let home = TestHome::new();
    let scratch = tempfile::tempdir().unwrap();
    write_config(&scratch.path().join("config"), "");
    let mut spec = ThreadSpec::new()
        .user_message(&format!("deploy with GITHUB_TOKEN={TITLE_SECRET} please"))
        .git_origin(&format!(
            "https://deploy:{ORIGIN_PASSWORD}@git.example.com/org/app.git"
        ));
    for turn in secret_turns() {
        spec = spec.with_turn(turn);
    }
    let written = home.add_thread(&spec);
    let rollout = std::fs::read_to_string(&written.path).unwrap();
    for secret in planted_secrets() {
        // Planted as written: in the JSON, a secret is the same text.
        assert!(rollout.contains(secret), "not planted: {secret}");
    }
    let url = db.url();
    let (_, said) = ok(run(home.path(), scratch.path(), &["sync", "--to", &url]));
    assert!(said.contains("secrets redacted"), "{said}");
    assert!(!said.contains("warning"), "{said}");

    let dump = pg_dump(&url);
    assert!(
        dump.contains(&spec.id.to_string()),
        "the thread is in the dump"
    );
    for secret in planted_secrets() {
        assert!(!dump.contains(secret), "{secret} reached the store");
    }
    for near_miss in [UUID, GIT_SHA, IMAGE, PROSE, ALLOWED] {
        assert!(dump.contains(near_miss), "{near_miss} was redacted");
    }
    for kind in [
        "openai-api-key",
        "anthropic-api-key",
        "github-token",
        "gitlab-token",
        "slack-token",
        "stripe-key",
        "google-api-key",
        "google-oauth-token",
        "aws-access-key-id",
        "aws-secret-access-key",
        "azure-storage-key",
        "azure-client-secret",
        "gcp-service-account-key",
        "jwt",
        "private-key",
        "url-password",
        "secret-assignment",
        "acme-token",
    ] {
        assert!(
            dump.contains(&format!("[redacted: {kind}]")),
            "no {kind} marker"
        );
    }

    // The store shows the markers, and counts them.
    let id = spec.id.to_string();
    let (shown, _) = ok(run(
        home.path(),
        scratch.path(),
        &["--store", &url, "show", &id],
    ));
    assert!(shown.contains("[redacted: "), "{shown}");
    let (json, _) = ok(run(
        home.path(),
        scratch.path(),
        &["--store", &url, "show", &id, "--json"],
    ));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let redactions = value["thread"]["redactions"].as_u64().unwrap();
    assert!(
        redactions >= planted_secrets().len() as u64 - 2,
        "{redactions}"
    );
    for item in value["items"].as_array().unwrap() {
        assert!(item.is_object(), "every stored line is still JSON: {item}");
    }
    let title = value["thread"]["title"].as_str().unwrap();
    assert!(title.contains("[redacted: github-token]"), "{title}");
}

/// The ids of the threads in the store, sorted.
async fn thread_ids(url: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client
        .query("SELECT thread_id FROM ct_threads ORDER BY thread_id", &[])
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    rows.iter().map(|row| row.get(0)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_and_excluded_threads_stay_home_and_leave_the_store() {
    let Some(db) = common::pg::TempDatabase::new("redact_private").await else {
        return;
    };
    let home = TestHome::new();
    let scratch = tempfile::tempdir().unwrap();
    let config = scratch.path().join("config");
    write_config(&config, "");
    let shared = ThreadSpec::new().cwd("/work/app").turn("shared", "yes");
    let secretive = ThreadSpec::new().cwd("/work/app").turn("private", "yes");
    let client = ThreadSpec::new()
        .cwd("/clients/acme/app")
        .turn("client work", "yes");
    for spec in [&shared, &secretive, &client] {
        home.add_thread(spec);
    }
    let url = db.url();
    ok(run(home.path(), scratch.path(), &["sync", "--to", &url]));
    let mut all = vec![
        shared.id.to_string(),
        secretive.id.to_string(),
        client.id.to_string(),
    ];
    all.sort();
    assert_eq!(thread_ids(&url).await, all);

    // Marked private and excluded after the sync: the next sync takes them out.
    let (said, _) = ok(run(
        home.path(),
        scratch.path(),
        &["private", &secretive.id.to_string()],
    ));
    assert_eq!(said.trim(), format!("private {}", secretive.id));
    write_config(&config, "sync_exclude = [\"/clients/**\"]");
    let (_, said) = ok(run(home.path(), scratch.path(), &["sync", "--to", &url]));
    assert!(
        said.contains("2 private or excluded threads removed"),
        "{said}"
    );
    assert_eq!(thread_ids(&url).await, vec![shared.id.to_string()]);
    // And they stay out.
    ok(run(home.path(), scratch.path(), &["sync", "--to", &url]));
    assert_eq!(thread_ids(&url).await, vec![shared.id.to_string()]);

    // Public again: back at the next sync. Codex's files were never touched.
    ok(run(
        home.path(),
        scratch.path(),
        &["public", &secretive.id.to_string()],
    ));
    ok(run(home.path(), scratch.path(), &["sync", "--to", &url]));
    let mut expected = vec![shared.id.to_string(), secretive.id.to_string()];
    expected.sort();
    assert_eq!(thread_ids(&url).await, expected);
    assert!(
        !std::fs::read_dir(home.path())
            .unwrap()
            .flatten()
            .any(|entry| { entry.file_name().to_string_lossy().contains("private") })
    );

    // On a store, private is refused with one line.
    let refused = run(
        home.path(),
        scratch.path(),
        &["--store", &url, "private", &shared.id.to_string()],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_redact_warns_and_passwords_on_the_command_line_are_warned_about() {
    let Some(db) = common::pg::TempDatabase::new("redact_opt_out").await else {
        return;
    };
    let home = TestHome::new();
    let scratch = tempfile::tempdir().unwrap();
    write_config(&scratch.path().join("config"), "");
    let spec = ThreadSpec::new().turn(&format!("my key is {GITHUB}"), "ok");
    home.add_thread(&spec);
    let url = db.url();
    let (_, said) = ok(run(
        home.path(),
        scratch.path(),
        &["sync", "--to", &url, "--no-redact"],
    ));
    assert!(said.contains("warning: --no-redact"), "{said}");
    assert!(pg_dump(&url).contains(GITHUB));

    // The test server trusts its socket: the password is not needed, only warned about.
    let with_password = url.replacen("codexpg@", "codexpg:hunter2hunter2@", 1);
    assert_ne!(with_password, url, "the test URL names its user");
    let (_, said) = ok(run(
        home.path(),
        scratch.path(),
        &["--store", &with_password, "list"],
    ));
    assert!(said.contains("~/.pgpass"), "{said}");
    assert!(!said.contains("hunter2hunter2"), "{said}");

    // A config file others can read is refused when its store URL holds a password.
    let config = scratch
        .path()
        .join("config")
        .join("codex-threads")
        .join("config.toml");
    std::fs::write(&config, format!("store = \"{with_password}\"\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = run(home.path(), scratch.path(), &["list"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains("hunter2hunter2"), "{stderr}");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(run(home.path(), scratch.path(), &["list"]));
}

#[test]
fn export_redact_replaces_secrets_before_rendering() {
    let home = TestHome::new();
    let scratch = tempfile::tempdir().unwrap();
    write_config(&scratch.path().join("config"), "");
    let spec = ThreadSpec::new().with_turn(Turn::new("the env", "ok").command(
        "env",
        &format!("A_TOKEN={ENV_TOKEN}\nK={GITHUB}\nID={ALLOWED}"),
    ));
    home.add_thread(&spec);
    let id = spec.id.to_string();
    let (plain, _) = ok(run(home.path(), scratch.path(), &["export", &id]));
    assert!(plain.contains(GITHUB));
    for format in ["markdown", "json"] {
        let (redacted, _) = ok(run(
            home.path(),
            scratch.path(),
            &["export", &id, "--redact", "--format", format],
        ));
        assert!(!redacted.contains(GITHUB), "{redacted}");
        assert!(!redacted.contains(ENV_TOKEN), "{redacted}");
        assert!(redacted.contains("[redacted: github-token]"), "{redacted}");
        assert!(redacted.contains(ALLOWED), "{redacted}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_watch_redacts_what_it_carries() {
    use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
    use codex_threads::store::pg::PgThreadStore;
    use codex_threads::sync::{SyncPolicy, origin_of, sync_watch_with};

    let Some(db) = common::pg::TempDatabase::new("redact_watch").await else {
        return;
    };
    let home = TestHome::new();
    let spec = ThreadSpec::new().turn("hello", "hi");
    let written = home.add_thread(&spec);
    let store = PgThreadStore::connect(&db.url()).await.unwrap();
    let (passes_tx, mut passes) = tokio::sync::mpsc::unbounded_channel();
    let watch = {
        let (store, home_path) = (store.clone(), home.path().to_path_buf());
        tokio::spawn(async move {
            let local = LocalThreadStore::open(&home_path, LocalStoreOptions::default());
            sync_watch_with(
                &local,
                &store,
                &origin_of(&home_path),
                &SyncPolicy::default(),
                move |report, _| {
                    let _ = passes_tx.send(report.clone());
                },
            )
            .await
        })
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let first = tokio::time::timeout_at(deadline, passes.recv())
        .await
        .unwrap();
    assert_eq!(first.unwrap().changed, 1);
    common::append_raw(
        &written.path,
        format!(
            "{}\n",
            common::lines::user_message_event(chrono::Utc::now(), &format!("key {STRIPE} here"))
        ),
    );
    let (client, connection) = tokio_postgres::connect(&db.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let id = spec.id.to_string();
    // The watch carries the appended line by its file event; polled here with a deadline.
    loop {
        let row = client
            .query_one(
                "SELECT count(*) FILTER (WHERE raw LIKE '%[redacted: stripe-key]%'),
                        count(*) FILTER (WHERE strpos(raw, $2) > 0)
                 FROM ct_lines WHERE thread_id = $1",
                &[&id, &STRIPE],
            )
            .await
            .unwrap();
        let (markers, leaked): (i64, i64) = (row.get(0), row.get(1));
        assert_eq!(leaked, 0, "the watch pushed the secret");
        if markers == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the appended line did not reach the store"
        );
        let _ = tokio::time::timeout_at(deadline, passes.recv()).await;
    }
    let row = client
        .query_one(
            "SELECT redactions FROM ct_threads WHERE thread_id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    watch.abort();
    drop(client);
    let _ = connection.await;
}
