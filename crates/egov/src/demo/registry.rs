//! The demo's registry of the bridge: the information systems of four state bodies and two consumers, and
//! five sample services (from `demo/tj/registry.json`) with real OpenAPI documents, checked like any
//! provider's upload.

use anyhow::Context;
use egov_core::{Email, Localized, ServiceCode, Slug, SubsystemCode};
use egov_store::{Actor, Endpoint, NewService, Store};
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
