//! Cutting published text into passages: paragraphs (from the HTML's block elements) into sentences, and
//! sentences into short runs that can answer a question on their own.

use egov_search::plain_text;

/// Longest passage, in characters; a longer paragraph is cut between sentences.
const PASSAGE_CHARS: usize = 420;

/// The paragraphs of an HTML fragment, as plain text: block elements and line breaks end a paragraph.
pub fn paragraphs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut current = String::new();
    while let Some(start) = rest.find('<') {
        current.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = rest[start + 1..start + len]
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let block = matches!(
            tag.as_str(),
            "p" | "li"
                | "br"
                | "div"
                | "tr"
                | "td"
                | "th"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "ul"
                | "ol"
                | "table"
                | "blockquote"
                | "section"
                | "dd"
                | "dt"
        );
        if block {
            push_paragraph(&mut out, &current);
            current.clear();
        } else {
            current.push(' ');
        }
        rest = &rest[start + len + 1..];
    }
    current.push_str(rest);
    push_paragraph(&mut out, &current);
    out
}

fn push_paragraph(out: &mut Vec<String>, html_text: &str) {
    let text = plain_text(html_text);
    if !text.is_empty() {
        out.push(text);
    }
}

/// Abbreviations after which a full stop does not end a sentence (lower case, without the stop).
const ABBREVIATIONS: &[&str] = &[
    "г", "гг", "т", "д", "др", "пр", "ул", "им", "см", "ш", "с", "р", "н", "no", "mr", "mrs", "dr",
    "st", "e.g", "i.e", "vs", "etc", "ст", "п", "тел", "каб", "млн", "млрд", "тыс", "corp", "inc",
    "ltd",
];

/// The sentences of a paragraph. A stop ends a sentence when a space and a capital letter, digit or quote
/// follow, unless it closes an initial (`И.`) or a known abbreviation (`г.`).
pub fn sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '.' | '!' | '?' | ';' | '…') && ends_here(&chars, i) {
            push_sentence(&mut out, &chars[start..=i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < chars.len() {
        push_sentence(&mut out, &chars[start..]);
    }
    out
}

fn ends_here(chars: &[char], i: usize) -> bool {
    // Followed by space and then a capital, digit or opening quote (or the end).
    let mut j = i + 1;
    while j < chars.len() && matches!(chars[j], '.' | '!' | '?' | '"' | '»' | ')' | '”') {
        j += 1;
    }
    if j == chars.len() {
        return true;
    }
    if !chars[j].is_whitespace() {
        return false;
    }
    let next = chars[j..].iter().find(|c| !c.is_whitespace());
    let Some(&next) = next else {
        return true;
    };
    if !(next.is_uppercase() || next.is_ascii_digit() || matches!(next, '«' | '"' | '“' | '(')) {
        return false;
    }
    if chars[i] != '.' {
        return true;
    }
    // The word before the stop: an initial or an abbreviation keeps the sentence going.
    let word_start = chars[..i]
        .iter()
        .rposition(|c| c.is_whitespace() || matches!(c, '(' | '«' | '"'))
        .map_or(0, |p| p + 1);
    let word: String = chars[word_start..i]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let initial = word.chars().count() == 1 && chars[word_start].is_uppercase();
    !(initial || ABBREVIATIONS.contains(&word.as_str()))
}

fn push_sentence(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s.to_owned());
    }
}

/// Groups a text's sentences into passages of at most [`PASSAGE_CHARS`] (a longer sentence stands alone),
/// never across paragraphs. Each passage is the list of its sentences.
pub fn passages(paragraphs: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for p in paragraphs {
        let mut current: Vec<String> = Vec::new();
        let mut len = 0;
        for s in sentences(p) {
            let n = s.chars().count();
            if !current.is_empty() && len + n > PASSAGE_CHARS {
                out.push(std::mem::take(&mut current));
                len = 0;
            }
            len += n + 1;
            current.push(s);
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_follow_block_elements() {
        let p = paragraphs(
            "<p>One <b>bold</b> line.</p><ul><li>first</li><li>second &amp; third</li></ul>tail",
        );
        assert_eq!(p, vec!["One bold line.", "first", "second & third", "tail"]);
    }

    #[test]
    fn sentences_keep_initials_and_abbreviations() {
        let s = sentences(
            "Приказ подписал И. Шарифзода 3 марта 2025 г. в Душанбе. Он вступает в силу сразу! А что дальше? 12 пунктов.",
        );
        assert_eq!(
            s,
            vec![
                "Приказ подписал И. Шарифзода 3 марта 2025 г. в Душанбе.",
                "Он вступает в силу сразу!",
                "А что дальше?",
                "12 пунктов."
            ]
        );
        assert_eq!(sentences("version 1.5 is out. next").len(), 1);
    }

    #[test]
    fn passages_stay_short_and_within_paragraphs() {
        let long = "Sentence number one is here. ".repeat(40);
        let ps = passages(&[long, "Short one.".to_owned()]);
        assert!(ps.len() >= 3);
        assert!(
            ps.iter()
                .all(|p| p.join(" ").chars().count() <= PASSAGE_CHARS + 40)
        );
        assert_eq!(ps.last().unwrap(), &vec!["Short one.".to_owned()]);
    }
}
