//! The words the assistant treats specially: words that carry no subject (stop words), words citizens use
//! for the same thing (synonym groups), words of each content kind, words of abuse, and the letters and
//! words that tell the languages apart.
//!
//! The lists live in `lexicon/*.txt` (plain lower case, editable by a linguist without touching code) and
//! are compiled in; synonyms are stemmed with the index's own analyzers when the assistant starts, so
//! "ministers", "minister's" and "minister" meet.

use std::collections::HashSet;
use std::sync::OnceLock;

use egov_core::{ContentKind, Lang};

/// One word list of the assistant, as shipped in `lexicon/`: `#` starts a comment, blank lines are skipped.
fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// Words that carry no subject of their own, in any of the platform's languages.
pub(crate) fn is_stop_word(word: &str) -> bool {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| {
            lines(include_str!("../lexicon/stopwords.txt"))
                .flat_map(str::split_whitespace)
                .collect()
        })
        .contains(word)
}

/// Groups of words citizens use for one thing, per language. A question's word brings in its group at a
/// lower weight, so "boss of the ministry" finds "the Minister".
pub(crate) fn synonym_groups(lang: Lang) -> Vec<Vec<&'static str>> {
    let text = match lang.as_str() {
        "en" => include_str!("../lexicon/synonyms-en.txt"),
        "ru" => include_str!("../lexicon/synonyms-ru.txt"),
        "tg" => include_str!("../lexicon/synonyms-tg.txt"),
        "kk" => include_str!("../lexicon/synonyms-kk.txt"),
        _ => "",
    };
    lines(text)
        .map(|l| l.split_whitespace().collect())
        .collect()
}

/// Words that name each kind of content, so "job" finds vacancies and "who runs" finds the leadership.
pub(crate) fn kind_words(kind: ContentKind, lang: Lang) -> &'static str {
    use ContentKind as K;
    match (lang.as_str(), kind) {
        ("en", K::News) => "news",
        ("en", K::Document) => "document legal act",
        ("en", K::Page) => "",
        ("en", K::Leader) => "leadership head",
        ("en", K::Unit) => "structure department",
        ("en", K::Vacancy) => "vacancy job",
        ("en", K::Event) => "event",
        ("en", K::Service) => "service online",
        ("ru", K::News) => "новости",
        ("ru", K::Document) => "документ правовой акт",
        ("ru", K::Leader) => "руководство руководитель",
        ("ru", K::Unit) => "структура подразделение",
        ("ru", K::Vacancy) => "вакансия работа",
        ("ru", K::Event) => "мероприятие",
        ("ru", K::Service) => "услуга онлайн",
        ("tg", K::News) => "хабар",
        ("tg", K::Document) => "ҳуҷҷат санад",
        ("tg", K::Leader) => "роҳбарият роҳбар",
        ("tg", K::Unit) => "сохтор шуъба",
        ("tg", K::Vacancy) => "вакансия кор",
        ("tg", K::Event) => "чорабинӣ",
        ("tg", K::Service) => "хизматрасонӣ онлайн",
        ("kk", K::Leader) => "басшылық басшы",
        ("kk", K::Vacancy) => "вакансия жұмыс",
        ("kk", K::Service) => "қызмет онлайн",
        _ => "",
    }
}

/// Whether the question is abusive.
pub(crate) fn is_abusive(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != ' ')
        .flat_map(|chunk| chunk.split(' '))
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    // Words of abuse: matched at the start of the question's words, or as a phrase when they hold a space.
    lines(include_str!("../lexicon/abuse.txt")).any(|a| {
        if a.contains(' ') {
            joined.contains(a)
        } else {
            words.iter().any(|w| w.starts_with(a))
        }
    })
}

/// The language a question is written in, when its letters or its little words say so clearly; `None`
/// when they do not (the page's language is then assumed).
pub(crate) fn detect_lang(text: &str, candidates: &[Lang]) -> Option<Lang> {
    let pick = |code: &str| candidates.iter().copied().find(|l| l.as_str() == code);
    let (mut latin, mut cyrillic) = (0usize, 0usize);
    let (mut tajik, mut kazakh) = (0usize, 0usize);
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' => latin += 1,
            'ҳ' | 'ҷ' | 'ӣ' | 'ӯ' => {
                tajik += 1;
                cyrillic += 1;
            }
            'ә' | 'ң' | 'ө' | 'ұ' | 'ү' | 'һ' | 'і' => {
                kazakh += 1;
                cyrillic += 1;
            }
            '\u{0400}'..='\u{04FF}' => cyrillic += 1,
            _ => {}
        }
    }
    if latin > cyrillic * 2 {
        return pick("en");
    }
    if cyrillic == 0 {
        return None;
    }
    if tajik > kazakh {
        return pick("tg");
    }
    if kazakh > tajik {
        return pick("kk");
    }
    // Cyrillic without the telling letters: Russian, or Tajik/Kazakh typed on a Russian keyboard.
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    let ru = count(&[
        "как",
        "где",
        "когда",
        "кто",
        "что",
        "можно",
        "мне",
        "ли",
        "в",
        "на",
        "для",
        "и",
        "не",
        "какой",
        "какие",
        "нужно",
        "получить",
    ]);
    let tg = count(&[
        "чи",
        "чй",
        "куч",
        "кучо",
        "кай",
        "ки",
        "дар",
        "ба",
        "аз",
        "барои",
        "ва",
        "ман",
        "чист",
        "аст",
        "кадом",
        "мумкин",
        "хаст",
        "чихел",
    ]);
    if ru > tg {
        pick("ru")
    } else if tg > ru {
        pick("tg")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Vec<Lang> {
        ["tg", "ru", "en"]
            .iter()
            .map(|l| Lang::parse(l).unwrap())
            .collect()
    }

    #[test]
    fn tells_languages_apart() {
        let l = langs();
        let d = |t: &str| detect_lang(t, &l).map(|l| l.to_string());
        assert_eq!(d("How do I pay taxes online?").as_deref(), Some("en"));
        assert_eq!(d("Как заплатить налог онлайн?").as_deref(), Some("ru"));
        assert_eq!(d("Андозро чӣ тавр пардохт кунам?").as_deref(), Some("tg"));
        assert_eq!(
            d("Андозро чи тавр пардохт кунам дар интернет?").as_deref(),
            Some("tg")
        );
        assert_eq!(d("12345 ?!").as_deref(), None);
        // Kazakh is not among this deployment's languages.
        assert_eq!(
            d("Салықты қалай төлеуге болады, әкімдік қайда?").as_deref(),
            None
        );
    }

    #[test]
    fn abuse_is_caught_in_its_forms() {
        assert!(is_abusive("you are useless, idiots"));
        assert!(is_abusive("ты тупой бот"));
        assert!(is_abusive("ту аблаҳ ҳастӣ"));
        assert!(!is_abusive("how do i register a company"));
        assert!(!is_abusive("где находится посольство"));
    }
}
