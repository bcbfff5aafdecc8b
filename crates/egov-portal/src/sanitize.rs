//! What HTML may be stored and shown: a conservative allow-list (text structure, links, tables, images
//! from this site), enforced with ammonia whenever HTML is saved.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "h2",
            "h3",
            "h4",
            "ul",
            "ol",
            "li",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "s",
            "blockquote",
            "a",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "caption",
            "img",
            "figure",
            "figcaption",
            "hr",
            "abbr",
            "sub",
            "sup",
            "del",
            "code",
            "pre",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::default();
        b.tags(tags)
            .link_rel(Some("noopener noreferrer"))
            .url_schemes(["https", "http", "mailto", "tel"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough);
        b
    })
}

/// Sanitized HTML: scripts, styles, event handlers and unknown tags are gone; links get `rel=noopener`.
pub fn clean_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::clean_html;

    #[test]
    fn hostile_markup_is_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)><style>body{}</style><iframe src="//evil"></iframe>"#;
        let clean = clean_html(dirty);
        for bad in [
            "script",
            "onclick",
            "javascript:",
            "onerror",
            "<style",
            "iframe",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"));
        assert!(
            clean_html(r#"<a href="https://hukumat.tj">x</a>"#)
                .contains(r#"rel="noopener noreferrer""#)
        );
        assert_eq!(
            clean_html("<table><tr><td>1</td></tr></table>"),
            "<table><tbody><tr><td>1</td></tr></tbody></table>"
        );
    }
}
