//! Citizens' appeals, on both backends.

#[macro_use]
mod common;

use common::{new_user, org};
use egov_core::{AppealNumber, AppealStatus, Lang, Role};
use egov_store::{Actor, NewAppeal, Store, StoreError};

on_both_backends!(
    appeals_are_created_answered_once_and_audited,
    bad_appeals_change_nothing
);

fn appeal(org: egov_core::OrgId, bits: u64) -> NewAppeal {
    NewAppeal {
        number: AppealNumber::from_random(bits),
        org,
        lang: Lang::TG,
        name: "Шоира Раҳимова".into(),
        contact: "shoira@example.tj".into(),
        question: "Ҳуҷҷатҳо барои шиноснома кадомҳоянд?".into(),
    }
}

async fn appeals_are_created_answered_once_and_audited(store: &Store) {
    let mfa = store
        .create_organization(&org("mfa", "020000001"), &Actor::System)
        .await
        .unwrap();
    let tax = store
        .create_organization(&org("tax", "020000002"), &Actor::System)
        .await
        .unwrap();
    let public = Actor::Public {
        ip: Some("198.51.100.7".into()),
    };
    let a = store
        .create_appeal(&appeal(mfa.id, 42), &public)
        .await
        .unwrap();
    assert_eq!(a.status, AppealStatus::New);
    assert_eq!(a.org, mfa.id);
    assert!(a.answer.is_none());
    store
        .create_appeal(&appeal(tax.id, 43), &public)
        .await
        .unwrap();
    // The number is the key: found as typed by a citizen.
    let typed = AppealNumber::parse(&a.number.as_str().to_lowercase()).unwrap();
    assert_eq!(
        store.appeal_by_number(&typed).await.unwrap().unwrap().id,
        a.id
    );
    assert_eq!(
        store.appeals(Some(mfa.id), None, 50).await.unwrap().len(),
        1
    );
    assert_eq!(store.appeals(None, None, 50).await.unwrap().len(), 2);
    assert_eq!(
        store
            .appeals(None, Some(AppealStatus::Answered), 50)
            .await
            .unwrap()
            .len(),
        0
    );
    // A second appeal with the same number is refused.
    assert!(matches!(
        store.create_appeal(&appeal(tax.id, 42), &public).await,
        Err(StoreError::Conflict(_))
    ));

    let officer = store
        .create_user_with_role(
            &new_user("officer@mfa.tj"),
            Role::Editor,
            Some(mfa.id),
            &Actor::Cli,
        )
        .await
        .unwrap();
    let by = Actor::user(officer.id, Some("10.0.0.5".into()));
    let done = store
        .answer_appeal(a.id, "Шиноснома ва маълумотнома.", officer.id, &by)
        .await
        .unwrap();
    assert_eq!(done.status, AppealStatus::Answered);
    assert_eq!(done.answer.as_deref(), Some("Шиноснома ва маълумотнома."));
    assert_eq!(done.answered_by, Some(officer.id));
    // The first answer stands.
    assert!(matches!(
        store
            .answer_appeal(a.id, "Another answer", officer.id, &by)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.appeal(a.id).await.unwrap().unwrap().answer.as_deref(),
        Some("Шиноснома ва маълумотнома.")
    );
    // The audit log knows that it happened, not who wrote what.
    let log = store.audit_entries(Some(mfa.id), 50).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"appeal.create") && actions.contains(&"appeal.answer"));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("Шоира") && !text.contains("shoira@") && !text.contains("шиноснома ва"));
    assert!(
        log.iter()
            .any(|e| e.actor == "public" && e.ip.as_deref() == Some("198.51.100.7"))
    );
}

async fn bad_appeals_change_nothing(store: &Store) {
    let mfa = store
        .create_organization(&org("mfa", "020000001"), &Actor::System)
        .await
        .unwrap();
    let public = Actor::Public { ip: None };
    let mut empty = appeal(mfa.id, 1);
    empty.question = "   ".into();
    let mut long = appeal(mfa.id, 2);
    long.name = "x".repeat(201);
    let mut no_org = appeal(mfa.id, 3);
    no_org.org = egov_core::OrgId(9999);
    for bad in [empty, long] {
        assert!(matches!(
            store.create_appeal(&bad, &public).await,
            Err(StoreError::Corrupt(_))
        ));
    }
    assert!(matches!(
        store.create_appeal(&no_org, &public).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.appeals(None, None, 10).await.unwrap().is_empty());
    assert!(matches!(
        store
            .answer_appeal(12345, "text", egov_core::UserId(1), &Actor::Cli)
            .await,
        Err(StoreError::NotFound(_))
    ));
}
