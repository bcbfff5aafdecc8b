//! Every store function, exercised on both backends: each scenario runs once on a fresh SQLite file and
//! once on a fresh PostgreSQL database.

#[macro_use]
mod common;

use common::{new_user, org};
use egov_core::clock::Millis;
use egov_core::{Email, Lang, Languages, Localized, OrgId, Role, Slug};
use egov_store::{Actor, Deployment, Store, StoreError};

on_both_backends!(
    migrations_are_idempotent,
    deployment_round_trip_and_audit,
    organizations_create_read_rename,
    organization_conflicts_change_nothing,
    users_roles_and_passwords,
    role_rules_are_enforced,
    sessions_expire_and_end,
    audit_log_is_append_only,
);

async fn migrations_are_idempotent(store: &Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

async fn deployment_round_trip_and_audit(store: &Store) {
    assert!(store.deployment().await.unwrap().is_none());
    let d = Deployment {
        instance: "TJ".into(),
        country: "TJ".into(),
        name: Localized::new().with(Lang::TG, "Платформаи ягона"),
        languages: Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap(),
    };
    store.put_deployment(&d, &Actor::System).await.unwrap();
    store.put_deployment(&d, &Actor::System).await.unwrap();
    assert_eq!(store.deployment().await.unwrap().as_ref(), Some(&d));
    let changed = Deployment {
        languages: Languages::new(vec![Lang::TG, Lang::EN]).unwrap(),
        ..d.clone()
    };
    store.put_deployment(&changed, &Actor::Cli).await.unwrap();
    assert_eq!(store.deployment().await.unwrap(), Some(changed));
    let log = store.audit_entries(None, 10).await.unwrap();
    // The unchanged second put wrote nothing.
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].actor, "cli");
    assert!(log[0].before.is_some() && log[0].after.is_some());
}

