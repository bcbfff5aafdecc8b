//! Tajik and Kazakh: Cyrillic folding and light suffix stripping — our own, because no stemmer ships for
//! either language.
//!
//! **Folding** maps the letters a Russian keyboard lacks to their nearest plain Cyrillic letter, because many
//! people type Tajik and Kazakh on one: Tajik ӣ→и, ӯ→у, қ→к, ғ→г, ҳ→х, ҷ→ч; Kazakh ә→а, ғ→г, қ→к, ң→н, ө→о,
//! ұ→у, ү→у, һ→х, і→и; both ё→е. Folding is applied to the indexed text and to the query alike, so "вазоратхо"
//! finds "вазоратҳо".
//!
//! **Stripping** removes inflectional endings from the end of a folded word, longest first, while at least
//! three letters remain, a bounded number of times (endings stack: "вазоратҳоро" = вазорат + ҳо + ро). The lists
//! are deliberately short — the plural, case, izofat and possessive endings that cover most forms in official
//! texts — so that unrelated words are rarely merged. They are not a morphological analyser; the unit tests
//! below pin down the forms they must join and the words they must keep apart.

/// Tajik letters folded to the letters of a Russian keyboard.
pub fn fold_tajik(c: char) -> char {
    match c {
        'ӣ' => 'и',
        'ӯ' => 'у',
        'қ' => 'к',
        'ғ' => 'г',
        'ҳ' => 'х',
        'ҷ' => 'ч',
        'ё' => 'е',
        c => c,
    }
}

/// Kazakh letters folded to the letters of a Russian keyboard.
pub fn fold_kazakh(c: char) -> char {
    match c {
        'ә' => 'а',
        'ғ' => 'г',
        'қ' => 'к',
        'ң' => 'н',
        'ө' => 'о',
        'ұ' | 'ү' => 'у',
        'һ' => 'х',
        'і' => 'и',
        'ё' => 'е',
        c => c,
    }
}

/// Tajik endings, already folded. Plural (-ҳо, -он/-ён/-гон), izofat (-и, -йи), object (-ро), plural
/// possessives (-амон, -атон, -ашон), indefinite (-е), comparative (-тар, -тарин), adjectival (-ӣ folded to -и),
/// verbal person endings (-анд, -ад, -ем, -ед). The one-syllable possessives -ам, -ат, -аш are left out on
/// purpose: too many nouns end that way (давлат, хизмат, ҳуҷҷат), and cutting them merges unrelated words.
const TAJIK_ENDINGS: &[&str] = &[
    "тарин",
    "ашон",
    "атон",
    "амон",
    "хои",
    "хоро",
    "хо",
    "гон",
    "они",
    "он",
    "ён",
    "анд",
    "тар",
    "ро",
    "ад",
    "ем",
    "ед",
    "и",
    "е",
    "й",
];

/// Kazakh endings, already folded: plural (-лар/-лер/-дар/-дер/-тар/-тер), genitive (-нын/-нин/-дын/-дин/-тын/
/// -тин), dative (-га/-ге/-ка/-ке/-на/-не), accusative (-ды/-ди/-ны/-ни; the -ты/-ти of stems ending in a
/// voiceless consonant is cut as -ы/-и and the doubled consonant left behind is collapsed, so "құжатты" and
/// "құжаты" both meet "құжат"), locative (-да/-де/-та/-те, -нда/-нде), ablative (-дан/-ден/-тан/-тен/-нан/-нен),
/// instrumental (-мен/-бен/-пен), possessive (-сы/-си, -ы/-и, -ым/-им, -ын/-ин), and the frequent derivational
/// -лык/-лик/-дык/-дик/-тык/-тик.
const KAZAKH_ENDINGS: &[&str] = &[
    "лардын",
    "лердин",
    "ларга",
    "лерге",
    "лары",
    "лери",
    "лар",
    "лер",
    "дар",
    "дер",
    "тар",
    "тер",
    "нын",
    "нин",
    "дын",
    "дин",
    "тын",
    "тин",
    "дан",
    "ден",
    "тан",
    "тен",
    "нан",
    "нен",
    "нда",
    "нде",
    "мен",
    "бен",
    "пен",
    "лык",
    "лик",
    "дык",
    "дик",
    "тык",
    "тик",
    "га",
    "ге",
    "ка",
    "ке",
    "на",
    "не",
    "ды",
    "ди",
    "ны",
    "ни",
    "да",
    "де",
    "та",
    "те",
    "сы",
    "си",
    "ым",
    "им",
    "ын",
    "ин",
    "ы",
    "и",
];

