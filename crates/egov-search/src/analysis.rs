//! Tokenizers registered on the index, one per language: Russian and English use tantivy's Snowball
//! stemmers; Tajik and Kazakh use the folding and suffix stripping of [`crate::stemming`].

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

use crate::stemming::{fold_kazakh, fold_tajik, stem_kazakh, stem_tajik};

/// The analyzers the index knows, by name (also the suffix of their fields: `title_tg`, `body_tg`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analyzer {
    Tajik,
    Kazakh,
    Russian,
    English,
    /// Lower-casing only, for any other language a deployment adds.
    Generic,
}

impl Analyzer {
    pub const ALL: [Analyzer; 5] = [
        Analyzer::Tajik,
        Analyzer::Kazakh,
        Analyzer::Russian,
        Analyzer::English,
        Analyzer::Generic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Analyzer::Tajik => "tg",
            Analyzer::Kazakh => "kk",
            Analyzer::Russian => "ru",
            Analyzer::English => "en",
            Analyzer::Generic => "xx",
        }
    }

    pub fn for_lang(lang: egov_core::Lang) -> Analyzer {
        match lang.as_str() {
            "tg" => Analyzer::Tajik,
            "kk" => Analyzer::Kazakh,
            "ru" => Analyzer::Russian,
            "en" => Analyzer::English,
            _ => Analyzer::Generic,
        }
    }

    pub fn build(self) -> TextAnalyzer {
        let base = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser);
        match self {
            Analyzer::Tajik => base.filter(Morph(Rules::Tajik)).build(),
            Analyzer::Kazakh => base.filter(Morph(Rules::Kazakh)).build(),
            Analyzer::Russian => base
                .filter(Morph(Rules::Yo))
                .filter(Stemmer::new(Language::Russian))
                .build(),
            Analyzer::English => base.filter(Stemmer::new(Language::English)).build(),
            Analyzer::Generic => base.filter(Morph(Rules::Yo)).build(),
        }
    }

    /// The tokens of `text` as this analyzer indexes them.
    pub fn tokens(self, text: &str) -> Vec<String> {
        Tokens::new(self).tokens(text)
    }
}

/// A built analyzer kept for reuse: building one per text costs more than analyzing a short text.
pub struct Tokens(TextAnalyzer);

impl Tokens {
    pub fn new(analyzer: Analyzer) -> Self {
        Tokens(analyzer.build())
    }

    /// The tokens of `text` as the index holds them.
    pub fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut stream = self.0.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }
}

#[derive(Clone, Copy)]
enum Rules {
    Tajik,
    Kazakh,
    /// Only ё → е (Russian texts write both).
    Yo,
}

impl Rules {
    fn apply(self, word: &str) -> String {
        match self {
            Rules::Tajik => stem_tajik(&word.chars().map(fold_tajik).collect::<String>()),
            Rules::Kazakh => stem_kazakh(&word.chars().map(fold_kazakh).collect::<String>()),
            Rules::Yo => word.replace('ё', "е"),
        }
    }
}

/// A token filter applying [`Rules`] to each (lower-cased) token.
#[derive(Clone)]
struct Morph(Rules);

impl TokenFilter for Morph {
    type Tokenizer<T: Tokenizer> = MorphFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> MorphFilter<T> {
        MorphFilter {
            rules: self.0,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct MorphFilter<T> {
    rules: Rules,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for MorphFilter<T> {
    type TokenStream<'a> = MorphStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MorphStream {
            rules: self.rules,
            tail: self.inner.token_stream(text),
        }
    }
}

pub struct MorphStream<T> {
    rules: Rules,
    tail: T,
}

impl<T: TokenStream> TokenStream for MorphStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        token.text = self.rules.apply(&token.text);
        true
    }
    fn token(&self) -> &Token {
        self.tail.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::Analyzer;

    #[test]
    fn each_language_meets_its_inflections() {
        assert_eq!(
            Analyzer::Russian.tokens("Договоры"),
            Analyzer::Russian.tokens("договором")
        );
        assert_eq!(
            Analyzer::Russian.tokens("учёт"),
            Analyzer::Russian.tokens("учет")
        );
        assert_eq!(
            Analyzer::English.tokens("treaties"),
            Analyzer::English.tokens("treaty")
        );
        assert_eq!(
            Analyzer::Tajik.tokens("Вазоратҳоро"),
            Analyzer::Tajik.tokens("вазорат")
        );
        assert_eq!(
            Analyzer::Kazakh.tokens("Министрліктердің"),
            Analyzer::Kazakh.tokens("министрлік")
        );
        assert_eq!(
            Analyzer::Tajik.tokens("ҳуҷҷат, (ҳуҷҷатҳо)!"),
            vec!["хуччат", "хуччат"]
        );
    }
}
