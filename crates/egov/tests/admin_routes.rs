//! Every `/admin` route, taken from the list the router is built from, asked by an anonymous visitor, by a
//! user with every role in another agency, and by a user of the right agency with the wrong role: each is
//! refused, and nothing in the store changes. The right user's GETs answer 200, which proves the addresses
//! name real objects of the agency (so a refusal is not just "not found").

#[macro_use]
mod common;
mod cms_support;

use std::collections::HashMap;

use cms_support::{PNG, token};
use common::{Backend, TestApp, sign_in, spawn_demo};
use egov_core::clock::Millis;
use egov_core::{ContentKind, Email, ItemSlug, Lang, Localized, OrgId, Role, Slug};
use egov_portal::{Guard, admin_routes};
use egov_store::{Actor, CredentialKind, Draft, NewCredential, NewMedia, NewUser};

const PASSWORD: &str = "walk-the-routes-2026";

async fn user(app: &TestApp, email: &str, roles: &[(Role, Option<OrgId>)]) -> reqwest::Client {
    let hash = egov_core::password::hash(PASSWORD).unwrap();
    let new = NewUser {
        email: Email::parse(email).unwrap(),
        display_name: email.to_owned(),
        password_hash: hash,
    };
    let (first, rest) = roles.split_first().unwrap();
    let u = app
        .store
        .create_user_with_role(&new, first.0, first.1, &Actor::Cli)
        .await
        .unwrap();
    for (r, o) in rest {
        app.store
            .grant_role(u.id, *r, *o, &Actor::Cli)
            .await
            .unwrap();
    }
    let c = app.client();
    assert_eq!(
        sign_in(app, &c, email, PASSWORD).await.status(),
        303,
        "{email} signs in"
    );
    c
}

/// What the store looks like, for "nothing changed": every change writes an audit line in its own
/// transaction, and every change to what the public sees bumps the content version.
async fn snapshot(app: &TestApp, org: OrgId) -> (i64, i64, String) {
    let audit = app.store.audit_entries(None, 1).await.unwrap()[0].id;
    let version = app.store.content_version().await.unwrap();
    let items = app
        .store
        .editorial_items(Some(&[org]), None, None, None)
        .await
        .unwrap();
    (audit, version, serde_json::to_string(&items).unwrap())
}

