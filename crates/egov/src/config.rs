//! The operator's configuration: a TOML file and `EGOV_*` environment variables, read once at start,
//! validated into one typed [`Config`], then passed down. Nothing else in the platform reads either.
//!
//! Precedence, lowest to highest: built-in defaults, the file, the environment, command-line flags.
//! Every error names the key (or variable) at fault.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use egov_core::{Lang, Languages, Localized};
use egov_portal::PortalConfig;
use egov_store::Deployment;
use serde::Deserialize;

/// The configuration as written in a file; every field optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub public_url: Option<String>,
    #[serde(default)]
    pub tls: RawTls,
    #[serde(default)]
    pub deployment: RawDeployment,
    #[serde(default)]
    pub portal: RawPortal,
    #[serde(default)]
    pub assistant: crate::asking::RawAssistant,
    #[serde(default)]
    pub gateway: crate::gatewaying::RawGateway,
    #[serde(default)]
    pub log: crate::gatewaying::RawLog,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeployment {
    pub instance: Option<String>,
    pub country: Option<String>,
    pub languages: Option<Vec<String>>,
    pub name: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    pub session_ttl_secs: Option<i64>,
    pub login_attempts_per_account: Option<u32>,
    pub login_attempts_per_address: Option<u32>,
    pub max_form_bytes: Option<usize>,
    pub metrics_token: Option<String>,
    pub appeals_per_hour: Option<u32>,
    /// The freshness board flags agencies whose newest news is older than this many days.
    pub fresh_news_days: Option<u32>,
    /// …or whose other sections have not changed for this many working days.
    pub fresh_section_working_days: Option<u32>,
    /// The deployment's clock as an offset from UTC, `+05:00`.
    pub utc_offset: Option<String>,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON lines when standard error is not a terminal, human-readable otherwise.
    Auto,
    Json,
    Pretty,
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The validated configuration every part of the platform is started from.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: Database,
    pub tls: Option<TlsFiles>,
    pub deployment: Deployment,
    pub portal: PortalConfig,
    pub assistant: egov_assistant::AssistantConfig,
    pub gateway: crate::gatewaying::GatewaySettings,
    pub log_format: LogFormat,
}

/// Values given on the command line; they win over file and environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// Environment variables the platform reads, and the key each sets.
const ENV_KEYS: &[(&str, &str)] = &[
    ("EGOV_CONFIG", "(the configuration file)"),
    ("EGOV_LISTEN", "listen"),
    ("EGOV_DATA", "data_dir"),
    ("EGOV_DATABASE_URL", "database_url"),
    ("EGOV_LOG_FORMAT", "log_format"),
    ("EGOV_PUBLIC_URL", "public_url"),
    ("EGOV_TLS_CERT", "tls.cert"),
    ("EGOV_TLS_KEY", "tls.key"),
    ("EGOV_INSTANCE", "deployment.instance"),
    ("EGOV_COUNTRY", "deployment.country"),
    ("EGOV_LANGUAGES", "deployment.languages"),
    ("EGOV_SESSION_TTL_SECS", "portal.session_ttl_secs"),
    (
        "EGOV_LOGIN_ATTEMPTS_PER_ACCOUNT",
        "portal.login_attempts_per_account",
    ),
    (
        "EGOV_LOGIN_ATTEMPTS_PER_ADDRESS",
        "portal.login_attempts_per_address",
    ),
    ("EGOV_MAX_FORM_BYTES", "portal.max_form_bytes"),
    ("EGOV_METRICS_TOKEN", "portal.metrics_token"),
    ("EGOV_ASSISTANT_API_KEY", "assistant.generative.api_key"),
];

