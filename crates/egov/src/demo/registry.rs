//! The demo's registry of the bridge: the information systems of four state bodies and two consumers, and
//! five sample services (from `demo/tj/registry.json`) with real OpenAPI documents, checked like any
//! provider's upload.

use anyhow::Context;
use egov_core::clock::Millis;
use egov_core::{Email, EndpointPattern, Environment, Localized, ServiceCode, Slug, SubsystemCode};
use egov_store::{
    Actor, CredentialKind, Decision, Endpoint, NewApplication, NewCredential, NewService, Store,
};
use serde::Deserialize;

const REGISTRY: &str = include_str!("../../demo/tj/registry.json");

#[derive(Deserialize)]
struct Registry {
    subsystems: Vec<DemoSubsystem>,
    services: Vec<DemoService>,
}

#[derive(Deserialize)]
struct DemoSubsystem {
    org: String,
    code: String,
    name: Localized,
    contact: String,
}

#[derive(Deserialize)]
struct DemoService {
    org: String,
    subsystem: String,
    code: String,
    title: Localized,
    description: Localized,
    sla: Localized,
    category: String,
    personal_data: bool,
    rate_limit: i64,
    production_url: Option<String>,
    test_url: Option<String>,
    openapi: serde_json::Value,
}

pub(super) async fn load(store: &Store) -> anyhow::Result<()> {
    let registry: Registry = serde_json::from_str(REGISTRY).context("demo registry.json")?;
    let actor = Actor::System;
    let org_id = |slug: String| async move {
        let s = Slug::parse(&slug)?;
        store
            .organization_by_slug(&s)
            .await?
            .map(|o| o.id)
            .with_context(|| format!("demo registry: no organization {slug}"))
    };
    for s in registry.subsystems {
        let org = org_id(s.org).await?;
        store
            .create_subsystem(
                org,
                &SubsystemCode::parse(&s.code)?,
                &s.name,
                &Email::parse(&s.contact)?,
                &actor,
            )
            .await?;
    }
    for s in registry.services {
        let org = org_id(s.org.clone()).await?;
        let sys = store
            .subsystem(org, &SubsystemCode::parse(&s.subsystem)?)
            .await?
            .with_context(|| format!("demo registry: no subsystem {}/{}", s.org, s.subsystem))?;
        let described = egov_core::openapi::describe(&s.openapi)
            .with_context(|| format!("demo registry: the OpenAPI document of {}", s.code))?;
        let endpoints = egov_core::openapi::endpoints(&described)
            .into_iter()
            .map(|(method, path)| Endpoint { method, path })
            .collect();
        store
            .create_service(
                &NewService {
                    subsystem: sys.id,
                    code: ServiceCode::parse(&s.code)?,
                    title: s.title,
                    description: s.description,
                    category: s.category,
                    production_url: s.production_url,
                    test_url: s.test_url,
                    openapi: Some(s.openapi),
                    personal_data: s.personal_data,
                    rate_limit: s.rate_limit,
                    sla: s.sla,
                    endpoints,
                },
                &actor,
            )
            .await?;
    }
    Ok(())
}

