//! Tests of the configuration's reading and validation.
use super::*;

fn validate(toml: &str) -> anyhow::Result<Config> {
    RawConfig::from_toml(toml)?.validate(Path::new("/tmp/egov-data"))
}

#[test]
fn defaults_work_without_a_file() {
    let c = validate("").unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(
        c.database,
        Database::Sqlite("/tmp/egov-data/egov.db".into())
    );
    assert_eq!(c.deployment.languages.default_lang(), Lang::TG);
    assert!(!c.portal.secure_cookies);
}

#[test]
fn errors_name_the_key() {
    let cases = [
        ("lisen = \"x\"", "lisen"),
        ("listen = \"nowhere\"", "`listen`"),
        ("listen = 8080", "listen"),
        ("database_url = \"mysql://x\"", "`database_url`"),
        ("[tls]\ncert = \"c.pem\"", "`tls.key`"),
        (
            "[deployment]\nlanguages = [\"tg\", \"tajik\"]",
            "`deployment.languages`",
        ),
        ("[deployment]\nlanguages = []", "`deployment.languages`"),
        ("[deployment]\ninstance = \"tj\"", "`deployment.instance`"),
        (
            "[portal]\nsession_ttl_secs = 5",
            "`portal.session_ttl_secs`",
        ),
        (
            "[portal]\nlogin_attempts_per_account = 0",
            "`portal.login_attempts_per_account`",
        ),
        ("[portal]\ncolour = 1", "colour"),
        ("log_format = \"xml\"", "`log_format`"),
        ("public_url = \"hukumat.tj\"", "`public_url`"),
        (
            "[portal]\nmetrics_token = \"short\"",
            "`portal.metrics_token`",
        ),
    ];
    for (toml, key) in cases {
        let e = format!("{:#}", validate(toml).unwrap_err());
        assert!(
            e.contains(key),
            "{toml:?} gave {e:?}, which does not name {key}"
        );
    }
}

#[test]
fn env_overrides_file_and_flags_override_env() {
    let mut raw =
        RawConfig::from_toml("listen = \"127.0.0.1:1\"\n[deployment]\ninstance = \"KZ\"").unwrap();
    raw.apply_env([
        ("EGOV_LISTEN", "127.0.0.1:2"),
        ("EGOV_LANGUAGES", "kk, ru, en"),
        ("EGOV_TEST_POSTGRES", "x"),
        ("PATH", "/bin"),
    ])
    .unwrap();
    raw.apply_overrides(&Overrides {
        listen: Some("127.0.0.1:3".into()),
        ..Default::default()
    });
    let c = raw.validate(Path::new("d")).unwrap();
    assert_eq!(c.listen.port(), 3);
    assert_eq!(c.deployment.instance, "KZ");
    assert_eq!(c.deployment.country, "KZ");
    assert_eq!(c.deployment.languages.default_lang(), Lang::KK);
}

#[test]
fn unknown_or_malformed_env_is_refused() {
    let e = RawConfig::default()
        .apply_env([("EGOV_LISTNE", "x")])
        .unwrap_err();
    assert!(e.to_string().contains("EGOV_LISTNE"));
    let e = RawConfig::default()
        .apply_env([("EGOV_SESSION_TTL_SECS", "soon")])
        .unwrap_err();
    assert!(format!("{e:#}").contains("EGOV_SESSION_TTL_SECS"));
}

#[test]
fn display_masks_secrets() {
    let c = validate("database_url = \"postgres://egov:hunter2@db/egov\"").unwrap();
    let shown = c.to_display_toml();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("postgres://egov:***@db/egov"));
    // What is printed is itself a valid configuration file.
    assert!(RawConfig::from_toml(&shown).is_ok(), "{shown}");
}

#[test]
fn the_clock_offset_is_read_and_checked() {
    let c = validate("[portal]\nutc_offset = \"+06:00\"\n").unwrap();
    assert_eq!(c.portal.utc_offset_minutes, 360);
    assert_eq!(
        validate("").unwrap().portal.utc_offset_minutes,
        300,
        "Tajikistan's clock by default"
    );
    assert_eq!(
        validate("[portal]\nutc_offset = \"-03:30\"\n")
            .unwrap()
            .portal
            .utc_offset_minutes,
        -210
    );
    for bad in ["5", "+5", "+15:00", "+05:60", "UTC+5", ""] {
        let e = validate(&format!("[portal]\nutc_offset = \"{bad}\"\n")).unwrap_err();
        assert!(e.to_string().contains("portal.utc_offset"), "{bad}: {e}");
    }
}
