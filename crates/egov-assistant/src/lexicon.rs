//! The words the assistant treats specially: words that carry no subject (stop words), words citizens use
//! for the same thing (synonym groups), words of each content kind, words of abuse, and the letters and
//! words that tell the languages apart.
//!
//! All lists are per language and written in plain lower case; they are stemmed with the index's own
//! analyzers when the assistant starts, so "ministers", "minister's" and "minister" meet.

use egov_core::{ContentKind, Lang};

/// Words that carry no subject of their own, in any of the platform's languages.
pub(crate) const STOP_WORDS: &[&str] = &[
    // English
    "a",
    "about",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "for",
    "from",
    "get",
    "give",
    "got",
    "has",
    "have",
    "he",
    "her",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "know",
    "let",
    "me",
    "much",
    "my",
    "need",
    "of",
    "on",
    "or",
    "our",
    "please",
    "she",
    "should",
    "so",
    "some",
    "tell",
    "than",
    "that",
    "the",
    "their",
    "them",
    "there",
    "they",
    "this",
    "to",
    "want",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "s",
    "t",
    "many",
    "find",
    "out",
    "up",
    "one",
    "these",
    "those",
    "go",
    "going",
    "like",
    "really",
    "just",
    "am",
    "us",
    "still",
    // Russian
    "а",
    "без",
    "бы",
    "был",
    "была",
    "были",
    "было",
    "в",
    "во",
    "вы",
    "где",
    "да",
    "для",
    "до",
    "его",
    "ее",
    "её",
    "если",
    "есть",
    "же",
    "за",
    "и",
    "из",
    "или",
    "им",
    "их",
    "к",
    "как",
    "какая",
    "какие",
    "каким",
    "какой",
    "когда",
    "кто",
    "ли",
    "мне",
    "можно",
    "мой",
    "моя",
    "мы",
    "на",
    "надо",
    "не",
    "нужно",
    "о",
    "об",
    "он",
    "она",
    "они",
    "от",
    "по",
    "подскажите",
    "пожалуйста",
    "при",
    "про",
    "с",
    "со",
    "скажите",
    "так",
    "там",
    "то",
    "у",
    "хочу",
    "что",
    "чтобы",
    "это",
    "этот",
    "эта",
    "я",
    "чем",
    "куда",
    "сколько",
    "каков",
    "какова",
    "кого",
    "кем",
    "чего",
    "мою",
    "моего",
    "свой",
    "свою",
    "узнать",
    "ну",
    "получить",
    "сделать",
    "нужны",
    "нужен",
    "нужна",
    "можем",
    "могу",
    "ещё",
    "еще",
    "ваш",
    "вас",
    // Tajik
    "аз",
    "ба",
    "бо",
    "барои",
    "бояд",
    "бораи",
    "буд",
    "ва",
    "дар",
    "ё",
    "ин",
    "кай",
    "кадом",
    "куҷо",
    "кӣ",
    "ки",
    "киро",
    "лозим",
    "ман",
    "маро",
    "мо",
    "мумкин",
    "он",
    "оё",
    "аст",
    "ҳаст",
    "нест",
    "чӣ",
    "чи",
    "чиро",
    "чист",
    "тавр",
    "гуна",
    "шумо",
    "ҳам",
    "то",
    "илтимос",
    "мехоҳам",
    "метавонам",
    "мебошад",
    "шуд",
    "мешавад",
    "худ",
    "оид",
    "чанд",
    "кист",
    "кучо",
    "чй",
    "хам",
    "хаст",
    "барон",
    "кадомаш",
    "чаро",
    "ҳамин",
    "онҳо",
    "вай",
    "ӯ",
    "аҳ",
    "мешавам",
    "кунам",
    "кард",
    "кунад",
    // Kazakh
    "мен",
    "маған",
    "және",
    "немесе",
    "бойынша",
    "үшін",
    "туралы",
    "бар",
    "ма",
    "ме",
    "ба",
    "бе",
    "па",
    "пе",
    "қалай",
    "қайда",
    "қашан",
    "кім",
    "не",
    "қандай",
    "керек",
    "болады",
    "бұл",
    "сол",
    "осы",
    "деген",
];

/// Groups of words citizens use for one thing, per language. A question's word brings in its group at a
/// lower weight, so "boss of the ministry" finds "the Minister".
pub(crate) fn synonym_groups(lang: Lang) -> &'static [&'static [&'static str]] {
    match lang.as_str() {
        "en" => EN_GROUPS,
        "ru" => RU_GROUPS,
        "tg" => TG_GROUPS,
        "kk" => KK_GROUPS,
        _ => &[],
    }
}

