//! The demo deployment: Tajikistan's state bodies and demo accounts, loaded on a first start of
//! `egov demo`. Texts live in `demo/tj/` as JSON, embedded in the binary.

use std::path::Path;

use anyhow::Context;
use egov_core::{Email, LegalId, Localized, MemberClass, Role, Slug};
use egov_store::{Actor, NewOrganization, NewUser, Store};
use rand::Rng;
use serde::{Deserialize, Serialize};

mod appeals;
mod content;
pub mod provider;
mod registry;

const AGENCIES: &[&str] = &[
    include_str!("../../demo/tj/agencies/aidt.json"),
    include_str!("../../demo/tj/agencies/mfa.json"),
    include_str!("../../demo/tj/agencies/mint.json"),
    include_str!("../../demo/tj/agencies/medt.json"),
    include_str!("../../demo/tj/agencies/tax.json"),
    include_str!("../../demo/tj/agencies/moj.json"),
    include_str!("../../demo/tj/agencies/mia.json"),
    include_str!("../../demo/tj/agencies/dushanbe.json"),
];
const MEMBERS: &str = include_str!("../../demo/tj/members.json");

/// The part of a demo organization file the foundation reads; content sections are read by the portal's
/// loader.
#[derive(Deserialize)]
struct DemoOrganization {
    slug: Slug,
    kind: String,
    member_class: MemberClass,
    legal_id: LegalId,
    name: Localized,
    short_name: Localized,
}