impl RawConfig {
    /// Reads a TOML file; unknown keys and wrong types are errors that name the key and line.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("configuration file {}", path.display()))
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
    }

    /// Applies `EGOV_*` variables from `env`. A variable the platform does not know is an error (a typo
    /// would otherwise be silently ignored); `EGOV_TEST_*` belong to the test suite and are skipped.
    pub fn apply_env<'a>(
        &mut self,
        env: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> anyhow::Result<()> {
        for (name, value) in env {
            if !name.starts_with("EGOV_") || name.starts_with("EGOV_TEST_") || name == "EGOV_CONFIG"
            {
                continue;
            }
            let number = |what: &str| -> anyhow::Result<i64> {
                value.trim().parse().with_context(|| {
                    format!("environment variable {name} ({what}): {value:?} is not a whole number")
                })
            };
            let v = value.to_owned();
            match name {
                "EGOV_LISTEN" => self.listen = Some(v),
                "EGOV_DATA" => self.data_dir = Some(v.into()),
                "EGOV_DATABASE_URL" => self.database_url = Some(v),
                "EGOV_LOG_FORMAT" => self.log_format = Some(v),
                "EGOV_PUBLIC_URL" => self.public_url = Some(v),
                "EGOV_METRICS_TOKEN" => self.portal.metrics_token = Some(v),
                "EGOV_ASSISTANT_API_KEY" => self.assistant.generative.api_key = Some(v),
                "EGOV_TLS_CERT" => self.tls.cert = Some(v.into()),
                "EGOV_TLS_KEY" => self.tls.key = Some(v.into()),
                "EGOV_INSTANCE" => self.deployment.instance = Some(v),
                "EGOV_COUNTRY" => self.deployment.country = Some(v),
                "EGOV_LANGUAGES" => {
                    self.deployment.languages =
                        Some(v.split(',').map(|s| s.trim().to_owned()).collect())
                }
                "EGOV_SESSION_TTL_SECS" => self.portal.session_ttl_secs = Some(number("seconds")?),
                "EGOV_LOGIN_ATTEMPTS_PER_ACCOUNT" => {
                    self.portal.login_attempts_per_account =
                        Some(u32::try_from(number("attempts")?).unwrap_or(0))
                }
                "EGOV_LOGIN_ATTEMPTS_PER_ADDRESS" => {
                    self.portal.login_attempts_per_address =
                        Some(u32::try_from(number("attempts")?).unwrap_or(0))
                }
                "EGOV_MAX_FORM_BYTES" => {
                    self.portal.max_form_bytes =
                        Some(usize::try_from(number("bytes")?).unwrap_or(0))
                }
                other => {
                    let known: Vec<&str> = ENV_KEYS.iter().map(|(k, _)| *k).collect();
                    bail!(
                        "unknown environment variable {other}; the platform reads {}",
                        known.join(", ")
                    )
                }
            }
        }
        Ok(())
    }

    pub fn apply_overrides(&mut self, o: &Overrides) {
        if let Some(v) = &o.listen {
            self.listen = Some(v.clone());
        }
        if let Some(v) = &o.data_dir {
            self.data_dir = Some(v.clone());
        }
        if let Some(v) = &o.database_url {
            self.database_url = Some(v.clone());
        }
        if let Some(v) = &o.tls_cert {
            self.tls.cert = Some(v.clone());
        }
        if let Some(v) = &o.tls_key {
            self.tls.key = Some(v.clone());
        }
    }

    /// Checks every value and fills defaults. `default_data` is the data folder when none is given.
    pub fn validate(self, default_data: &Path) -> anyhow::Result<Config> {
        let listen_text = self.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            anyhow::anyhow!("key `listen`: {listen_text:?} is not an address like 127.0.0.1:8080")
        })?;
        let data_dir = self.data_dir.unwrap_or_else(|| default_data.to_owned());
        let database = match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Database::Sqlite(data_dir.join("egov.db")),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Database::Postgres(u.to_owned())
            }
            Some(u) if u.starts_with("sqlite:") => Database::Sqlite(PathBuf::from(
                u.trim_start_matches("sqlite:").trim_start_matches("//"),
            )),
            Some(u) => bail!(
                "key `database_url`: {:?} is neither postgres://… nor sqlite:PATH",
                egov_store::redact_url(u)
            ),
        };
        let tls = match (self.tls.cert, self.tls.key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (Some(_), None) => {
                bail!("key `tls.key`: a certificate was given without its private key")
            }
            (None, Some(_)) => {
                bail!("key `tls.cert`: a private key was given without its certificate")
            }
        };
        let log_format = match self.log_format.as_deref().unwrap_or("auto") {
            "auto" => LogFormat::Auto,
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => bail!("key `log_format`: {other:?} is not one of auto, json, pretty"),
        };
        let deployment = deployment(self.deployment)?;
        let defaults = PortalConfig::default();
        let p = self.portal;
        let ttl = p.session_ttl_secs.unwrap_or(defaults.session_ttl_secs);
        if !(60..=30 * 86_400).contains(&ttl) {
            bail!(
                "key `portal.session_ttl_secs`: {ttl} is outside 60..=2592000 (one minute to thirty days)"
            );
        }
        let attempts = |key: &str, v: Option<u32>, d: NonZeroU32| -> anyhow::Result<NonZeroU32> {
            match v {
                None => Ok(d),
                Some(n) => NonZeroU32::new(n)
                    .filter(|n| n.get() <= 10_000)
                    .ok_or_else(|| anyhow::anyhow!("key `portal.{key}`: {n} is outside 1..=10000")),
            }
        };
        let days = |key: &str, v: Option<u32>, d: u32| -> anyhow::Result<u32> {
            match v {
                None => Ok(d),
                Some(n) if (1..=365).contains(&n) => Ok(n),
                Some(n) => bail!("key `portal.{key}`: {n} is outside 1..=365"),
            }
        };
        let max_form_bytes = p.max_form_bytes.unwrap_or(defaults.max_form_bytes);
        if !(1024..=16 * 1024 * 1024).contains(&max_form_bytes) {
            bail!("key `portal.max_form_bytes`: {max_form_bytes} is outside 1024..=16777216");
        }
        let public_url = match self
            .public_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
        {
            None | Some("") => format!(
                "{}://{listen}",
                if tls.is_some() { "https" } else { "http" }
            ),
            Some(u)
                if (u.starts_with("https://") || u.starts_with("http://"))
                    && u.len() > 8
                    && !u.contains(char::is_whitespace)
                    && !u.contains(['?', '#']) =>
            {
                u.to_owned()
            }
            Some(u) => bail!("key `public_url`: {u:?} must be an address like https://hukumat.tj"),
        };
        let portal = PortalConfig {
            // Behind a TLS-terminating proxy the node speaks plain HTTP, but citizens reach it over HTTPS.
            secure_cookies: tls.is_some() || public_url.starts_with("https://"),
            public_url,
            metrics_token: match p.metrics_token.map(|t| t.trim().to_owned()) {
                None => None,
                Some(t) if t.len() >= 16 && t.chars().all(|c| c.is_ascii_graphic()) => Some(t),
                Some(_) => bail!(
                    "key `portal.metrics_token`: use at least 16 printable characters without spaces"
                ),
            },
            session_ttl_secs: ttl,
            login_attempts_per_account: attempts(
                "login_attempts_per_account",
                p.login_attempts_per_account,
                defaults.login_attempts_per_account,
            )?,
            login_attempts_per_address: attempts(
                "login_attempts_per_address",
                p.login_attempts_per_address,
                defaults.login_attempts_per_address,
            )?,
            max_form_bytes,
            appeals_per_hour: attempts(
                "appeals_per_hour",
                p.appeals_per_hour,
                defaults.appeals_per_hour,
            )?,
            fresh_news_days: days(
                "fresh_news_days",
                p.fresh_news_days,
                defaults.fresh_news_days,
            )?,
            fresh_section_working_days: days(
                "fresh_section_working_days",
                p.fresh_section_working_days,
                defaults.fresh_section_working_days,
            )?,
            utc_offset_minutes: match p.utc_offset.as_deref() {
                None => defaults.utc_offset_minutes,
                Some(raw) => parse_offset(raw).ok_or_else(|| {
                    anyhow::anyhow!("key `portal.utc_offset`: {raw:?} must be an offset like +05:00 or -03:30, within ±14:00")
                })?,
            },
        };
        let gateway = self.gateway.validate(self.log, &portal.public_url)?;
        Ok(Config {
            gateway,
            listen,
            data_dir,
            database,
            tls,
            deployment,
            portal,
            assistant: self.assistant.validate()?,
            log_format,
        })
    }
}