const EN_GROUPS: &[&[&str]] = &[
    &[
        "minister",
        "head",
        "chief",
        "boss",
        "leader",
        "director",
        "chairman",
        "chair",
        "mayor",
        "leadership",
        "runs",
        "charge",
        "heads",
    ],
    &[
        "job",
        "vacancy",
        "position",
        "work",
        "career",
        "hiring",
        "employment",
        "opening",
        "post",
        "recruitment",
    ],
    &[
        "law",
        "order",
        "decree",
        "regulation",
        "rule",
        "resolution",
        "act",
        "legal",
        "procedure",
    ],
    &[
        "meeting",
        "talks",
        "negotiations",
        "visit",
        "met",
        "summit",
        "meet",
    ],
    &[
        "address", "located", "location", "office", "building", "street",
    ],
    &[
        "phone",
        "telephone",
        "call",
        "contact",
        "email",
        "hotline",
        "reach",
    ],
    &["tax", "taxes", "taxation", "levy", "duty", "taxpayer"],
    &["passport", "identity", "id"],
    &[
        "register",
        "registration",
        "enrol",
        "enroll",
        "apply",
        "application",
        "book",
        "booking",
        "appointment",
        "sign",
    ],
    &["pay", "payment", "fee", "fees", "cost", "price", "charge"],
    &[
        "company",
        "business",
        "enterprise",
        "firm",
        "entrepreneur",
        "entrepreneurs",
    ],
    &["event", "conference", "forum", "briefing", "ceremony"],
    &[
        "department",
        "division",
        "unit",
        "directorate",
        "service",
        "agency",
    ],
    &[
        "agreement",
        "treaty",
        "deal",
        "memorandum",
        "accord",
        "pact",
    ],
    &["investment", "investor", "invest", "investors"],
    &["online", "electronic", "digital", "internet", "e"],
    &[
        "abroad",
        "foreign",
        "overseas",
        "embassy",
        "consular",
        "consulate",
    ],
    &["road", "roads", "highway", "transport", "bus", "traffic"],
    &["city", "town", "capital", "municipal"],
    &["school", "education", "student", "students", "university"],
    &["doctor", "health", "hospital", "clinic", "medical"],
    &["police", "militia", "interior", "crime"],
    &["price", "prices", "inflation", "cost"],
    &["car", "vehicle", "automobile", "auto", "vehicles", "cars"],
    &["papers", "documents", "paperwork", "document"],
    &["certificate", "certificates", "statement", "reference"],
    &["marriage", "wedding", "marry", "married"],
    &["birth", "born", "newborn"],
];

const RU_GROUPS: &[&[&str]] = &[
    &[
        "министр",
        "руководитель",
        "глава",
        "начальник",
        "председатель",
        "директор",
        "руководство",
        "мэр",
        "возглавляет",
        "главный",
    ],
    &[
        "работа",
        "вакансия",
        "должность",
        "трудоустройство",
        "карьера",
        "работу",
        "вакансии",
        "устроиться",
        "место",
    ],
    &[
        "закон",
        "приказ",
        "постановление",
        "указ",
        "положение",
        "правила",
        "порядок",
        "акт",
        "документ",
        "норматив",
    ],
    &[
        "встреча",
        "переговоры",
        "визит",
        "саммит",
        "встретился",
        "встречались",
        "посещение",
    ],
    &[
        "адрес",
        "находится",
        "расположен",
        "здание",
        "улица",
        "офис",
    ],
    &[
        "телефон",
        "позвонить",
        "связаться",
        "контакты",
        "почта",
        "звонить",
    ],
    &[
        "налог",
        "налоги",
        "налоговый",
        "налогообложение",
        "пошлина",
        "налогоплательщик",
    ],
    &["паспорт", "удостоверение"],
    &[
        "регистрация",
        "записаться",
        "запись",
        "зарегистрировать",
        "подать",
        "заявление",
        "оформить",
        "зарегистрироваться",
        "заявка",
    ],
    &[
        "оплата",
        "платить",
        "заплатить",
        "стоимость",
        "цена",
        "плата",
        "оплатить",
    ],
    &[
        "компания",
        "бизнес",
        "предприятие",
        "фирма",
        "предприниматель",
        "предпринимателей",
    ],
    &[
        "событие",
        "мероприятие",
        "конференция",
        "форум",
        "брифинг",
        "церемония",
    ],
    &[
        "управление",
        "отдел",
        "департамент",
        "подразделение",
        "служба",
    ],
    &["соглашение", "договор", "меморандум", "договорённость"],
    &["инвестиции", "инвестор", "инвестировать", "инвестиционный"],
    &[
        "электронный",
        "онлайн",
        "цифровой",
        "интернет",
        "электронно",
    ],
    &[
        "заграница",
        "зарубеж",
        "иностранный",
        "посольство",
        "консульский",
        "консульство",
        "рубежом",
    ],
    &[
        "дорога",
        "дороги",
        "трасса",
        "транспорт",
        "автобус",
        "движение",
    ],
    &["город", "столица", "городской", "хукумат"],
    &["школа", "образование", "учёба", "студент", "университет"],
    &["врач", "здоровье", "больница", "поликлиника", "медицина"],
    &["полиция", "милиция", "внутренних", "преступление"],
    &[
        "машина",
        "автомобиль",
        "авто",
        "транспортное",
        "машину",
        "автомобили",
    ],
    &[
        "учёт",
        "учет",
        "регистрация",
        "регистрировать",
        "зарегистрировать",
    ],
    &["справка", "свидетельство", "выписка"],
    &["свадьба", "брак", "жениться", "выйти", "бракосочетание"],
    &["ребёнок", "ребенок", "дети", "детей", "рождение"],
];