/// One demo account, as written to `demo-credentials.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoAccount {
    pub email: String,
    pub password: String,
    pub role: String,
    pub organization: Option<String>,
    pub what_for: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCredentials {
    pub note: String,
    pub sign_in: String,
    pub accounts: Vec<DemoAccount>,
    /// Tracking numbers of the sample appeals (check them at /{lang}/appeals).
    #[serde(default)]
    pub sample_appeals: Vec<String>,
    /// The bank's bearer token for calling the services it was granted (through the gateway).
    #[serde(default)]
    pub consumer_token: Option<DemoToken>,
    /// One call through the gateway that succeeds with the consumer token, ready for curl.
    #[serde(default)]
    pub gateway_example: Option<ExampleCall>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExampleCall {
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    /// The same as one shell command.
    pub curl: String,
}

impl ExampleCall {
    /// The Tax Committee's company lookup, which the demo bank's loan desk is granted in production.
    fn company_lookup(base_url: &str, token: &DemoToken) -> Self {
        let url = format!(
            "{}/r1/TJ/GOV/020000105/tax-register/company-lookup/companies/020000101",
            base_url.trim_end_matches('/')
        );
        let headers: std::collections::BTreeMap<String, String> = [
            ("X-Road-Client".to_owned(), token.client.clone()),
            (
                "Authorization".to_owned(),
                format!("Bearer {}", token.token),
            ),
        ]
        .into();
        let curl = format!(
            "curl -i -H 'X-Road-Client: {}' -H 'Authorization: Bearer {}' {url}",
            token.client, token.token
        );
        ExampleCall {
            method: "GET".into(),
            url,
            headers,
            curl,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoToken {
    /// The client id the token belongs to, as the `X-Road-Client` header names it.
    pub client: String,
    pub token: String,
    pub granted: Vec<String>,
}

/// (e-mail, display name, role, organization slug, what the account shows)
const ACCOUNTS: &[(&str, &str, Role, Option<&str>, &str)] = &[
    (
        "admin@aidt.tj",
        "Platform Administrator",
        Role::PlatformAdmin,
        None,
        "runs the whole platform: every agency, every user, the audit log",
    ),
    (
        "admin@mfa.tj",
        "MFA Site Administrator",
        Role::AgencyAdmin,
        Some("mfa"),
        "manages the Ministry of Foreign Affairs' site and its users",
    ),
    (
        "editor@mfa.tj",
        "MFA Editor",
        Role::Editor,
        Some("mfa"),
        "writes news and pages for the Ministry of Foreign Affairs",
    ),
    (
        "reviewer@mfa.tj",
        "MFA Reviewer",
        Role::Reviewer,
        Some("mfa"),
        "approves or returns the Ministry of Foreign Affairs' content",
    ),
    (
        "editor@tax.tj",
        "Tax Committee Editor",
        Role::Editor,
        Some("tax"),
        "writes for the Tax Committee; cannot touch other agencies",
    ),
    (
        "reviewer@tax.tj",
        "Tax Committee Reviewer",
        Role::Reviewer,
        Some("tax"),
        "approves or returns the Tax Committee's content",
    ),
    (
        "admin@moj.tj",
        "MoJ Administrator",
        Role::AgencyAdmin,
        Some("moj"),
        "decides applications to the civil registry's services on the bridge",
    ),
    (
        "admin@tax.tj",
        "Tax Committee Administrator",
        Role::AgencyAdmin,
        Some("tax"),
        "manages the Tax Committee's site and users; decides applications to the tax register's services on the bridge",
    ),
    (
        "admin@bank.tj",
        "Bank Administrator",
        Role::AgencyAdmin,
        Some("sample-bank"),
        "applies for the bank's systems to use state services on the bridge",
    ),
];

/// A random password of 20 letters and digits (about 119 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Loads the demo into an empty store and writes `demo-credentials.json` into `data_dir`. A store that
/// already has organizations is left as it is (the demo loads on first start only).
pub async fn load_if_empty(store: &Store, data_dir: &Path, base_url: &str) -> anyhow::Result<bool> {
    // The demo has its certificate authority from the start, so client certificates can be tried at once.
    if !crate::authority::cert_path(data_dir).exists() {
        let instance = store
            .deployment()
            .await?
            .map_or_else(|| "TJ".to_owned(), |d| d.instance);
        crate::authority::init(data_dir, &instance, 10)?;
    }
    if !store.organizations().await?.is_empty() {
        // The credentials file is written last: without it, an earlier first start was cut short.
        if !data_dir.join("demo-credentials.json").exists() {
            anyhow::bail!(
                "the demo in {} was not loaded completely (an earlier first start was interrupted); \
                 delete that folder and start again",
                data_dir.display()
            );
        }
        return Ok(false);
    }
    let actor = Actor::System;
    let mut files: Vec<&str> = AGENCIES.to_vec();
    let members: Vec<serde_json::Value> =
        serde_json::from_str(MEMBERS).context("demo members.json")?;
    let member_texts: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    files.extend(member_texts.iter().map(String::as_str));
    for text in files {
        let o: DemoOrganization = serde_json::from_str(text).context("demo organization file")?;
        let site: content::Site = serde_json::from_str(text).context("demo site content")?;
        let org = store
            .create_organization(
                &NewOrganization {
                    slug: o.slug,
                    member_class: o.member_class,
                    legal_id: o.legal_id,
                    kind: o.kind,
                    name: o.name,
                    short_name: o.short_name,
                    parent: None,
                },
                &actor,
            )
            .await?;
        content::load_site(store, org.id, site).await?;
    }
    registry::load(store).await?;
    let mut accounts = Vec::new();
    for (email, name, role, org, what_for) in ACCOUNTS {
        let password = random_password();
        let hash = egov_core::password::hash(&password)?;
        let org_id = match org {
            Some(slug) => Some(
                store
                    .organization_by_slug(&Slug::parse(slug)?)
                    .await?
                    .with_context(|| format!("demo organization {slug}"))?
                    .id,
            ),
            None => None,
        };
        let new = NewUser {
            email: Email::parse(email)?,
            display_name: (*name).to_owned(),
            password_hash: hash,
        };
        store
            .create_user_with_role(&new, *role, org_id, &actor)
            .await?;
        accounts.push(DemoAccount {
            email: (*email).to_owned(),
            password,
            role: role.to_string(),
            organization: org.map(str::to_owned),
            what_for: (*what_for).to_owned(),
        });
    }
    let sample_appeals = appeals::load(store).await?;
    registry::load_applications(store).await?;
    let token = registry::issue_bank_token(store).await?;
    let gateway_example = Some(ExampleCall::company_lookup(base_url, &token));
    let consumer_token = Some(token);
    let creds = DemoCredentials {
        note: "Demo accounts of this data folder only. Passwords were generated on first start; delete the folder to start over.".into(),
        sign_in: format!("{base_url}/login"),
        accounts,
        sample_appeals,
        consumer_token,
        gateway_example,
    };
    write_private(
        &data_dir.join("demo-credentials.json"),
        &serde_json::to_string_pretty(&creds)?,
    )?;
    Ok(true)
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_file_parses() {
        for text in super::AGENCIES {
            let o: super::DemoOrganization = serde_json::from_str(text).unwrap();
            assert!(!o.name.is_empty());
        }
        let members: Vec<super::DemoOrganization> = serde_json::from_str(super::MEMBERS).unwrap();
        assert!(!members.is_empty());
    }

    #[test]
    fn passwords_are_long_and_random() {
        let a = super::random_password();
        assert_eq!(a.len(), 20);
        assert_ne!(a, super::random_password());
        assert!(egov_core::password::check_strength(&a).is_ok());
    }
}