fn strip(word: &str, endings: &[&str], rounds: usize) -> String {
    let mut w = word.to_owned();
    for _ in 0..rounds {
        let len = w.chars().count();
        let cut = endings
            .iter()
            .filter(|e| w.ends_with(*e))
            .map(|e| e.chars().count())
            .filter(|n| len - n >= 3)
            .max();
        match cut {
            Some(n) => w = w.chars().take(len - n).collect(),
            None => break,
        }
    }
    w
}

/// The stem of a folded, lower-cased Tajik word.
pub fn stem_tajik(word: &str) -> String {
    strip(word, TAJIK_ENDINGS, 2)
}

/// The stem of a folded, lower-cased Kazakh word.
pub fn stem_kazakh(word: &str) -> String {
    let mut stem = strip(word, KAZAKH_ENDINGS, 3);
    let chars: Vec<char> = stem.chars().collect();
    if let [.., a, b] = chars[..]
        && a == b
        && !"аеиоуыэюя".contains(a)
        && chars.len() > 3
    {
        stem.pop();
    }
    stem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tg(w: &str) -> String {
        stem_tajik(&w.to_lowercase().chars().map(fold_tajik).collect::<String>())
    }

    fn kk(w: &str) -> String {
        stem_kazakh(
            &w.to_lowercase()
                .chars()
                .map(fold_kazakh)
                .collect::<String>(),
        )
    }

    fn same(f: fn(&str) -> String, words: &[&str]) {
        let first = f(words[0]);
        for w in words {
            assert_eq!(f(w), first, "{w} should share the stem of {}", words[0]);
        }
    }

    #[test]
    fn tajik_forms_meet() {
        same(
            tg,
            &[
                "вазорат",
                "вазоратҳо",
                "вазоратҳоро",
                "вазорати",
                "Вазоратро",
                "вазоратхо",
            ],
        );
        same(
            tg,
            &[
                "шаҳодатнома",
                "шаҳодатномаҳо",
                "шаҳодатномаи",
                "шаҳодатномаро",
            ],
        );
        same(tg, &["хизматрасонӣ", "хизматрасониҳо", "хизматрасонии"]);
        same(tg, &["андоз", "андозҳо", "андози", "андозро"]);
        same(tg, &["сомона", "сомонаҳо", "сомонаи", "сомонаҳои"]);
        same(tg, &["мутахассис", "мутахассисон", "мутахассисони"]);
        same(tg, &["ҳуҷҷат", "ҳуҷҷатҳо", "ҳуҷҷатро", "хуччат"]);
    }

    #[test]
    fn tajik_keeps_words_apart() {
        assert_ne!(tg("вазир"), tg("вазорат"));
        assert_ne!(tg("андоз"), tg("анд"));
        assert_ne!(tg("савдо"), tg("сафар"));
        // Short words are never cut below three letters.
        assert_eq!(tg("ро"), "ро");
        assert_eq!(tg("дар"), "дар");
    }

    #[test]
    fn kazakh_forms_meet() {
        same(
            kk,
            &[
                "министрлік",
                "министрліктер",
                "министрліктердің",
                "министрлікке",
                "министрлікте",
            ],
        );
        same(
            kk,
            &["қызмет", "қызметтер", "қызметтердің", "қызметі", "кызмет"],
        );
        same(
            kk,
            &["мемлекет", "мемлекеттер", "мемлекеттің", "мемлекетке"],
        );
        same(kk, &["құжат", "құжаттар", "құжаттарды", "құжатты"]);
        same(kk, &["азамат", "азаматтар", "азаматтарға", "азаматтың"]);
    }

    #[test]
    fn kazakh_keeps_words_apart() {
        assert_ne!(kk("мемлекет"), kk("министр"));
        assert_ne!(kk("қала"), kk("қазақ"));
        assert_eq!(kk("үй"), "уй");
    }

    #[test]
    fn folding() {
        assert_eq!(
            "ҳуҷҷатҳои ӯ".chars().map(fold_tajik).collect::<String>(),
            "хуччатхои у"
        );
        assert_eq!(
            "әлеуметтік қөмек"
                .chars()
                .map(fold_kazakh)
                .collect::<String>(),
            "алеуметтик кокек".replace("кокек", "комек")
        );
    }
}
