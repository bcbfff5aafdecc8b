//! The media library: `/admin/media` lists an agency's files and takes uploads (multipart, checked against
//! the anti-forgery cookie like every form); `/media/{sha256}/{name}` serves them. What a file is comes from
//! its first bytes, never from its name or the browser's word, and a name that claims another type is
//! refused: a web page called `photo.png` does not get in.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::{FileName, Localized, OrgId};
use egov_store::media::MAX_MEDIA_BYTES;
use egov_store::{Media, NewMedia};
use minijinja::context;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{Duty, actor, agencies, lang_list, may, org_names, plain, refusal};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::{CSRF_FIELD, cookie, csrf_cookie_name};

/// The body limit of an upload: the largest file and the form's other fields.
pub(crate) const UPLOAD_BYTES: usize = MAX_MEDIA_BYTES + 64 * 1024;

/// A type the library takes: its media type, the names it may carry, and whether it is an image.
struct Kind {
    media_type: &'static str,
    extensions: &'static [&'static str],
    label: &'static str,
}

const PNG: Kind = Kind {
    media_type: "image/png",
    extensions: &["png"],
    label: "PNG image",
};
const JPEG: Kind = Kind {
    media_type: "image/jpeg",
    extensions: &["jpg", "jpeg"],
    label: "JPEG image",
};
const GIF: Kind = Kind {
    media_type: "image/gif",
    extensions: &["gif"],
    label: "GIF image",
};
const WEBP: Kind = Kind {
    media_type: "image/webp",
    extensions: &["webp"],
    label: "WebP image",
};
const PDF: Kind = Kind {
    media_type: "application/pdf",
    extensions: &["pdf"],
    label: "PDF document",
};
const ODT: Kind = Kind {
    media_type: "application/vnd.oasis.opendocument.text",
    extensions: &["odt"],
    label: "OpenDocument text",
};
const DOCX: Kind = Kind {
    media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    extensions: &["docx"],
    label: "Word document",
};

