//! Roles, each held within an organization (a platform admin's is the operator organization, or none).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the whole deployment: organizations, users of every agency, configuration.
    PlatformAdmin,
    /// Manages one agency: its users and everything on its site.
    AgencyAdmin,
    /// Writes and edits the agency's content; cannot publish alone.
    Editor,
    /// Approves or sends back the agency's content.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::PlatformAdmin,
        Role::AgencyAdmin,
        Role::Editor,
        Role::Reviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform-admin",
            Role::AgencyAdmin => "agency-admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
        }
    }

    /// Whether the role must name the organization it acts in.
    pub fn needs_org(self) -> bool {
        !matches!(self, Role::PlatformAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    "role",
                    format!(
                        "unknown role {s:?}; expected one of platform-admin, agency-admin, editor, reviewer"
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        let e = "superuser".parse::<Role>().unwrap_err();
        assert!(e.to_string().contains("unknown role"));
    }
}
