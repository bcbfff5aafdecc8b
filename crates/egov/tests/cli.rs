//! The operator's commands, run as the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use egov_core::Email;
use egov_store::Store;

fn egov(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egov"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("EGOV_") && !k.starts_with("EGOV_TEST_"))
    {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run egov");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_tells_a_newcomer_where_to_start() {
    let o = egov(&["--help"], &[], None);
    assert!(o.status.success());
    let text = stdout(&o);
    for word in ["demo", "serve", "migrate", "user", "config", "EGOV_"] {
        assert!(text.contains(word), "--help lacks {word}: {text}");
    }
}

#[test]
fn malformed_configuration_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("egov.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\n[portal]\nsesion_ttl_secs = 60\n",
    )
    .unwrap();
    let o = egov(&["config", "--config", file.to_str().unwrap()], &[], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("sesion_ttl_secs"), "{}", stderr(&o));

    let o = egov(&["config"], &[("EGOV_LISTNE", "x")], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("EGOV_LISTNE"));

    let o = egov(&["config"], &[("EGOV_LISTEN", "everywhere")], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("`listen`"), "{}", stderr(&o));
}

#[test]
fn config_prints_the_effective_values_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("egov.toml");
    std::fs::write(
        &file,
        "[deployment]\ninstance = \"KZ\"\nlanguages = [\"kk\", \"ru\", \"en\"]\n",
    )
    .unwrap();
    let o = egov(
        &[
            "config",
            "--config",
            file.to_str().unwrap(),
            "--listen",
            "0.0.0.0:9443",
        ],
        &[(
            "EGOV_DATABASE_URL",
            "postgres://egov:hunter2@db.internal/egov",
        )],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("listen = \"0.0.0.0:9443\""));
    assert!(text.contains("instance = \"KZ\""));
    assert!(text.contains("languages = [\"kk\", \"ru\", \"en\"]"));
    assert!(text.contains("postgres://egov:***@db.internal/egov"));
    assert!(!text.contains("hunter2"));
}

async fn open(data: &std::path::Path) -> Store {
    Store::open_sqlite(&data.join("egov.db")).await.unwrap()
}

