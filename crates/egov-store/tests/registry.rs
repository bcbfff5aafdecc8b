//! The bridge's registry (subsystems, services, their operations), on both backends.

#[macro_use]
mod common;

use common::org;
use egov_core::{Email, Lang, Localized, ServiceCode, ServiceStatus, SubsystemCode};
use egov_store::{Actor, Endpoint, NewService, Store, StoreError};

on_both_backends!(
    services_get_passports_and_operations,
    bad_registrations_change_nothing
);

fn service(subsystem: i64, code: &str) -> NewService {
    NewService {
        subsystem,
        code: ServiceCode::parse(code).unwrap(),
        title: Localized::new()
            .with(Lang::EN, "Person lookup")
            .with(Lang::TG, "Ҷустуҷӯи шахс"),
        description: Localized::new().with(Lang::EN, "Finds a person in the civil registry."),
        category: "civil-status".into(),
        production_url: Some("https://registry.example.tj/api".into()),
        test_url: None,
        openapi: Some(
            serde_json::json!({"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {}}),
        ),
        personal_data: true,
        rate_limit: 60,
        sla: Localized::new().with(Lang::EN, "99.5% in working hours"),
        endpoints: vec![
            Endpoint {
                method: "GET".into(),
                path: "/persons/{id}".into(),
            },
            Endpoint {
                method: "GET".into(),
                path: "/persons".into(),
            },
            Endpoint {
                method: "GET".into(),
                path: "/persons".into(),
            },
        ],
    }
}

async fn services_get_passports_and_operations(store: &Store) {
    let moj = store
        .create_organization(&org("moj", "020000106"), &Actor::System)
        .await
        .unwrap();
    let code = SubsystemCode::parse("civil-registry").unwrap();
    let sys = store
        .create_subsystem(
            moj.id,
            &code,
            &Localized::new().with(Lang::EN, "Civil registry"),
            &Email::parse("registry@moj.tj").unwrap(),
            &Actor::Cli,
        )
        .await
        .unwrap();
    assert_eq!(
        store.subsystem(moj.id, &code).await.unwrap().unwrap().id,
        sys.id
    );
    let a = store
        .create_service(&service(sys.id, "person-lookup"), &Actor::Cli)
        .await
        .unwrap();
    let b = store
        .create_service(&service(sys.id, "birth-records"), &Actor::Cli)
        .await
        .unwrap();
    assert_eq!(a.passport, "MOJ-S-0001");
    assert_eq!(b.passport, "MOJ-S-0002");
    // The repeated operation is kept once; operations come back in path order.
    assert_eq!(
        a.endpoints
            .iter()
            .map(|e| format!("{} {}", e.method, e.path))
            .collect::<Vec<_>>(),
        ["GET /persons", "GET /persons/{id}"]
    );
    assert!(a.personal_data && a.status == ServiceStatus::Active);
    assert_eq!(a.openapi.as_ref().unwrap()["openapi"], "3.0.3");
    let found = store
        .service_by_code(sys.id, &ServiceCode::parse("person-lookup").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a.id);
    assert_eq!(store.services(Some(sys.id)).await.unwrap().len(), 2);
    let d = store
        .set_service_status(a.id, ServiceStatus::Deprecated, &Actor::Cli)
        .await
        .unwrap();
    assert_eq!(d.status, ServiceStatus::Deprecated);
    let actions: Vec<String> = store
        .audit_entries(Some(moj.id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["subsystem.create", "service.create", "service.status"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

async fn bad_registrations_change_nothing(store: &Store) {
    let moj = store
        .create_organization(&org("moj", "020000106"), &Actor::System)
        .await
        .unwrap();
    let code = SubsystemCode::parse("civil-registry").unwrap();
    let name = Localized::new().with(Lang::EN, "Civil registry");
    let contact = Email::parse("registry@moj.tj").unwrap();
    let sys = store
        .create_subsystem(moj.id, &code, &name, &contact, &Actor::Cli)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_subsystem(moj.id, &code, &name, &contact, &Actor::Cli)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_subsystem(egov_core::OrgId(999), &code, &name, &contact, &Actor::Cli)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .create_subsystem(
                moj.id,
                &SubsystemCode::parse("other").unwrap(),
                &Localized::new(),
                &contact,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Corrupt(_))
    ));
    store
        .create_service(&service(sys.id, "person-lookup"), &Actor::Cli)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_service(&service(sys.id, "person-lookup"), &Actor::Cli)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_service(&service(4242, "x"), &Actor::Cli).await,
        Err(StoreError::NotFound(_))
    ));
    let mut zero = service(sys.id, "zero");
    zero.rate_limit = 0;
    assert!(matches!(
        store.create_service(&zero, &Actor::Cli).await,
        Err(StoreError::Corrupt(_))
    ));
    // Only the first service and its two operations exist.
    let all = store.services(None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].endpoints.len(), 2);
    assert_eq!(store.subsystems(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_portals_own_words_are_not_agency_slugs() {
    let t = egov_store::testing::sqlite().await;
    for word in egov_core::ids::RESERVED_AGENCY_SLUGS {
        let r = t
            .store
            .create_organization(&org(word, "020009999"), &Actor::System)
            .await;
        assert!(
            matches!(r, Err(StoreError::Conflict(ref m)) if m.contains("own pages")),
            "{word}: {r:?}"
        );
    }
    assert!(t.store.organizations().await.unwrap().is_empty());
}
