//! Two sample appeals, so `/admin/appeals` and the status page have something to show: one the Ministry of
//! Foreign Affairs has answered, one waiting at the Tax Committee. Their numbers are fixed and printed in
//! `demo-credentials.json`.

use anyhow::Context;
use egov_core::{AppealNumber, Email, Lang, Slug};
use egov_store::{Actor, NewAppeal, Store};

/// `DEM0-0000-0001` and `DEM0-0000-0002` (13, 14, 20, 0 are D, E, M, 0 in the numbers' alphabet).
const DEMO: u64 = (13 << 55) | (14 << 50) | (20 << 45);
const ANSWERED: u64 = DEMO | 1;
const WAITING: u64 = DEMO | 2;

pub(super) async fn load(store: &Store) -> anyhow::Result<Vec<String>> {
    let org = |slug: &'static str| async move {
        store
            .organization_by_slug(&Slug::parse(slug)?)
            .await?
            .with_context(|| format!("demo organization {slug}"))
    };
    let public = Actor::Public { ip: None };
    let answered = store
        .create_appeal(
            &NewAppeal {
                number: AppealNumber::from_random(ANSWERED),
                org: org("mfa").await?.id,
                lang: Lang::RU,
                name: "Фарход Назаров (демо)".into(),
                contact: "farhod@example.tj".into(),
                question: "Нужно ли заверять диплом в МИД, если я еду учиться в Казахстан?".into(),
            },
            &public,
        )
        .await?;
    let officer = store
        .user_by_email(&Email::parse("editor@mfa.tj")?)
        .await?
        .context("demo account editor@mfa.tj")?;
    store
        .answer_appeal(
            answered.id,
            "Для обучения в Казахстане легализация диплома не требуется: документы об образовании признаются \
             по межгосударственному соглашению. Если вуз всё же попросит, запишитесь на консульский приём \
             онлайн. (демонстрационный ответ)",
            officer.id,
            &Actor::user(officer.id, None),
        )
        .await?;
    let waiting = store
        .create_appeal(
            &NewAppeal {
                number: AppealNumber::from_random(WAITING),
                org: org("tax").await?.id,
                lang: Lang::TG,
                name: "Манижа Саидова (намуна)".into(),
                contact: "+992 90 000 00 00".into(),
                question:
                    "Агар ман соҳибкори инфиродӣ бошам, эъломияро то кадом сана бояд супорам?"
                        .into(),
            },
            &public,
        )
        .await?;
    Ok(vec![
        answered.number.to_string(),
        waiting.number.to_string(),
    ])
}
