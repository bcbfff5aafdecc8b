//! What the CMS tests share: forms over HTTP, uploads, and a scanner for live markup in pages.
#![allow(dead_code)]

use std::time::Duration;

use egov_core::Slug;

use crate::common::{TestApp, csrf_from, page};

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub async fn org_id(app: &TestApp, slug: &str) -> i64 {
    app.store
        .organization_by_slug(&Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

/// Waits (up to 5 s) until `path` answers `status` anonymously; returns the body.
pub async fn eventually(app: &TestApp, path: &str, status: u16, needle: &str) -> String {
    let c = app.client();
    for _ in 0..50 {
        let (s, body) = page(&c, app, path).await;
        if s == status && body.contains(needle) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} did not answer {status} with {needle:?} within 5 s");
}

/// Status, body and `Location` of a form POST.
pub async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), r.text().await.unwrap(), loc)
}

/// The anti-forgery token of a signed-in client (from the dashboard's sign-out form).
pub async fn token(c: &reqwest::Client, app: &TestApp) -> String {
    let (s, html) = page(c, app, "/admin").await;
    assert_eq!(s, 200);
    csrf_from(&html)
}

/// Uploads `data` as `name` to `org`'s library; status and body.
pub async fn upload(
    c: &reqwest::Client,
    app: &TestApp,
    csrf: Option<&str>,
    org: i64,
    name: &str,
    data: Vec<u8>,
    alt_en: &str,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    if let Some(t) = csrf {
        form = form.text("csrf", t.to_owned());
    }
    form = form
        .text("org", org.to_string())
        .text("alt_en", alt_en.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(data).file_name(name.to_owned()),
        );
    let r = c
        .post(app.url("/admin/media?lang=en"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The item id in a `/admin/content/{id}?…` redirect.
pub fn item_id(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/content/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// One start tag: its name and attributes (name, value), read the way a browser tokenizes them, quotes
/// respected.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b: Vec<char> = html.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != '<' || i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        i += 1;
        let mut name = String::new();
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '-') {
            name.push(b[i].to_ascii_lowercase());
            i += 1;
        }
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_whitespace() || b[i] == '/') {
                i += 1;
            }
            if i >= b.len() || b[i] == '>' {
                i += 1;
                break;
            }
            let mut an = String::new();
            while i < b.len() && !b[i].is_whitespace() && !matches!(b[i], '=' | '>' | '/') {
                an.push(b[i].to_ascii_lowercase());
                i += 1;
            }
            let mut av = String::new();
            if i < b.len() && b[i] == '=' {
                i += 1;
                if i < b.len() && (b[i] == '"' || b[i] == '\'') {
                    let q = b[i];
                    i += 1;
                    while i < b.len() && b[i] != q {
                        av.push(b[i]);
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < b.len() && !b[i].is_whitespace() && b[i] != '>' {
                        av.push(b[i]);
                        i += 1;
                    }
                }
            }
            if an.is_empty() {
                i += 1;
            } else {
                attrs.push((an, av));
            }
        }
        out.push((name, attrs));
    }
    out
}

/// Markup in `html` that a browser would run or that could change the page: script elements other than
/// the platform's own files, event-handler attributes, `javascript:`/`data:` addresses, embedded frames,
/// objects, SVG or MathML, style elements and `<base>`. Returns what it found (empty = none).
pub fn live_markup(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, attrs) in tags(html) {
        let bad_element = matches!(
            name.as_str(),
            "iframe"
                | "object"
                | "embed"
                | "svg"
                | "math"
                | "style"
                | "base"
                | "frame"
                | "frameset"
                | "applet"
        ) || (name == "meta" && attrs.iter().any(|(n, _)| n == "http-equiv"));
        let foreign_script = name == "script"
            && !attrs
                .iter()
                .any(|(n, v)| n == "src" && v.starts_with("/assets/"));
        let handler = attrs.iter().any(|(n, _)| n.starts_with("on"));
        let scheme = attrs.iter().any(|(n, v)| {
            let v: String = v
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            matches!(
                n.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href" | "style"
            ) && (v.contains("javascript:")
                || v.starts_with("vbscript:")
                || v.starts_with("data:text"))
        });
        if bad_element || foreign_script || handler || scheme {
            found.push(format!("<{name} {attrs:?}>"));
        }
    }
    found
}

#[test]
fn the_scanner_tells_text_from_markup() {
    assert!(live_markup(r#"<p title="x onload=1">&lt;script&gt;</p><img alt="&quot;&gt;&lt;svg onload=x&gt;" src="/a.png">"#).is_empty());
    assert_eq!(live_markup("<img src=x onerror=alert(1)>").len(), 1);
    assert_eq!(
        live_markup("<a href=\" javascript:alert(1)\">x</a>").len(),
        1
    );
    assert_eq!(live_markup("<script>alert(1)</script>").len(), 1);
    assert!(live_markup(r#"<script src="/assets/editor.js" defer></script>"#).is_empty());
}