#[tokio::test]
async fn every_admin_route_refuses_outsiders_and_wrong_roles() {
    let app = spawn_demo(Backend::Sqlite).await;
    let store = app.store.clone();
    let tax = store
        .organization_by_slug(&Slug::parse("tax").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let mfa = store
        .organization_by_slug(&Slug::parse("mfa").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;

    // The target agency's objects, one of each kind a route can name.
    let editor = store
        .user_by_email(&Email::parse("editor@tax.tj").unwrap())
        .await
        .unwrap()
        .unwrap();
    let draft = Draft {
        subtype: String::new(),
        date: None,
        title: Localized::new().with(Lang::EN, "Walk item"),
        summary: Localized::new(),
        body: Localized::new(),
        source: Localized::new(),
        meta: serde_json::json!({}),
        note: String::new(),
    };
    let item = store
        .create_draft(
            tax,
            ContentKind::News,
            &ItemSlug::parse("walk-item").unwrap(),
            &draft,
            egov_store::Author {
                id: editor.id,
                name: "Tax Committee Editor",
            },
            &Actor::System,
        )
        .await
        .unwrap();
    // A second revision, sent to review, so history, diff and restore have something to show.
    store
        .save_revision(
            item,
            1,
            &draft,
            true,
            egov_store::Author {
                id: editor.id,
                name: "Tax Committee Editor",
            },
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .add_media(
            &NewMedia {
                org: tax,
                filename: egov_core::FileName::parse("walk.png").unwrap(),
                media_type: "image/png".into(),
                width: Some(1),
                height: Some(1),
                alt: Localized::new().with(Lang::EN, "walk"),
                data: PNG.to_vec(),
            },
            editor.id,
            &Actor::System,
        )
        .await
        .unwrap();
    let subsystem = store.subsystems(Some(tax)).await.unwrap()[0].id;
    let credential = store
        .create_credential(
            NewCredential {
                subsystem,
                kind: CredentialKind::Certificate,
                label: "walk",
                secret_hash: "0000000000000000000000000000000000000000000000000000000000000001",
                certificate: Some((
                    "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n",
                    "01",
                )),
                expires_at: Millis::now().plus_secs(86_400),
                by: None,
            },
            &Actor::System,
        )
        .await
        .unwrap()
        .id;
    let application = store.applications(Some(tax)).await.unwrap()[0].id;
    let grant = store.grants(Some(tax)).await.unwrap()[0].id;
    let appeal = store
        .create_appeal(
            &egov_store::NewAppeal {
                number: egov_core::AppealNumber::from_random(0x5eed),
                org: tax,
                lang: Lang::EN,
                name: "Walker".into(),
                contact: "walker@example.org".into(),
                question: "Is this refused?".into(),
            },
            &Actor::System,
        )
        .await
        .unwrap()
        .id;
    let passport = store.services(Some(subsystem)).await.unwrap()[0]
        .passport
        .clone();

    // Who asks.
    let anonymous = app.client();
    let all = |o: OrgId| {
        vec![
            (Role::AgencyAdmin, Some(o)),
            (Role::Editor, Some(o)),
            (Role::Reviewer, Some(o)),
        ]
    };
    let other = user(&app, "other@walk.tj", &all(mfa)).await;
    let right = user(&app, "right@walk.tj", &all(tax)).await;
    let platform = user(&app, "platform@walk.tj", &[(Role::PlatformAdmin, None)]).await;
    let only_editor = user(&app, "ed@walk.tj", &[(Role::Editor, Some(tax))]).await;
    let only_reviewer = user(&app, "rev@walk.tj", &[(Role::Reviewer, Some(tax))]).await;
    let no_admin = user(
        &app,
        "edrev@walk.tj",
        &[(Role::Editor, Some(tax)), (Role::Reviewer, Some(tax))],
    )
    .await;
    let mut tokens = HashMap::new();
    for (name, c) in [
        ("anonymous", &anonymous),
        ("other", &other),
        ("right", &right),
        ("platform", &platform),
        ("ed", &only_editor),
        ("rev", &only_reviewer),
        ("edrev", &no_admin),
    ] {
        let t = if name == "anonymous" {
            common::login_token(&app, c).await
        } else {
            token(c, &app).await
        };
        tokens.insert(name, t);
    }

    let fill = |path: &str| -> String {
        let id = if path.starts_with("/admin/appeals") {
            appeal
        } else if path.starts_with("/admin/bridge/applications") {
            application
        } else if path.starts_with("/admin/bridge/credentials") {
            credential
        } else {
            grant
        };
        path.replace("{item}", &item.to_string())
            .replace("{step}", "approve")
            .replace("{user}", &editor.id.0.to_string())
            .replace("{id}", &id.to_string())
            .replace("{passport}", &passport)
            .replace("{status}", "deprecated")
    };
    let form = |csrf: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf.to_owned()),
            ("org", tax.0.to_string()),
            ("subsystem", subsystem.to_string()),
            ("consumer", subsystem.to_string()),
            ("role", "editor".into()),
            ("email", "new@walk.tj".into()),
            ("name", "New".into()),
            ("kind", "news".into()),
            ("slug", "walk-new".into()),
            ("title_en", "T".into()),
            ("body_en", "B".into()),
            ("head", "1".into()),
            ("number", "1".into()),
            ("comment", "c".into()),
            ("decision", "approve".into()),
            ("reason", "r".into()),
            ("environment", "test".into()),
            ("endpoint", "GET /companies/{inn}".into()),
            ("purpose", "p".into()),
            ("legal_basis", "l".into()),
            ("code", "WALK".into()),
            ("name_en", "Walk".into()),
            ("contact", "walk@walk.tj".into()),
            ("answer", "a".into()),
            ("source", "s".into()),
            ("credential_kind", "token".into()),
            ("label", "l".into()),
            ("from", "en".into()),
            ("to", "tg".into()),
            ("title", "T".into()),
            ("body", "B".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let ask = |c: &reqwest::Client, method: &str, path: &str, csrf: &str| {
        // English pages, so a refusal for the token ("The form has expired") can be told from one for the role.
        let url = app.url(&if method == "GET" {
            format!("{path}?org=tax&lang=en")
        } else {
            format!("{path}?lang=en")
        });
        let req = if method == "GET" {
            c.get(url)
        } else if path == "/admin/media" {
            let f = reqwest::multipart::Form::new()
                .text("csrf", csrf.to_owned())
                .text("org", tax.0.to_string())
                .text("alt_en", "walk")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("walk2.png"),
                );
            c.post(url).multipart(f)
        } else {
            c.post(url).form(&form(csrf))
        };
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let loc = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = r.text().await.unwrap();
            (status, loc, body)
        }
    };

    let routes = admin_routes();
    assert!(routes.len() >= 40, "the route list is the router's");
    let before = snapshot(&app, tax).await;
    let mut checked = 0;
    for r in &routes {
        let path = fill(r.path);
        // Anonymous: sent to sign in (or refused), whatever the route.
        let (s, loc, _) = ask(&anonymous, r.method, &path, &tokens["anonymous"]).await;
        assert!(
            (s == 303 && loc.as_deref().is_some_and(|l| l.starts_with("/login")))
                || s == 401
                || s == 403,
            "anonymous {} {path}: {s} {loc:?}",
            r.method
        );
        // Wrong users for this guard.
        let mut wrong: Vec<(&str, &reqwest::Client)> = Vec::new();
        match r.guard {
            Guard::Account => {}
            Guard::Platform => wrong.extend([("other", &other), ("right", &right)]),
            Guard::Member => wrong.push(("other", &other)),
            Guard::Edit => wrong.extend([("other", &other), ("rev", &only_reviewer)]),
            Guard::Review => wrong.extend([("other", &other), ("ed", &only_editor)]),
            Guard::Manage => wrong.extend([("other", &other), ("edrev", &no_admin)]),
        }
        for (who, c) in wrong {
            let (s, _, body) = ask(c, r.method, &path, &tokens[who]).await;
            assert!(s == 403 || s == 404, "{who} {} {path}: {s}", r.method);
            assert!(
                !body.contains("The form has expired"),
                "{who} {} {path}: refused for its token, not its role",
                r.method
            );
            checked += 1;
        }
        // The right user reaches every page (so the addresses above are real).
        if r.method == "GET" {
            let c = if r.guard == Guard::Platform {
                &platform
            } else {
                &right
            };
            let (s, _, body) = ask(c, "GET", &path, "").await;
            assert_eq!(s, 200, "right user GET {path}: {body:.300}");
        }
    }
    assert!(checked >= 50, "{checked} refusals checked");
    assert_eq!(
        before,
        snapshot(&app, tax).await,
        "a refused request changed the store"
    );
    app.stop().await.unwrap();
}