#[tokio::test]
async fn user_commands_check_everything_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = egov(&["migrate", "--data", data], &[], None);
    assert!(o.status.success(), "{}", stderr(&o));

    let bad_role = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "a@aidt.tj",
            "--role",
            "superuser",
        ],
        &[],
        None,
    );
    assert!(!bad_role.status.success());
    assert!(
        stderr(&bad_role).contains("unknown role"),
        "{}",
        stderr(&bad_role)
    );
    let no_org = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "a@aidt.tj",
            "--role",
            "editor",
        ],
        &[],
        None,
    );
    assert!(stderr(&no_org).contains("--org"));
    let missing_org = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "a@aidt.tj",
            "--role",
            "editor",
            "--org",
            "mfa",
        ],
        &[],
        None,
    );
    assert!(stderr(&missing_org).contains("no organization with slug mfa"));
    let bad_email = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "not-an-address",
            "--role",
            "platform-admin",
        ],
        &[],
        None,
    );
    assert!(stderr(&bad_email).contains("e-mail"));
    let weak = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "a@aidt.tj",
            "--role",
            "platform-admin",
            "--password-stdin",
        ],
        &[],
        Some("short\n"),
    );
    assert!(stderr(&weak).contains("at least 12"));
    let store = open(dir.path()).await;
    assert!(
        store.users(None).await.unwrap().is_empty(),
        "nothing was written by refused commands"
    );
    store.close().await;

    let ok = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "Admin@AIDT.tj",
            "--role",
            "platform-admin",
            "--password-stdin",
        ],
        &[],
        Some("a perfectly long password\n"),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let again = egov(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            "admin@aidt.tj",
            "--role",
            "platform-admin",
        ],
        &[],
        None,
    );
    assert!(stderr(&again).contains("already exists"));
    let store = open(dir.path()).await;
    let email = Email::parse("admin@aidt.tj").unwrap();
    let user = store.user_by_email(&email).await.unwrap().unwrap();
    assert!(egov_core::password::verify(
        "a perfectly long password",
        &user.password_hash
    ));
    store.close().await;

    let reset = egov(
        &["user", "passwd", "--data", data, "--email", "admin@aidt.tj"],
        &[],
        None,
    );
    assert!(reset.status.success());
    let new_password = stdout(&reset)
        .split("new password for admin@aidt.tj: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let store = open(dir.path()).await;
    let user = store.user_by_email(&email).await.unwrap().unwrap();
    assert!(egov_core::password::verify(
        &new_password,
        &user.password_hash
    ));
    assert!(!egov_core::password::verify(
        "a perfectly long password",
        &user.password_hash
    ));
    let actions: Vec<String> = store
        .audit_entries(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.actor + " " + &e.action)
        .collect();
    assert!(
        actions.contains(&"cli user.password".to_owned()),
        "{actions:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn commands_run_on_postgres() {
    let url = egov_store::testing::fresh_postgres_database().await;
    let o = egov(&["migrate", "--database", &url], &[], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = egov(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--email",
            "ops@aidt.tj",
            "--role",
            "platform-admin",
        ],
        &[],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("password: "));
    let store = Store::open_postgres(&url).await.unwrap();
    assert!(
        store
            .user_by_email(&Email::parse("ops@aidt.tj").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    // One-shot commands leave the deployment record to the servers.
    assert!(store.deployment().await.unwrap().is_none());
    store.close().await;
}

#[test]
fn unreachable_postgres_is_named() {
    let o = egov(
        &[
            "migrate",
            "--database",
            "postgres://nobody@127.0.0.1:1/none",
        ],
        &[],
        None,
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cannot connect to PostgreSQL at postgres://nobody@127.0.0.1:1/none"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn assistant_eval_reports_and_enforces_its_targets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let set = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../eval/assistant/questions.json"
    );
    // Nothing published yet: a clear refusal.
    let out = egov(&["assistant", "eval", set, "--data", data], &[], None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("nothing is published"),
        "{}",
        stderr(&out)
    );
    let store = open(dir.path()).await;
    egov::demo::load_if_empty(&store, dir.path(), "http://127.0.0.1:8080")
        .await
        .unwrap();
    store.close().await;
    let out = egov(
        &[
            "assistant",
            "eval",
            set,
            "--data",
            data,
            "--min-hit-rate",
            "0.8",
            "--min-refusal-rate",
            "0.9",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("answerable questions") && text.contains("median"),
        "{text}"
    );
    // A target the set does not reach fails the command (for CI gates).
    let out = egov(
        &[
            "assistant",
            "eval",
            set,
            "--data",
            data,
            "--min-hit-rate",
            "1.0",
        ],
        &[],
        None,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("below 1"), "{}", stderr(&out));
    let out = egov(
        &["assistant", "eval", "/no/such/file.json", "--data", data],
        &[],
        None,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read the evaluation set"));
}

#[test]
fn ca_init_makes_an_owner_only_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = egov(&["ca", "init", "--data", data], &[], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ca.pem"));
    let key = dir.path().join("ca/ca.key");
    let cert = std::fs::read_to_string(dir.path().join("ca/ca.pem")).unwrap();
    assert!(cert.contains("BEGIN CERTIFICATE"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the CA key is readable by its owner only"
        );
    }
    let ca = egov_core::ca::Ca::from_pem(&cert, &std::fs::read_to_string(&key).unwrap());
    assert!(ca.is_ok());
    // A second init would orphan every certificate issued: refused, files untouched.
    let again = egov(&["ca", "init", "--data", data], &[], None);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ca/ca.pem")).unwrap(),
        cert
    );
    let bad = egov(&["ca", "init", "--years", "0", "--data", data], &[], None);
    assert!(!bad.status.success());
}

#[test]
fn gateway_and_log_settings_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("egov.toml");
    std::fs::write(
        &file,
        "[gateway]\nnode = \"node-7\"\ntimeout_ms = 5000\n\n[log]\ndurability = \"async\"\ncheckpoint_every = 500\n",
    )
    .unwrap();
    let o = egov(&["config", "--config", file.to_str().unwrap()], &[], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("node = \"node-7\"") && text.contains("timeout_ms = 5000"),
        "{text}"
    );
    assert!(
        text.contains("durability = \"async\"") && text.contains("checkpoint_every = 500"),
        "{text}"
    );
    for bad in [
        "[log]\ndurability = \"sometimes\"\n",
        "[gateway]\nnode = \"two words\"\n",
        "[gateway]\ntimeout_ms = 1\n",
        "[log]\ncheckpoint_every = 0\n",
    ] {
        std::fs::write(&file, bad).unwrap();
        let o = egov(&["config", "--config", file.to_str().unwrap()], &[], None);
        assert!(!o.status.success(), "{bad} was accepted");
    }
}