/// What the bytes are, by their signature; `None` for anything the library does not take.
fn sniff(data: &[u8]) -> Option<&'static Kind> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(&PNG)
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(&JPEG)
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some(&GIF)
    } else if data.len() > 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        Some(&WEBP)
    } else if data.starts_with(b"%PDF-") {
        Some(&PDF)
    } else if data.starts_with(b"PK\x03\x04") {
        // OpenDocument stores its type first, uncompressed; OOXML names its parts in the archive.
        let head = &data[..data.len().min(4096)];
        if head.len() > 38 + 39
            && &head[30..38] == b"mimetype"
            && head[38..].starts_with(b"application/vnd.oasis.opendocument.text")
        {
            Some(&ODT)
        } else if contains(head, b"[Content_Types].xml") && contains(data, b"word/document.xml") {
            Some(&DOCX)
        } else {
            None
        }
    } else {
        None
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A name the store accepts, made from what the browser sent: the last path part, letters outside
/// ASCII and spaces turned into hyphens.
fn clean_name(raw: &str, kind: &Kind) -> Result<FileName, String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let (stem, ext) = base.rsplit_once('.').unwrap_or((base, ""));
    let ext = ext.to_ascii_lowercase();
    if !kind.extensions.contains(&ext.as_str()) {
        return Err(format!(
            "the file is a {} but its name ends in {:?}; give it the name it should have (.{})",
            kind.label,
            if ext.is_empty() {
                String::new()
            } else {
                format!(".{ext}")
            },
            kind.extensions[0]
        ));
    }
    let mut s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let stem = if s.is_empty() { "file" } else { s };
    let stem: String = stem.chars().take(80).collect();
    FileName::parse(&format!("{stem}.{ext}")).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
pub(crate) struct LibraryQuery {
    org: Option<String>,
}

#[derive(Serialize)]
struct Row {
    url: String,
    filename: String,
    media_type: String,
    size_kib: i64,
    width: Option<i64>,
    height: Option<i64>,
    alt: String,
    image: bool,
}

async fn render(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    org_slug: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let names = org_names(state, chrome.lang).await?;
    let choices = agencies(&names, user, Duty::See);
    let Some(first) = choices.first() else {
        return Err(PageError::new(ErrorCode::Forbidden));
    };
    let org = match org_slug.filter(|s| !s.is_empty()) {
        Some(s) => choices
            .iter()
            .find(|c| c.slug == s)
            .ok_or_else(|| PageError::new(ErrorCode::NotFound))?,
        None => first,
    };
    let rows: Vec<Row> = state
        .store()
        .media_library(org.org())
        .await?
        .into_iter()
        .map(|m: Media| Row {
            url: m.url(),
            image: m.is_image(),
            alt: m
                .alt
                .resolve(chrome.lang, state.languages())
                .map(|r| r.text.to_owned())
                .unwrap_or_default(),
            filename: m.filename.to_string(),
            media_type: m.media_type,
            size_kib: (m.size + 1023) / 1024,
            width: m.width,
            height: m.height,
        })
        .collect();
    let page = chrome.render(
        state,
        "cms_media.html",
        context! {
            rows => super::value(&rows),
            orgs => super::value(&choices),
            org_id => org.id, org_slug => &org.slug, org_name => &org.name,
            can_upload => may(user, Duty::Edit, org.org()),
            max_mib => MAX_MEDIA_BYTES / 1024 / 1024,
            langs => lang_list(state), error,
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn library(
    State(state): State<AppState>,
    user: SignedInUser,
    Query(q): Query<LibraryQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render(
        &state,
        &chrome,
        &user,
        q.org.as_deref(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The parts of an upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    org: String,
    alt: Vec<(String, String)>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, PageError> {
    let too_large = || {
        PageError::new(ErrorCode::PayloadTooLarge).detail(format!(
            "The file is larger than the library's limit of {} MiB.",
            MAX_MEDIA_BYTES / 1024 / 1024
        ))
    };
    let mut up = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => {
                return Err(
                    PageError::new(ErrorCode::BadRequest).detail("the upload could not be read")
                );
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                PageError::new(ErrorCode::BadRequest)
            }
        })?;
        match name.as_str() {
            "file" => up.file = Some((filename.unwrap_or_default(), bytes.to_vec())),
            n if n == CSRF_FIELD => up.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "org" => up.org = String::from_utf8_lossy(&bytes).into_owned(),
            n if n.starts_with("alt_") && bytes.len() <= 4096 => up.alt.push((
                n[4..].to_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )),
            _ => {}
        }
    }
    if up
        .file
        .as_ref()
        .is_some_and(|f| f.1.len() > MAX_MEDIA_BYTES)
    {
        return Err(too_large());
    }
    Ok(up)
}

/// `POST /admin/media`: one file, checked, then stored.
pub(crate) async fn upload(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    headers: axum::http::HeaderMap,
    mp: Multipart,
) -> Result<Response, PageError> {
    let up = read_upload(mp).await?;
    let expected = cookie(&headers, csrf_cookie_name(state.config().secure_cookies)).unwrap_or("");
    if expected.len() != 64 || !bool::from(expected.as_bytes().ct_eq(up.csrf.as_bytes())) {
        return Err(PageError::new(ErrorCode::CsrfFailed));
    }
    let org = OrgId(up.org.parse().unwrap_or(-1));
    if !may(&user, Duty::Edit, org) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let slug = state
        .store()
        .organization(org)
        .await?
        .map(|o| o.slug.to_string());
    let fail = |why: String| {
        render(
            &state,
            &chrome,
            &user,
            slug.as_deref(),
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some((name, data)) = up.file.filter(|f| !f.1.is_empty()) else {
        return fail("choose a file to upload".into()).await;
    };
    let Some(kind) = sniff(&data) else {
        return fail("this is not a file the library takes: PNG, JPEG, GIF or WebP images, PDF, OpenDocument text or Word documents (checked by content, not by name)".into()).await;
    };
    let filename = match clean_name(&name, kind) {
        Ok(f) => f,
        Err(why) => return fail(why).await,
    };
    let image = kind.media_type.starts_with("image/");
    let (width, height) = if image {
        match imagesize::blob_size(&data) {
            Ok(s) if s.width > 0 && s.height > 0 && s.width <= 20_000 && s.height <= 20_000 => {
                (Some(s.width as i64), Some(s.height as i64))
            }
            _ => {
                return fail(
                    "the image could not be read (or is larger than 20000 pixels a side)".into(),
                )
                .await;
            }
        }
    } else {
        (None, None)
    };
    let mut alt = Localized::new();
    for (code, text) in &up.alt {
        if let Some(l) = state.languages().parse_supported(code) {
            match plain(text, 300) {
                Ok(t) => alt.set(l, t),
                Err(why) => return fail(format!("alt text: {why}")).await,
            }
        }
    }
    if image && alt.is_empty() {
        return fail(
            "an image needs alt text: say what it shows, for readers who cannot see it".into(),
        )
        .await;
    }
    let new = NewMedia {
        org,
        filename,
        media_type: kind.media_type.to_owned(),
        width,
        height,
        alt,
        data,
    };
    match state
        .store()
        .add_media(&new, user.user.id, &actor(&user, addr))
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/admin/media?org={}", slug.unwrap_or_default())).into_response(),
        ),
        Err(e) => fail(refusal(e)?).await,
    }
}

/// `GET /media/{sha256}/{name}`: a library file, by its digest, cacheable for good.
pub(crate) async fn serve(
    State(state): State<AppState>,
    Path((sha, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let name = FileName::parse(&name).map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let (m, data) = state
        .store()
        .media_file(&sha, &name)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let disposition = if m.is_image() || m.media_type == "application/pdf" {
        "inline"
    } else {
        "attachment"
    };
    let ct = HeaderValue::from_str(&m.media_type).map_err(PageError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(disposition),
            ),
        ],
        data,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_and_names_must_agree() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n....").map(|k| k.media_type),
            Some("image/png")
        );
        assert!(sniff(b"<html><script>alert(1)</script>").is_none());
        assert!(sniff(b"<svg onload=alert(1)>").is_none());
        assert!(sniff(b"MZ\x90\x00").is_none());
        assert!(
            clean_name("photo.pdf", &PNG)
                .unwrap_err()
                .contains("PNG image")
        );
        assert_eq!(
            clean_name("C:\\Users\\me\\Фото 1.PNG", &PNG)
                .unwrap()
                .as_str(),
            "1.png"
        );
        assert_eq!(clean_name("Фото.jpg", &JPEG).unwrap().as_str(), "file.jpg");
        assert_eq!(
            clean_name("../../etc/passwd.png", &PNG).unwrap().as_str(),
            "passwd.png"
        );
    }
}