fn deployment(d: RawDeployment) -> anyhow::Result<Deployment> {
    let instance = d.instance.unwrap_or_else(|| "TJ".into());
    if instance.is_empty()
        || instance.len() > 32
        || !instance
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        bail!(
            "key `deployment.instance`: {instance:?} must be 1–32 of A-Z, 0-9 and hyphen (e.g. TJ, KZ-TEST)"
        );
    }
    let country = d
        .country
        .unwrap_or_else(|| instance.chars().take(2).collect());
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        bail!(
            "key `deployment.country`: {country:?} must be an ISO 3166-1 alpha-2 code like TJ or KZ"
        );
    }
    let langs = match d.languages {
        None => vec![Lang::TG, Lang::RU, Lang::EN],
        Some(list) => list
            .iter()
            .map(|s| Lang::parse(s).map_err(|e| anyhow::anyhow!("key `deployment.languages`: {e}")))
            .collect::<anyhow::Result<_>>()?,
    };
    let languages =
        Languages::new(langs).map_err(|e| anyhow::anyhow!("key `deployment.languages`: {e}"))?;
    let name = match d.name {
        None => default_name(),
        Some(map) => {
            let mut l = Localized::new();
            for (k, v) in map {
                let lang = Lang::parse(&k)
                    .map_err(|e| anyhow::anyhow!("key `deployment.name.{k}`: {e}"))?;
                l.set(lang, v);
            }
            if l.is_empty() {
                bail!("key `deployment.name`: give the platform's name in at least one language");
            }
            l
        }
    };
    Ok(Deployment {
        instance,
        country,
        name,
        languages,
    })
}

