//! What an access application asks for and a grant allows: endpoint patterns, a method (or `*`) and a path
//! in which `*` stands for one path segment and a final `/**` for anything below; OpenAPI's `{name}`
//! templates count as `*`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

const METHODS: [&str; 9] = [
    "*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EndpointPattern {
    pub method: String,
    pub path: String,
}

impl EndpointPattern {
    /// `GET /persons/*`, `* /companies/**`.
    pub fn parse(method: &str, path: &str) -> Result<Self, ParseError> {
        let method = method.trim().to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(ParseError::new(
                "endpoint",
                format!("{method:?} is not an HTTP method or *"),
            ));
        }
        let path = path.trim();
        if !path.starts_with('/') || path.len() > 200 {
            return Err(ParseError::new(
                "endpoint",
                "a path starts with / and has at most 200 characters",
            ));
        }
        if let Some(bad) = path
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~/{}*".contains(*c)))
        {
            return Err(ParseError::new(
                "endpoint",
                format!("the path contains {bad:?}"),
            ));
        }
        if path.contains("**") && !(path.ends_with("/**") && path.matches("**").count() == 1) {
            return Err(ParseError::new(
                "endpoint",
                "** may only end a path, as /**",
            ));
        }
        Ok(EndpointPattern {
            method,
            path: path.to_owned(),
        })
    }

    /// Whether a call (`GET`, `/persons/123`) falls under this pattern.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let want: Vec<&str> = self.path.trim_start_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let deep = want.last() == Some(&"**");
        let fixed = if deep {
            &want[..want.len() - 1]
        } else {
            &want[..]
        };
        if deep {
            if got.len() < fixed.len() {
                return false;
            }
        } else if got.len() != fixed.len() {
            return false;
        }
        fixed.iter().zip(&got).all(|(w, g)| segment_matches(w, g))
    }

    /// Whether every call this pattern allows is also allowed by `wider` (used to check that a request asks
    /// only for what the service has, and a decision narrows rather than widens).
    pub fn within(&self, wider: &EndpointPattern) -> bool {
        let method_ok = wider.method == "*" || wider.method == self.method;
        if !method_ok {
            return false;
        }
        if wider.path == self.path {
            return true;
        }
        // A deep pattern is within only another deep one.
        if self.path.ends_with("/**") && !wider.path.ends_with("/**") {
            return false;
        }
        // Stand-ins for the pattern's wildcards: a concrete path the wider pattern must allow.
        let sample = self.path.replace("/**", "/x").replace('*', "x");
        let method = if self.method == "*" {
            "GET"
        } else {
            &self.method
        };
        wider.matches(method, &sample)
    }
}

fn segment_matches(want: &str, got: &str) -> bool {
    if want == "*" || (want.starts_with('{') && want.ends_with('}')) {
        return !got.is_empty();
    }
    want == got
}

impl fmt::Display for EndpointPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// The date `days` working days (Monday to Friday) after `from`, at the same time of day.
pub fn add_working_days(from: crate::clock::Millis, days: u32) -> crate::clock::Millis {
    let mut t = from;
    let mut left = days;
    while left > 0 {
        t = t.plus_secs(86_400);
        // 1970-01-01 was a Thursday: day 0 → weekday 3 (Monday = 0).
        let weekday = (t.0.div_euclid(86_400_000) + 3).rem_euclid(7);
        if weekday < 5 {
            left -= 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Millis;

    fn p(m: &str, path: &str) -> EndpointPattern {
        EndpointPattern::parse(m, path).unwrap()
    }

    #[test]
    fn patterns_match_calls() {
        assert!(p("GET", "/persons/{id}").matches("GET", "/persons/1000123456"));
        assert!(p("get", "/persons/*").matches("GET", "/persons/1"));
        assert!(!p("GET", "/persons/*").matches("GET", "/persons/1/history"));
        assert!(!p("GET", "/persons/*").matches("POST", "/persons/1"));
        assert!(!p("GET", "/persons/*").matches("GET", "/persons/"));
        assert!(p("*", "/persons/**").matches("DELETE", "/persons/1/history"));
        assert!(p("*", "/persons/**").matches("GET", "/persons"));
        assert!(!p("GET", "/persons").matches("GET", "/persons/1"));
    }

    #[test]
    fn narrower_patterns_are_within_wider_ones() {
        assert!(p("GET", "/persons/{id}").within(&p("GET", "/persons/{id}")));
        assert!(p("GET", "/persons/{id}").within(&p("*", "/persons/**")));
        assert!(p("GET", "/persons/*").within(&p("GET", "/persons/{id}")));
        assert!(!p("*", "/persons/**").within(&p("GET", "/persons/{id}")));
        assert!(!p("POST", "/persons").within(&p("GET", "/persons")));
        assert!(!p("GET", "/companies/1").within(&p("GET", "/persons/{id}")));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for (m, path) in [
            ("FETCH", "/a"),
            ("GET", "a"),
            ("GET", "/a b"),
            ("GET", "/a/**/b"),
            ("GET", "/a?x=1"),
            ("GET", "/%2e%2e"),
        ] {
            assert!(EndpointPattern::parse(m, path).is_err(), "{m} {path}");
        }
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-11-20 + 1 working day = Monday 2026-11-23; + 10 = Friday 2026-12-04.
        let fri = Millis::from_date(2026, 11, 20).unwrap();
        assert_eq!(add_working_days(fri, 1).date(), (2026, 11, 23));
        assert_eq!(add_working_days(fri, 10).date(), (2026, 12, 4));
        assert_eq!(add_working_days(fri, 0), fri);
    }
}
