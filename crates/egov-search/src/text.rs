//! HTML to the plain text that is indexed.

/// The text of an HTML fragment: tags removed (block tags become spaces), the common entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_markup() {
        assert_eq!(
            super::plain_text("<p>Salom&nbsp;<strong>дунё</strong></p><ul><li>a &amp; b</li></ul>"),
            "Salom дунё a & b"
        );
    }
}