/// The bank's and the economy ministry's systems were granted the tax register's company lookup; the bank's
/// application to the civil registry's person lookup waits for the Ministry of Justice.
pub(super) async fn load_applications(store: &Store) -> anyhow::Result<()> {
    let user = |email: &'static str| async move {
        store
            .user_by_email(&Email::parse(email)?)
            .await?
            .with_context(|| format!("demo account {email}"))
    };
    let org = |slug: &'static str| async move {
        store
            .organization_by_slug(&Slug::parse(slug)?)
            .await?
            .with_context(|| format!("demo organization {slug}"))
    };
    let system = |slug: &'static str, code: &'static str| async move {
        let o = org(slug).await?;
        store
            .subsystem(o.id, &SubsystemCode::parse(code)?)
            .await?
            .with_context(|| format!("demo subsystem {slug}/{code}"))
    };
    let service = |passport: &'static str| async move {
        store
            .services(None)
            .await?
            .into_iter()
            .find(|s| s.passport == passport)
            .with_context(|| format!("demo service {passport}"))
    };
    let bank_admin = user("admin@bank.tj").await?;
    let tax_admin = user("admin@tax.tj").await?;
    let company = service("TAX-S-0001").await?;
    let person = service("MOJ-S-0001").await?;
    let all = |s: &egov_store::Service| -> anyhow::Result<Vec<EndpointPattern>> {
        s.endpoints
            .iter()
            .map(|e| Ok(EndpointPattern::parse(&e.method, &e.path)?))
            .collect()
    };
    let platform_admin = user("admin@aidt.tj").await?;
    for (consumer, purpose, applicant) in [
        (
            system("sample-bank", "loan-desk").await?,
            "Checking a borrowing company's registration and status before a loan (sample data)",
            bank_admin.id,
        ),
        (
            system("medt", "export-support").await?,
            "Confirming exporters' registration for the export-support programme (sample data)",
            platform_admin.id,
        ),
    ] {
        let a = store
            .apply_for_access(
                &NewApplication {
                    consumer: consumer.id,
                    service: company.id,
                    environment: Environment::Production,
                    endpoints: all(&company)?,
                    purpose: purpose.into(),
                    legal_basis:
                        "Tax Code of the Republic of Tajikistan, taxpayer register (sample)".into(),
                    applied_by: applicant,
                    due_working_days: 10,
                },
                &Actor::System,
            )
            .await?;
        store
            .decide_application(
                a.id,
                org("tax").await?.id,
                &Decision::Approve {
                    endpoints: all(&company)?,
                    quota: company.rate_limit,
                    expires_at: Some(Millis::now().plus_secs(365 * 86_400)),
                    note: Some("Approved for the demo (sample data)".into()),
                },
                tax_admin.id,
                &Actor::System,
            )
            .await?;
    }
    store
        .apply_for_access(
            &NewApplication {
                consumer: system("sample-bank", "loan-desk").await?.id,
                service: person.id,
                environment: Environment::Test,
                endpoints: all(&person)?,
                purpose: "Identifying a borrower with their written consent (sample data)".into(),
                legal_basis: "Law on Banks and Banking, customer identification (sample)".into(),
                applied_by: bank_admin.id,
                due_working_days: 10,
            },
            &Actor::System,
        )
        .await?;
    Ok(())
}

/// A bearer token for the bank's loan desk, valid for a year; only its digest is stored.
pub(super) async fn issue_bank_token(store: &Store) -> anyhow::Result<super::DemoToken> {
    let bank = store
        .organization_by_slug(&Slug::parse("sample-bank")?)
        .await?
        .context("demo organization sample-bank")?;
    let system = store
        .subsystem(bank.id, &SubsystemCode::parse("loan-desk")?)
        .await?
        .context("demo subsystem loan-desk")?;
    // The demo is the Tajik deployment; a store loaded before its deployment was recorded (tests) is `TJ` too.
    let instance = store
        .deployment()
        .await?
        .map_or_else(|| "TJ".to_owned(), |d| d.instance);
    let token = egov_portal::bridge_admin::new_token();
    store
        .create_credential(
            NewCredential {
                subsystem: system.id,
                kind: CredentialKind::Token,
                label: "Demo loan desk",
                secret_hash: &egov_portal::security::token_hash(&token),
                certificate: None,
                expires_at: Millis::now().plus_secs(365 * 86_400),
                by: None,
            },
            &Actor::System,
        )
        .await?;
    Ok(super::DemoToken {
        client: format!(
            "{}/{}/{}/{}",
            instance,
            bank.member_class.as_str(),
            bank.legal_id.as_str(),
            system.code
        ),
        token,
        granted: vec!["TAX-S-0001 (production)".into()],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_openapi_document_is_valid() {
        let r: super::Registry = serde_json::from_str(super::REGISTRY).unwrap();
        assert_eq!(r.services.len(), 5);
        for s in &r.services {
            let d = egov_core::openapi::describe(&s.openapi)
                .unwrap_or_else(|e| panic!("{}: {e}", s.code));
            assert!(!d.operations.is_empty());
        }
    }
}
