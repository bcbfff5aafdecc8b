//! `egov`: the Open eGov Platform in one binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use egov::accounts::{self, PasswordSource};
use egov::config::{self, Overrides};
use egov::{authority, demo, gatewaying, platform, server, telemetry};

#[derive(Parser)]
#[command(
    name = "egov",
    version,
    about = "The Open eGov Platform: the websites of all state bodies, in every official language, on one platform.",
    long_about = "The Open eGov Platform: the websites of all state bodies, in every official language, on one platform.\n\n\
Start here:  egov demo            (a demo deployment at http://127.0.0.1:8080/, accounts in ./egov-demo-data/demo-credentials.json)\n\
Production:  egov serve --database postgres://…  (or the embedded SQLite default in --data)\n\n\
Configuration comes from a TOML file (--config or EGOV_CONFIG), then EGOV_* environment variables, then flags.\n\
`egov config` prints what is in effect."
)]
struct Cli {
    /// Configuration file (TOML). Also EGOV_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]. Also EGOV_LISTEN.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    /// PEM certificate chain; serve HTTPS. Needs --tls-key. Also EGOV_TLS_CERT.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert. Also EGOV_TLS_KEY.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Args, Clone, Default)]
struct StoreArgs {
    /// Data folder: the SQLite database and the search index [default: ./egov-data]. Also EGOV_DATA.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use PostgreSQL instead of the embedded SQLite: postgres://USER:PASS@HOST/DB. Also EGOV_DATABASE_URL.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform.
    Serve(ServeArgs),
    /// Run the platform with the demo deployment (Tajikistan) loaded on first start; data in ./egov-demo-data.
    Demo {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Data folder [default: ./egov-demo-data].
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Apply database migrations and exit (the server also applies them on start).
    Migrate(StoreArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Rebuild the search index from the store, with a progress bar (stop the server on this data folder first).
    Reindex(StoreArgs),
    /// Print the effective configuration (secrets masked) and exit.
    Config(ServeArgs),
    /// The citizens' assistant.
    #[command(subcommand)]
    Assistant(AssistantCommand),
    /// The deployment's certificate authority for client certificates of information systems.
    #[command(subcommand)]
    Ca(CaCommand),
    /// The gateway's message log: verify it, export and check proofs.
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Subcommand)]
enum LogCommand {
    /// Recompute a node's tree, check every leaf and signed checkpoint; exits non-zero naming the first
    /// bad leaf.
    Verify {
        /// The node whose log to verify [default: this node, `gateway.node`].
        #[arg(long)]
        node: Option<String>,
        /// The node's verifier key [default: gateway/node.pub in the data folder].
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the inclusion proof of one call (JSON): its record, audit path and a signed checkpoint.
    Proof {
        /// The call's X-Road-Id.
        message_id: String,
        /// When several calls carry the id: the node of the one to prove…
        #[arg(long, requires = "index")]
        node: Option<String>,
        /// …and its index in that node's log.
        #[arg(long, requires = "node")]
        index: Option<u64>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check an inclusion proof offline with the node's verifier key (needs no data folder).
    CheckProof {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Check a consistency proof offline with the node's verifier key (needs no data folder).
    CheckConsistency {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Prove that this node's latest signed checkpoint extends an earlier one (a checkpoint file or a
    /// proof file); prints the proof (JSON) for `check-consistency`.
    Consistency {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Make the CA (ca/ca.pem and ca/ca.key, owner-only, in the data folder). Refuses to replace one.
    Init {
        /// Years the CA certificate is valid.
        #[arg(long, default_value_t = 10)]
        years: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum AssistantCommand {
    /// Ask every question of an evaluation set (JSON, see eval/assistant/questions.json) against the
    /// published content of this data folder; print hit rate at 1 and 3, correct refusals and answer time.
    Eval {
        /// The evaluation set.
        file: PathBuf,
        /// Also print, for every question, the best-ranked items with their scores.
        #[arg(long)]
        explain: bool,
        /// Exit with an error when the expected source is cited for fewer answerable questions than this share (0–1).
        #[arg(long, value_name = "SHARE")]
        min_hit_rate: Option<f64>,
        /// Exit with an error when fewer unanswerable questions than this share (0–1) are declined.
        #[arg(long, value_name = "SHARE")]
        min_refusal_rate: Option<f64>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a role. Prints a generated password unless --password-stdin is given.
    Add {
        #[arg(long)]
        email: String,
        /// platform-admin, agency-admin, editor or reviewer.
        #[arg(long)]
        role: String,
        /// The organization's slug (for every role but platform-admin).
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        /// Name shown in the interface [default: the part of the e-mail before @].
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a new password (generated unless --password-stdin) and end the account's sessions.
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn overrides(a: &ServeArgs) -> Overrides {
    Overrides {
        listen: a.listen.clone(),
        data_dir: a.store.data.clone(),
        database_url: a.store.database.clone(),
        tls_cert: a.tls_cert.clone(),
        tls_key: a.tls_key.clone(),
    }
}

fn store_overrides(s: &StoreArgs) -> Overrides {
    Overrides {
        data_dir: s.data.clone(),
        database_url: s.database.clone(),
        ..Overrides::default()
    }
}

const DEFAULT_DATA: &str = "./egov-data";
const DEMO_DATA: &str = "./egov-demo-data";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::Serve(a) => {
            let config = config::load(file, &overrides(&a), DEFAULT_DATA.as_ref())?;
            telemetry::init_logs(config.log_format);
            let store = platform::prepare_store(&config).await?;
            let listener = platform::bind(&config).await?;
            platform::run(&config, store, listener, server::shutdown_signal()).await
        }
        Command::Demo { listen, data } => {
            let o = Overrides {
                listen,
                data_dir: data,
                ..Overrides::default()
            };
            let config = config::load(file, &o, DEMO_DATA.as_ref())?;
            telemetry::init_logs(config.log_format);
            let store = platform::prepare_store(&config).await?;
            let listener = platform::bind(&config).await?;
            let base = format!(
                "{}://{}",
                if config.tls.is_some() {
                    "https"
                } else {
                    "http"
                },
                listener.local_addr()?
            );
            let creds = config.data_dir.join("demo-credentials.json");
            if demo::load_if_empty(&store, &config.data_dir, &base).await? {
                tracing::info!(credentials = %creds.display(), "demo deployment loaded");
            }
            demo::provider::spawn(&store).await?;
            eprintln!(
                "\n  Open eGov Platform demo: {base}/\n  Demo accounts: {}\n",
                creds.display()
            );
            platform::run(&config, store, listener, server::shutdown_signal()).await
        }
        Command::Ca(CaCommand::Init { years, store }) => {
            if !(1..=30).contains(&years) {
                anyhow::bail!("--years must be between 1 and 30");
            }
            let config = config::load(file, &store_overrides(&store), DEFAULT_DATA.as_ref())?;
            let cert = authority::init(&config.data_dir, &config.deployment.instance, years)?;
            println!(
                "CA made: certificate {} (give it to whoever must trust it), key {} (owner-only; back it up offline)",
                cert.display(),
                authority::key_path(&config.data_dir).display()
            );
            Ok(())
        }
        Command::Log(cmd) => log_command(file, cmd).await,
        Command::Migrate(s) => {
            let config = config::load(file, &store_overrides(&s), DEFAULT_DATA.as_ref())?;
            let store = platform::open_store(&config).await?;
            store.migrate().await?;
            store.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            role,
            org,
            name,
            password_stdin,
            store,
        }) => {
            let config = config::load(file, &store_overrides(&store), DEFAULT_DATA.as_ref())?;
            let store = platform::open_migrated(&config).await?;
            let source = if password_stdin {
                PasswordSource::Stdin
            } else {
                PasswordSource::Generate
            };
            let out = accounts::add(
                &store,
                &email,
                &role,
                org.as_deref(),
                name.as_deref(),
                source,
            )
            .await;
            store.close().await;
            println!("{}", out?);
            Ok(())
        }
        Command::User(UserCommand::Passwd {
            email,
            password_stdin,
            store,
        }) => {
            let config = config::load(file, &store_overrides(&store), DEFAULT_DATA.as_ref())?;
            let store = platform::open_migrated(&config).await?;
            let source = if password_stdin {
                PasswordSource::Stdin
            } else {
                PasswordSource::Generate
            };
            let out = accounts::passwd(&store, &email, source).await;
            store.close().await;
            println!("{}", out?);
            Ok(())
        }
        Command::Reindex(s) => {
            let config = config::load(file, &store_overrides(&s), DEFAULT_DATA.as_ref())?;
            let store = platform::open_migrated(&config).await?;
            let dir = config.data_dir.join("search-index");
            let (index, _) = egov_search::SearchIndex::open(&dir, &config.deployment.languages).map_err(|e| {
                anyhow::anyhow!("cannot open the search index in {} ({e}); is a server running on this data folder? Stop it first.", dir.display())
            })?;
            let index = std::sync::Arc::new(index);
            let total = store.content_count().await?;
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} indexing [{bar:40}] {pos}/{len} items ({elapsed})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let n = egov::indexing::rebuild(&store, &index, &mut |k| bar.inc(k as u64)).await?;
            bar.finish();
            store.close().await;
            println!(
                "search index rebuilt: {n} items, {} documents, in {:.1}s",
                index.num_docs(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Assistant(AssistantCommand::Eval {
            file: set,
            explain,
            min_hit_rate,
            min_refusal_rate,
            store,
        }) => {
            let config = config::load(file, &store_overrides(&store), DEFAULT_DATA.as_ref())?;
            let store = platform::open_migrated(&config).await?;
            let report = egov::asking::evaluate_file(&config, &store, &set, explain).await;
            store.close().await;
            let report = report?;
            print!("{report}");
            if let Some(min) = min_hit_rate
                && report.hit_rate_at_3() < min
            {
                anyhow::bail!("hit rate {:.3} is below {min}", report.hit_rate_at_3());
            }
            if let Some(min) = min_refusal_rate
                && report.refusal_rate() < min
            {
                anyhow::bail!("refusal rate {:.3} is below {min}", report.refusal_rate());
            }
            Ok(())
        }
        Command::Config(a) => {
            let config = config::load(file, &overrides(&a), DEFAULT_DATA.as_ref())?;
            print!("{}", config.to_display_toml());
            Ok(())
        }
    }
}

async fn log_command(file: Option<&std::path::Path>, cmd: LogCommand) -> anyhow::Result<()> {
    let open = |s: &StoreArgs| config::load(file, &store_overrides(s), DEFAULT_DATA.as_ref());
    match cmd {
        LogCommand::CheckProof { file, key } => gatewaying::check_proof(&file, &key),
        LogCommand::CheckConsistency { file, key } => gatewaying::check_consistency(&file, &key),
        LogCommand::Verify { node, key, store } => {
            let config = open(&store)?;
            let db = platform::open_store(&config).await?;
            // This node's log by default: other nodes' checkpoints are signed with their own keys.
            let node = node.unwrap_or_else(|| config.gateway.node.clone());
            let r = gatewaying::verify(&db, &config.data_dir, Some(&node), key.as_deref()).await;
            db.close().await;
            r
        }
        LogCommand::Proof {
            message_id,
            node,
            index,
            store,
        } => {
            let config = open(&store)?;
            let db = platform::open_store(&config).await?;
            let at = node.as_deref().zip(index);
            let r = gatewaying::proof(&db, &message_id, at).await;
            db.close().await;
            r
        }
        LogCommand::Consistency {
            file: f,
            key,
            store,
        } => {
            let config = open(&store)?;
            let db = platform::open_store(&config).await?;
            let r = gatewaying::consistency(
                &db,
                &config.data_dir,
                &config.gateway.node,
                &f,
                key.as_deref(),
            )
            .await;
            db.close().await;
            r
        }
    }
}
