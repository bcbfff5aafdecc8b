//! Architecture invariants that a reviewer should not have to remember: which crate may depend on which,
//! which crates may touch the database driver or the web framework, and how long a source file may grow.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Normal (not dev) dependencies of each workspace crate.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let m = metadata();
    m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn dependencies_point_down() {
    // Who may use whom: egov → {portal, bridge, assistant} → {search, store} → core.
    let allowed: &[(&str, &[&str])] = &[
        ("egov-core", &[]),
        ("egov-store", &["egov-core"]),
        ("egov-search", &["egov-core"]),
        ("egov-portal", &["egov-core", "egov-store", "egov-search"]),
        ("egov-gateway", &["egov-core", "egov-store"]),
        (
            "egov-assistant",
            &["egov-core", "egov-store", "egov-search"],
        ),
        (
            "egov",
            &[
                "egov-core",
                "egov-store",
                "egov-search",
                "egov-portal",
                "egov-gateway",
                "egov-assistant",
            ],
        ),
    ];
    for (krate, deps) in dependencies() {
        let Some((_, ok)) = allowed.iter().find(|(n, _)| *n == krate) else {
            panic!(
                "crate {krate} is not in the architecture map of this test; add it with its allowed arrows"
            );
        };
        for d in deps.iter().filter(|d| d.starts_with("egov")) {
            assert!(ok.contains(&d.as_str()), "{krate} must not depend on {d}");
        }
    }
}

#[test]
fn only_the_edges_know_their_frameworks() {
    for (krate, deps) in dependencies() {
        let has = |name: &str| deps.iter().any(|d| d == name);
        if has("sqlx") {
            assert_eq!(krate, "egov-store", "only the store knows sqlx");
        }
        if has("axum") {
            assert!(
                ["egov-portal", "egov-gateway", "egov", "egov-assistant"].contains(&krate.as_str()),
                "{krate} must not know axum"
            );
        }
        if krate == "egov-core" {
            for io in ["tokio", "sqlx", "axum", "hyper", "reqwest"] {
                assert!(!has(io), "egov-core does no I/O, yet depends on {io}");
            }
        }
    }
}

#[test]
fn source_files_stay_readable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut long = vec![];
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                if lines > 600 {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "split these by meaning: {long:?}");
}
