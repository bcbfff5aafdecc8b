//! The domain vocabulary of the Open eGov Platform.
//!
//! This crate owns the types every other crate speaks in: identifiers (slugs, e-mail addresses, member
//! classes, legal ids), languages and localized text, roles, and password hashing. Each type has one
//! `parse` (or `FromStr`) that is the only way in, so past the edge nothing handles a raw string where a
//! type exists.
//!
//! Everyone may depend on this crate; it depends on nothing of ours and does no I/O (no files, no network,
//! no database, no clock reads outside [`clock`]).

pub mod appeal;
pub mod assist;
pub mod ca;
pub mod clock;
pub mod content;
pub mod grants;
pub mod ids;
pub mod lang;
pub mod openapi;
pub mod password;
pub mod roles;
pub mod xroad;

pub use appeal::AppealNumber;
pub use content::{
    AppealStatus, ApplicationStatus, ContentKind, Environment, ServiceStatus, Status, Workflow,
};
pub use grants::EndpointPattern;
pub use ids::{Email, FileName, ItemSlug, LegalId, MemberClass, OrgId, Slug, UserId};
pub use lang::{Lang, Languages, Localized, Resolved};
pub use roles::Role;
pub use xroad::{
    ClientId, InstanceCode, MemberCode, MemberId, ServiceCode, ServiceId, SubsystemCode,
    SubsystemId,
};

/// Why a value from outside was refused. The message names the field's rule, never echoes secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {why}")]
pub struct ParseError {
    pub what: &'static str,
    pub why: String,
}

impl ParseError {
    pub fn new(what: &'static str, why: impl Into<String>) -> Self {
        Self {
            what,
            why: why.into(),
        }
    }
}