const TG_GROUPS: &[&[&str]] = &[
    &[
        "вазир",
        "роҳбар",
        "сардор",
        "раис",
        "директор",
        "роҳбарият",
        "мудир",
        "сарвар",
    ],
    &[
        "кор",
        "вакансия",
        "ҷои",
        "мансаб",
        "корӣ",
        "холӣ",
        "кориёбӣ",
    ],
    &[
        "қонун",
        "фармоиш",
        "қарор",
        "фармон",
        "низомнома",
        "қоида",
        "санад",
        "тартиб",
        "ҳуҷҷат",
    ],
    &["вохӯрӣ", "музокира", "сафар", "ташриф", "мулоқот", "вохӯрд"],
    &["суроға", "ҷойгир", "бино", "кӯча", "идора"],
    &["телефон", "тамос", "почта", "занг"],
    &["андоз", "андозҳо", "боҷ", "андозсупоранда"],
    &["шиноснома", "паспорт"],
    &["сабт", "сабти", "номнавис", "ариза", "бақайдгирӣ", "қайд"],
    &["пардохт", "нарх", "арзиш", "маблағ", "пул"],
    &[
        "ширкат",
        "тиҷорат",
        "корхона",
        "соҳибкор",
        "соҳибкорӣ",
        "соҳибкорон",
    ],
    &["чорабинӣ", "конфронс", "форум", "брифинг", "маросим"],
    &["раёсат", "шуъба", "сохтор", "хадамот"],
    &["созишнома", "шартнома", "ёддошт", "тафоҳум"],
    &["сармоягузорӣ", "сармоягузор", "сармоя"],
    &["электронӣ", "онлайн", "рақамӣ", "интернет"],
    &["хориҷа", "хориҷӣ", "сафорат", "консулӣ", "консулгарӣ"],
    &["роҳ", "роҳҳо", "нақлиёт", "автобус", "ҳаракат"],
    &["шаҳр", "пойтахт", "шаҳрӣ", "мақомот"],
    &["мошин", "мошина", "автомобил", "нақлиёт"],
    &["маълумотнома", "шаҳодатнома", "тасдиқнома"],
    &["никоҳ", "тӯй", "издивоҷ", "оиладор"],
];

const KK_GROUPS: &[&[&str]] = &[
    &[
        "министр",
        "басшы",
        "бастық",
        "төраға",
        "директор",
        "басшылық",
        "әкім",
    ],
    &["жұмыс", "вакансия", "лауазым", "орын"],
    &[
        "заң",
        "бұйрық",
        "қаулы",
        "жарлық",
        "ереже",
        "тәртіп",
        "құжат",
    ],
    &["кездесу", "келіссөз", "сапар"],
    &["мекенжай", "орналасқан", "ғимарат", "көше"],
    &["телефон", "байланыс", "пошта"],
    &["салық", "салықтар", "баж"],
    &["тіркеу", "жазылу", "өтініш"],
    &["төлем", "төлеу", "баға", "құны"],
];

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

/// Words of abuse; a question carrying one gets a polite refusal. Matched on whole lower-case words or
/// their beginnings (so inflected forms are caught).
const ABUSE_PREFIXES: &[&str] = &[
    "idiot",
    "stupid",
    "moron",
    "dumb",
    "useless",
    "shut up",
    "hate you",
    "suck",
    "идиот",
    "дурак",
    "дура",
    "тупой",
    "тупая",
    "кретин",
    "придурок",
    "заткнись",
    "бесполезн",
    "ненавижу",
    "аблаҳ",
    "аҳмақ",
    "беақл",
    "хомӯш шав",
    "аблах",
    "ахмак",
    "бефаросат",
    "ақымақ",
    "топас",
    "есалаң",
];

/// Whether the question is abusive.
pub(crate) fn is_abusive(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != ' ')
        .flat_map(|chunk| chunk.split(' '))
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    ABUSE_PREFIXES.iter().any(|a| {
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