fn default_name() -> Localized {
    Localized::new()
        .with(Lang::TG, "Платформаи ягонаи мақомоти давлатӣ")
        .with(Lang::KK, "Мемлекеттік органдардың бірыңғай платформасы")
        .with(Lang::RU, "Единая платформа государственных органов")
        .with(Lang::EN, "Unified Platform of State Bodies")
}

/// Loads the configuration: file (from `--config` or `EGOV_CONFIG`), then the process environment, then flags.
pub fn load(
    file: Option<&Path>,
    overrides: &Overrides,
    default_data: &Path,
) -> anyhow::Result<Config> {
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("EGOV_"))
        .collect();
    let file = file.map(Path::to_path_buf).or_else(|| {
        env.iter()
            .find(|(k, _)| k == "EGOV_CONFIG")
            .map(|(_, v)| PathBuf::from(v))
    });
    let mut raw = match &file {
        Some(path) => RawConfig::from_file(path)?,
        None => RawConfig::default(),
    };
    raw.apply_env(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    raw.apply_overrides(overrides);
    raw.validate(default_data)
}

impl Config {
    /// The effective configuration as TOML, with secrets masked: what `egov config` prints.
    pub fn to_display_toml(&self) -> String {
        let db = match &self.database {
            Database::Sqlite(p) => format!("sqlite:{}", p.display()),
            Database::Postgres(u) => egov_store::redact_url(u),
        };
        let mut out = String::new();
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        out.push_str(&format!("listen = {}\n", q(&self.listen.to_string())));
        out.push_str(&format!(
            "data_dir = {}\n",
            q(&self.data_dir.display().to_string())
        ));
        out.push_str(&format!("database_url = {}\n", q(&db)));
        out.push_str(&format!("public_url = {}\n", q(&self.portal.public_url)));
        out.push_str(&format!(
            "log_format = {}\n",
            q(match self.log_format {
                LogFormat::Auto => "auto",
                LogFormat::Json => "json",
                LogFormat::Pretty => "pretty",
            })
        ));
        if let Some(tls) = &self.tls {
            out.push_str(&format!(
                "\n[tls]\ncert = {}\nkey = {}\n",
                q(&tls.cert.display().to_string()),
                q(&tls.key.display().to_string())
            ));
        }
        let d = &self.deployment;
        let langs: Vec<String> = d.languages.all().iter().map(|l| q(l.as_str())).collect();
        out.push_str(&format!(
            "\n[deployment]\ninstance = {}\ncountry = {}\nlanguages = [{}]\n",
            q(&d.instance),
            q(&d.country),
            langs.join(", ")
        ));
        out.push_str("\n[deployment.name]\n");
        for l in d.name.langs() {
            out.push_str(&format!("{l} = {}\n", q(d.name.get(l).unwrap_or(""))));
        }
        let p = &self.portal;
        out.push_str(&format!(
            "\n[portal]\nsession_ttl_secs = {}\nlogin_attempts_per_account = {}\nlogin_attempts_per_address = {}\nmax_form_bytes = {}\n",
            p.session_ttl_secs, p.login_attempts_per_account, p.login_attempts_per_address, p.max_form_bytes
        ));
        if p.metrics_token.is_some() {
            out.push_str("metrics_token = \"***\"\n");
        }
        out.push_str(&format!("appeals_per_hour = {}\n", p.appeals_per_hour));
        out.push_str(&format!("fresh_news_days = {}\n", p.fresh_news_days));
        out.push_str(&format!(
            "utc_offset = \"{}\"\n",
            p.zone_label().trim_start_matches("UTC")
        ));
        out.push_str(&format!(
            "fresh_section_working_days = {}\n",
            p.fresh_section_working_days
        ));
        out.push_str(&crate::asking::describe(&self.assistant));
        out.push_str(&crate::gatewaying::describe(&self.gateway));
        out
    }
}

/// `+05:00` → 300 minutes east of UTC.
fn parse_offset(raw: &str) -> Option<i32> {
    let (sign, rest) = match raw.trim().as_bytes().first()? {
        b'+' => (1, &raw.trim()[1..]),
        b'-' => (-1, &raw.trim()[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (h.to_string().len() <= 2 && (0..60).contains(&m) && total <= 14 * 60).then_some(sign * total)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
