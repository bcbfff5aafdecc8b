//! `egov user …`: accounts managed from the command line (the first platform admin is made this way).

use std::io::BufRead;

use anyhow::{Context, bail};
use egov_core::{Email, Role, Slug};
use egov_store::{Actor, NewUser, Store, StoreError};

use crate::demo::random_password;

/// Where a new password comes from.
pub enum PasswordSource {
    /// Generate one and print it once.
    Generate,
    /// Read one line from standard input (for scripts: `echo "$PW" | egov user add … --password-stdin`).
    Stdin,
}

fn obtain(source: PasswordSource) -> anyhow::Result<(String, bool)> {
    match source {
        PasswordSource::Generate => Ok((random_password(), true)),
        PasswordSource::Stdin => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let pw = line.trim_end_matches(['\r', '\n']).to_owned();
            egov_core::password::check_strength(&pw)?;
            Ok((pw, false))
        }
    }
}

/// Creates an account with one role. Every input is checked before anything is written, so a bad role,
/// e-mail or organization changes nothing.
pub async fn add(
    store: &Store,
    email: &str,
    role: &str,
    org: Option<&str>,
    name: Option<&str>,
    source: PasswordSource,
) -> anyhow::Result<String> {
    let email = Email::parse(email)?;
    let role: Role = role.parse()?;
    let org_id = match (role.needs_org(), org) {
        (true, None) => bail!("role {role} acts within an organization: give --org SLUG"),
        (false, Some(_)) => bail!("role {role} is platform-wide: leave out --org"),
        (false, None) => None,
        (true, Some(slug)) => {
            let slug = Slug::parse(slug)?;
            Some(
                store
                    .organization_by_slug(&slug)
                    .await?
                    .with_context(|| format!("no organization with slug {slug}"))?
                    .id,
            )
        }
    };
    if store.user_by_email(&email).await?.is_some() {
        bail!(
            "an account for {email} already exists (use `egov user passwd` to reset its password)"
        );
    }
    let (password, generated) = obtain(source)?;
    let hash = egov_core::password::hash(&password)?;
    let display_name = name.map_or_else(
        || email.as_str().split('@').next().unwrap_or("").to_owned(),
        str::to_owned,
    );
    let new = NewUser {
        email: email.clone(),
        display_name,
        password_hash: hash,
    };
    match store
        .create_user_with_role(&new, role, org_id, &Actor::Cli)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => bail!("an account for {email} already exists"),
        Err(e) => return Err(e.into()),
    }
    Ok(if generated {
        format!("created {email} ({role}); password: {password}\nIt is shown only this once.")
    } else {
        format!("created {email} ({role})")
    })
}

/// Sets a new password and ends the account's sessions.
pub async fn passwd(store: &Store, email: &str, source: PasswordSource) -> anyhow::Result<String> {
    let email = Email::parse(email)?;
    let user = store
        .user_by_email(&email)
        .await?
        .with_context(|| format!("no account for {email}"))?;
    let (password, generated) = obtain(source)?;
    let hash = egov_core::password::hash(&password)?;
    store.set_password(user.id, &hash, &Actor::Cli).await?;
    Ok(if generated {
        format!(
            "new password for {email}: {password}\nIt is shown only this once; every session of the account was ended."
        )
    } else {
        format!("password of {email} changed; every session of the account was ended")
    })
}
