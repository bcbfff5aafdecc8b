//! What an agency's site is made of: kinds of content and the states of their workflow.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(ParseError::new($what, format!(
                        "{:?} is not one of {}", s.chars().take(32).collect::<String>(),
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
    };
}

closed_set!(
    /// A kind of content on an agency's site; each kind has its own section.
    ContentKind, "content kind" {
        News => "news",
        Document => "document",
        Page => "page",
        Leader => "leader",
        Unit => "unit",
        Vacancy => "vacancy",
        Event => "event",
        Service => "service",
    }
);

closed_set!(
    /// Where an item stands in the editorial workflow; only `Published` items are public.
    Status, "status" {
        Draft => "draft",
        InReview => "in-review",
        Published => "published",
        Archived => "archived",
    }
);

closed_set!(
    /// Where an item's newest revision stands: written (`draft`), waiting for a reviewer (`in-review`),
    /// approved to go live at a set time (`scheduled`), live (`published`), or withdrawn for good
    /// (`archived`). An item can be live while a newer revision is still a draft or in review.
    Workflow, "workflow state" {
        Draft => "draft",
        InReview => "in-review",
        Scheduled => "scheduled",
        Published => "published",
        Archived => "archived",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for k in ContentKind::ALL {
            assert_eq!(ContentKind::parse(k.as_str()).unwrap(), *k);
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
        }
        assert!(ContentKind::parse("../news").is_err());
        assert_eq!(
            serde_json::to_string(&Status::InReview).unwrap(),
            "\"in-review\""
        );
    }
}

closed_set!(
    /// Where a citizen's appeal stands: waiting for the agency, or answered.
    AppealStatus, "appeal status" {
        New => "new",
        Answered => "answered",
    }
);

closed_set!(
    /// Whether a service on the bridge takes new consumers.
    ServiceStatus, "service status" {
        Active => "active",
        Deprecated => "deprecated",
    }
);

closed_set!(
    /// Which of a service's endpoints an application or grant is for.
    Environment, "environment" {
        Test => "test",
        Production => "production",
    }
);

closed_set!(
    /// Where an access application stands.
    ApplicationStatus, "application status" {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
);
