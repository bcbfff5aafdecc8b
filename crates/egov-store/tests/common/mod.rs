//! Shared by the store's test files: run a scenario on both backends, and small builders.
#![allow(dead_code)]

use egov_core::{Email, Lang, LegalId, Localized, MemberClass, Slug};
use egov_store::{NewOrganization, NewUser};

/// Runs each named scenario once on a fresh SQLite file and once on a fresh PostgreSQL database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let t = egov_store::testing::sqlite().await;
                super::$name(&t.store).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let t = egov_store::testing::postgres().await;
                super::$name(&t.store).await;
                t.store.close().await;
            })*
        }
    };
}

pub fn org(slug: &str, legal: &str) -> NewOrganization {
    NewOrganization {
        slug: Slug::parse(slug).unwrap(),
        member_class: MemberClass::parse("GOV").unwrap(),
        legal_id: LegalId::parse(legal).unwrap(),
        kind: "ministry".into(),
        name: Localized::new()
            .with(Lang::TG, "Вазорати корҳои хориҷӣ")
            .with(Lang::EN, "Ministry of Foreign Affairs"),
        short_name: Localized::new().with(Lang::EN, "MFA"),
        parent: None,
    }
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        display_name: "Test User".into(),
        password_hash: egov_core::password::hash("a long enough password").unwrap(),
    }
}
