//! Access applications, decisions, grants and revocations, on both backends.

#[macro_use]
mod common;

use common::{new_user, org};
use egov_core::clock::Millis;
use egov_core::{
    ApplicationStatus, Email, EndpointPattern, Environment, Lang, Localized, Role, ServiceCode,
    SubsystemCode,
};
use egov_store::{Actor, Decision, Endpoint, NewApplication, NewService, Store, StoreError};

on_both_backends!(
    an_application_becomes_a_grant_and_is_revoked,
    the_rules_are_kept_and_nothing_changes
);

struct World {
    provider: egov_core::OrgId,
    consumer: egov_core::OrgId,
    other: egov_core::OrgId,
    provider_sys: i64,
    consumer_sys: i64,
    service: i64,
    admin: egov_core::UserId,
    decider: egov_core::UserId,
}

async fn world(store: &Store) -> World {
    let a = Actor::System;
    let moj = store
        .create_organization(&org("moj", "020000106"), &a)
        .await
        .unwrap();
    let mut bank = org("bank", "030000201");
    bank.member_class = egov_core::MemberClass::parse("COM").unwrap();
    let bank = store.create_organization(&bank, &a).await.unwrap();
    let tax = store
        .create_organization(&org("tax", "020000105"), &a)
        .await
        .unwrap();
    let a_ref = &a;
    let sys = |o, code: &str| {
        let code = SubsystemCode::parse(code).unwrap();
        let a = a_ref;
        async move {
            store
                .create_subsystem(
                    o,
                    &code,
                    &Localized::new().with(Lang::EN, "System"),
                    &Email::parse("it@example.tj").unwrap(),
                    a,
                )
                .await
                .unwrap()
                .id
        }
    };
    let provider_sys = sys(moj.id, "civil-registry").await;
    let consumer_sys = sys(bank.id, "loan-desk").await;
    let service = store
        .create_service(
            &NewService {
                subsystem: provider_sys,
                code: ServiceCode::parse("person-lookup").unwrap(),
                title: Localized::new().with(Lang::EN, "Person lookup"),
                description: Localized::new(),
                category: "civil-status".into(),
                production_url: None,
                test_url: None,
                openapi: None,
                personal_data: true,
                rate_limit: 60,
                sla: Localized::new(),
                endpoints: vec![
                    Endpoint {
                        method: "GET".into(),
                        path: "/persons/{id}".into(),
                    },
                    Endpoint {
                        method: "GET".into(),
                        path: "/persons".into(),
                    },
                ],
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    let admin = store
        .create_user_with_role(
            &new_user("admin@bank.tj"),
            Role::AgencyAdmin,
            Some(bank.id),
            &a,
        )
        .await
        .unwrap()
        .id;
    let decider = store
        .create_user_with_role(
            &new_user("admin@moj.tj"),
            Role::AgencyAdmin,
            Some(moj.id),
            &a,
        )
        .await
        .unwrap()
        .id;
    World {
        provider: moj.id,
        consumer: bank.id,
        other: tax.id,
        provider_sys,
        consumer_sys,
        service,
        admin,
        decider,
    }
}

fn pattern(m: &str, p: &str) -> EndpointPattern {
    EndpointPattern::parse(m, p).unwrap()
}

fn application(w: &World) -> NewApplication {
    NewApplication {
        consumer: w.consumer_sys,
        service: w.service,
        environment: Environment::Production,
        endpoints: vec![pattern("GET", "/persons/{id}"), pattern("GET", "/persons")],
        purpose: "Checking a borrower's identity with their consent".into(),
        legal_basis: "Law on Banks, art. 12 (sample)".into(),
        applied_by: w.admin,
        due_working_days: 10,
    }
}

async fn an_application_becomes_a_grant_and_is_revoked(store: &Store) {
    let w = world(store).await;
    let by = Actor::user(w.admin, None);
    let app = store.apply_for_access(&application(&w), &by).await.unwrap();
    assert_eq!(app.status, ApplicationStatus::Pending);
    assert!(
        app.due_at.0 >= Millis::now().plus_secs(12 * 86_400).0,
        "10 working days span two weekends"
    );
    assert!(!app.is_overdue(Millis::now()));
    assert!(app.is_overdue(app.due_at.plus_secs(1)));
    assert_eq!(
        store.notifications(w.provider, 10).await.unwrap()[0].link,
        format!("/admin/bridge/applications/{}", app.id)
    );
    store
        .comment_on_application(
            app.id,
            w.decider,
            "Which branch will call?",
            &Actor::user(w.decider, None),
        )
        .await
        .unwrap();
    store
        .comment_on_application(app.id, w.admin, "Head office only.", &by)
        .await
        .unwrap();
    assert_eq!(store.application_comments(app.id).await.unwrap().len(), 2);
    // Both parties see it; a third does not.
    assert_eq!(store.applications(Some(w.consumer)).await.unwrap().len(), 1);
    assert_eq!(store.applications(Some(w.provider)).await.unwrap().len(), 1);
    assert!(store.applications(Some(w.other)).await.unwrap().is_empty());
    let decided = store
        .decide_application(
            app.id,
            w.provider,
            &Decision::Approve {
                endpoints: vec![pattern("GET", "/persons/{id}")],
                quota: 30,
                expires_at: Some(Millis::now().plus_secs(365 * 86_400)),
                note: None,
            },
            w.decider,
            &Actor::user(w.decider, None),
        )
        .await
        .unwrap();
    assert_eq!(decided.status, ApplicationStatus::Approved);
    let grants = store.grants(Some(w.consumer)).await.unwrap();
    assert_eq!(grants.len(), 1);
    let g = &grants[0];
    assert!(g.is_live(Millis::now()));
    assert_eq!(g.endpoints, vec![pattern("GET", "/persons/{id}")]);
    assert_eq!(g.quota, 30);
    assert!(
        store.notifications(w.consumer, 10).await.unwrap()[0]
            .message
            .contains("approved")
    );
    // A second decision is refused; so is a second application while the grant lives.
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.provider,
                &Decision::Reject {
                    reason: "late".into()
                },
                w.decider,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.apply_for_access(&application(&w), &by).await,
        Err(StoreError::Conflict(_))
    ));
    // Revoked by the provider: no longer live, and the consumer may apply again.
    assert!(matches!(
        store
            .revoke_grant(g.id, &[w.other], w.admin, &Actor::Cli)
            .await,
        Err(StoreError::Refused(_))
    ));
    let revoked = store
        .revoke_grant(
            g.id,
            &[w.provider],
            w.decider,
            &Actor::user(w.decider, None),
        )
        .await
        .unwrap();
    assert!(!revoked.is_live(Millis::now()));
    assert!(matches!(
        store
            .revoke_grant(g.id, &[w.provider], w.decider, &Actor::Cli)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let again = store.apply_for_access(&application(&w), &by).await.unwrap();
    let rejected = store
        .decide_application(
            again.id,
            w.provider,
            &Decision::Reject {
                reason: "No consent procedure described.".into(),
            },
            w.decider,
            &Actor::Cli,
        )
        .await
        .unwrap();
    assert_eq!(rejected.status, ApplicationStatus::Rejected);
    assert_eq!(
        rejected.reason.as_deref(),
        Some("No consent procedure described.")
    );
    let actions: Vec<String> = store
        .audit_entries(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "application.create",
        "application.approve",
        "application.reject",
        "grant.revoke",
        "application.comment",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

async fn the_rules_are_kept_and_nothing_changes(store: &Store) {
    let w = world(store).await;
    let by = Actor::user(w.admin, None);
    // Applying for one's own service.
    let mut own = application(&w);
    own.consumer = w.provider_sys;
    assert!(matches!(
        store.apply_for_access(&own, &by).await,
        Err(StoreError::Refused(_))
    ));
    // Endpoints the service does not have, none at all, an empty purpose, an unknown service.
    let mut wrong = application(&w);
    wrong.endpoints = vec![pattern("POST", "/persons")];
    assert!(matches!(
        store.apply_for_access(&wrong, &by).await,
        Err(StoreError::Refused(_))
    ));
    let mut none = application(&w);
    none.endpoints.clear();
    assert!(matches!(
        store.apply_for_access(&none, &by).await,
        Err(StoreError::Refused(_))
    ));
    let mut blank = application(&w);
    blank.purpose = "  ".into();
    assert!(matches!(
        store.apply_for_access(&blank, &by).await,
        Err(StoreError::Refused(_))
    ));
    let mut ghost = application(&w);
    ghost.service = 4242;
    assert!(matches!(
        store.apply_for_access(&ghost, &by).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.applications(None).await.unwrap().is_empty());

    let app = store.apply_for_access(&application(&w), &by).await.unwrap();
    // Deciding someone else's application; widening; a zero quota; a past expiry.
    let approve = |endpoints: Vec<EndpointPattern>, quota: i64, expires_at: Option<Millis>| {
        Decision::Approve {
            endpoints,
            quota,
            expires_at,
            note: None,
        }
    };
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.consumer,
                &approve(vec![pattern("GET", "/persons")], 10, None),
                w.admin,
                &by
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.provider,
                &approve(vec![pattern("*", "/persons/**")], 10, None),
                w.decider,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.provider,
                &approve(vec![pattern("GET", "/persons")], 0, None),
                w.decider,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.provider,
                &approve(vec![pattern("GET", "/persons")], 10, Some(Millis(1))),
                w.decider,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .decide_application(
                app.id,
                w.provider,
                &Decision::Reject { reason: "".into() },
                w.decider,
                &Actor::Cli
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(
        store.application(app.id).await.unwrap().unwrap().status,
        ApplicationStatus::Pending
    );
    assert!(store.grants(None).await.unwrap().is_empty());
}
