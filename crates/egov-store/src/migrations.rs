//! Migrations embedded in the binary, one list per backend, applied by sqlx's migrator.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

macro_rules! migration_list {
    ($dir:literal: $($version:literal => $file:literal),* $(,)?) => {
        vec![$(Migration::new(
            $version,
            Cow::Borrowed($file),
            MigrationType::Simple,
            include_str!(concat!("../migrations/", $dir, "/", $file, ".sql")).into_sql_str(),
            false,
        )),*]
    };
}

pub(crate) fn sqlite() -> Migrator {
    Migrator::with_migrations(
        migration_list!("sqlite": 1 => "0001_foundation", 2 => "0002_content", 3 => "0003_appeals", 4 => "0004_registry", 5 => "0005_applications", 6 => "0006_credentials", 7 => "0007_certificates", 8 => "0008_gateway_log", 9 => "0009_cms"),
    )
}

pub(crate) fn postgres() -> Migrator {
    Migrator::with_migrations(
        migration_list!("postgres": 1 => "0001_foundation", 2 => "0002_content", 3 => "0003_appeals", 4 => "0004_registry", 5 => "0005_applications", 6 => "0006_credentials", 7 => "0007_certificates", 8 => "0008_gateway_log", 9 => "0009_cms"),
    )
}