async fn organizations_create_read_rename(store: &Store) {
    let actor = Actor::System;
    let mfa = store
        .create_organization(&org("mfa", "020000001"), &actor)
        .await
        .unwrap();
    let mut child = org("mfa-consular", "020000002");
    child.parent = Some(mfa.id);
    let c = store.create_organization(&child, &actor).await.unwrap();
    assert_eq!(c.parent, Some(mfa.id));
    assert_eq!(
        store
            .organization(mfa.id)
            .await
            .unwrap()
            .unwrap()
            .slug
            .as_str(),
        "mfa"
    );
    let by_slug = store
        .organization_by_slug(&Slug::parse("mfa").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_slug, mfa);
    assert_eq!(by_slug.name.get(Lang::TG), Some("Вазорати корҳои хориҷӣ"));
    assert!(
        store
            .organization_by_slug(&Slug::parse("nope").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.organization(OrgId(9999)).await.unwrap().is_none());
    let all = store.organizations().await.unwrap();
    assert_eq!(
        all.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>(),
        ["mfa", "mfa-consular"]
    );

    let renamed = store
        .rename_organization(
            mfa.id,
            &Localized::new().with(Lang::RU, "МИД"),
            &Localized::new(),
            &actor,
        )
        .await
        .unwrap();
    assert_eq!(renamed.name.get(Lang::RU), Some("МИД"));
    assert_eq!(renamed.name.get(Lang::TG), None);
    let log = store.audit_entries(Some(mfa.id), 10).await.unwrap();
    assert_eq!(log[0].action, "organization.rename");
    assert_eq!(
        log[0].before.as_ref().unwrap()["name"]["en"],
        "Ministry of Foreign Affairs"
    );
    assert!(matches!(
        store
            .rename_organization(
                OrgId(4242),
                &Localized::new().with(Lang::RU, "x"),
                &Localized::new(),
                &actor
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn organization_conflicts_change_nothing(store: &Store) {
    let actor = Actor::System;
    store
        .create_organization(&org("mfa", "020000001"), &actor)
        .await
        .unwrap();
    let before = store.audit_entries(None, 100).await.unwrap().len();
    let e = store
        .create_organization(&org("mfa", "020000009"), &actor)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains("slug mfa")),
        "{e}"
    );
    let e = store
        .create_organization(&org("other", "020000001"), &actor)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains("GOV/020000001")),
        "{e}"
    );
    let mut nameless = org("nameless", "020000003");
    nameless.name = Localized::new();
    assert!(store.create_organization(&nameless, &actor).await.is_err());
    assert_eq!(store.organizations().await.unwrap().len(), 1);
    assert_eq!(store.audit_entries(None, 100).await.unwrap().len(), before);
}

async fn users_roles_and_passwords(store: &Store) {
    let actor = Actor::Cli;
    let mfa = store
        .create_organization(&org("mfa", "020000001"), &actor)
        .await
        .unwrap();
    let u = store
        .create_user(&new_user("Editor@MFA.gov.tj"), &actor)
        .await
        .unwrap();
    assert_eq!(u.email.as_str(), "editor@mfa.gov.tj");
    assert!(!u.disabled);
    let again = store
        .create_user(&new_user("editor@mfa.gov.tj"), &actor)
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)));
    assert_eq!(
        store.user_by_email(&u.email).await.unwrap().unwrap().id,
        u.id
    );
    assert!(
        store
            .user_by_email(&Email::parse("x@y.tj").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    store
        .grant_role(u.id, Role::Editor, Some(mfa.id), &actor)
        .await
        .unwrap();
    store
        .grant_role(u.id, Role::Reviewer, Some(mfa.id), &actor)
        .await
        .unwrap();
    let dup = store
        .grant_role(u.id, Role::Editor, Some(mfa.id), &actor)
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");
    let roles = store.roles(u.id).await.unwrap();
    assert_eq!(roles.len(), 2);
    assert!(roles.iter().all(|r| r.org == Some(mfa.id)));
    let admin = store
        .create_user(&new_user("admin@aidt.gov.tj"), &actor)
        .await
        .unwrap();
    store
        .grant_role(admin.id, Role::PlatformAdmin, None, &actor)
        .await
        .unwrap();
    assert_eq!(store.users(None).await.unwrap().len(), 2);
    assert_eq!(store.users(Some(mfa.id)).await.unwrap().len(), 1);

    store
        .revoke_role(u.id, Role::Reviewer, Some(mfa.id), &actor)
        .await
        .unwrap();
    assert!(matches!(
        store
            .revoke_role(u.id, Role::Reviewer, Some(mfa.id), &actor)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.roles(u.id).await.unwrap().len(), 1);

    // A new password ends every session.
    store
        .create_session("tok", u.id, Millis::now().plus_secs(3600), None, None)
        .await
        .unwrap();
    let new_hash = egov_core::password::hash("another long password").unwrap();
    store.set_password(u.id, &new_hash, &actor).await.unwrap();
    assert!(store.session("tok", Millis::now()).await.unwrap().is_none());
    let stored = store.user(u.id).await.unwrap().unwrap();
    assert!(egov_core::password::verify(
        "another long password",
        &stored.password_hash
    ));
    let actions: Vec<String> = store
        .audit_entries(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["user.create", "role.grant", "role.revoke", "user.password"] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

async fn role_rules_are_enforced(store: &Store) {
    // An account and its first role are created together, or not at all.
    let orphan = store
        .create_user_with_role(
            &new_user("orphan@aidt.tj"),
            Role::Editor,
            Some(OrgId(4242)),
            &Actor::Cli,
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
    assert!(
        store
            .user_by_email(&Email::parse("orphan@aidt.tj").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let ok = store
        .create_user_with_role(
            &new_user("ops@aidt.tj"),
            Role::PlatformAdmin,
            None,
            &Actor::Cli,
        )
        .await
        .unwrap();
    assert_eq!(
        store.roles(ok.id).await.unwrap()[0].role,
        Role::PlatformAdmin
    );

    let actor = Actor::Cli;
    let u = store
        .create_user(&new_user("someone@aidt.gov.tj"), &actor)
        .await
        .unwrap();
    assert!(
        store
            .grant_role(u.id, Role::Editor, None, &actor)
            .await
            .is_err()
    );
    assert!(
        store
            .grant_role(u.id, Role::PlatformAdmin, Some(OrgId(1)), &actor)
            .await
            .is_err()
    );
    let missing_org = store
        .grant_role(u.id, Role::Editor, Some(OrgId(777)), &actor)
        .await;
    assert!(missing_org.is_err());
    assert!(store.roles(u.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .set_password(egov_core::UserId(999), "x", &actor)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn sessions_expire_and_end(store: &Store) {
    let u = store
        .create_user(&new_user("s@aidt.gov.tj"), &Actor::Cli)
        .await
        .unwrap();
    store
        .grant_role(u.id, Role::PlatformAdmin, None, &Actor::Cli)
        .await
        .unwrap();
    let now = Millis::now();
    store
        .create_session(
            "live",
            u.id,
            now.plus_secs(60),
            Some("127.0.0.1"),
            Some("test"),
        )
        .await
        .unwrap();
    store
        .create_session("old", u.id, now.plus_secs(-60), None, None)
        .await
        .unwrap();
    let s = store.session("live", now).await.unwrap().unwrap();
    assert_eq!(s.user.id, u.id);
    assert_eq!(s.roles[0].role, Role::PlatformAdmin);
    assert!(store.session("old", now).await.unwrap().is_none());
    assert!(store.session("unknown", now).await.unwrap().is_none());
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);
    store.delete_session("live").await.unwrap();
    store.delete_session("live").await.unwrap();
    assert!(store.session("live", now).await.unwrap().is_none());
}

async fn audit_log_is_append_only(store: &Store) {
    store
        .record_event(
            &Actor::user(egov_core::UserId(1), Some("10.0.0.1".into())),
            "login.failed",
            "user:x@y.tj",
            None,
            Some(serde_json::json!({"reason": "password"})),
        )
        .await
        .unwrap();
    let log = store.audit_entries(None, 5).await.unwrap();
    assert_eq!(log[0].ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(log[0].after.as_ref().unwrap()["reason"], "password");
    assert!(
        store
            .raw_execute_for_tests("UPDATE audit_log SET action = 'x'")
            .await
            .is_err()
    );
    assert!(
        store
            .raw_execute_for_tests("DELETE FROM audit_log")
            .await
            .is_err()
    );
    assert_eq!(
        store.audit_entries(None, 5).await.unwrap()[0].action,
        "login.failed"
    );
}
