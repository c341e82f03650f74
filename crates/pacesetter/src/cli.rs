//! The command line: `serve`, `demo`, `migrate`, `backup`, `restore`, `user add`,
//! `audit verify`, `evaluate`, `fonts`, `config example`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use pacesetter_app::{
    demo,
    users::{self, ConsoleUser},
};

use crate::{Config, server};

#[derive(Parser, Debug)]
#[command(name = "pacesetter", version, about = "Runs a multi-level campaign from plan to ranking.")]
struct Cli {
    /// A configuration file (default: ./pacesetter.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Default)]
struct Place {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// Directory for the SQLite database and files.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A postgres:// URL (also PACESETTER_DATABASE_URL).
    #[arg(long)]
    database: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web UI and the API.
    Serve(Place),
    /// Serve with the demo campaign loaded (seeded on first start of an empty database).
    Demo(Place),
    /// Apply database migrations and exit.
    Migrate(Place),
    /// Write a consistent backup of the embedded database and the uploaded files to one new
    /// file, while the server runs (on PostgreSQL use pg_dump: see the README).
    Backup {
        #[command(flatten)]
        place: Place,
        /// The backup file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into a new or empty data directory, checking every file and the
    /// database before anything is put in place, then the audit chain.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The data directory to create; it must not exist or be empty.
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check that the fonts the PDF documents need are installed: prints each one missing
    /// with the Debian package that has it, and exits non-zero if any is.
    Fonts {
        /// Where to look (default: `fonts_dir` of the configuration), searched recursively.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Run an evaluation scheme on files, without a server — a scheme (JSON, or the office's
    /// indicator table as XLSX/CSV) and the units' score entries (JSON, XLSX or CSV) — or re-run
    /// a stored run from its frozen inputs (`--run ID`, read-only); prints results by category
    /// and rank.
    Evaluate {
        #[arg(long, required_unless_present = "run", requires = "entries")]
        scheme: Option<PathBuf>,
        #[arg(long, requires = "scheme")]
        entries: Option<PathBuf>,
        /// A stored run to evaluate again from the database.
        #[arg(long, conflicts_with_all = ["scheme", "entries"])]
        run: Option<i64>,
        #[command(flatten)]
        place: Place,
        #[arg(long, value_enum, default_value = "table")]
        format: crate::cli_evaluate::Format,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account with a role on a unit (the first admin of a new installation).
    Add {
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// The code of the home unit, where the role is granted.
        #[arg(long)]
        unit_code: String,
        #[arg(long, default_value = "admin")]
        role: String,
        /// The password (prefer the environment variable).
        #[arg(long, env = "PACESETTER_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Verify the hash chain; exits non-zero naming the first bad record.
    Verify(Place),
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print a configuration file with every default.
    Example,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Config { command: ConfigCommand::Example } => {
            print!("{}", Config::example());
            return ExitCode::SUCCESS;
        }
        Command::Evaluate { scheme: Some(scheme), entries: Some(entries), format, .. } => {
            return crate::cli_evaluate::run(scheme, entries, *format);
        }
        _ => {}
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Command::Fonts { dir } = &cli.command {
        let problems = pacesetter_web::missing_fonts(dir.as_ref().unwrap_or(&config.fonts_dir));
        for problem in &problems {
            println!("{problem}");
        }
        return if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    crate::logging::init(config.log_format == "json");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn apply(mut config: Config, place: Place) -> Config {
    if let Some(listen) = place.listen {
        config.listen = listen;
    }
    if let Some(dir) = place.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = place.database {
        config.database_url = Some(url);
    }
    config
}

async fn run(command: Command, config: Config) -> Result<ExitCode, String> {
    match command {
        Command::Serve(place) => {
            let config = apply(config, place);
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            let app = server::app(&config, store);
            server::serve(&config, app, false, |addr| {
                println!("Pacesetter {} listening on http://{addr} ({})", server::VERSION, database_kind(&config));
            })
            .await
            .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(place) => {
            let mut config = apply(config, place);
            // The demo's accounts share a published password: a second factor is offered, not
            // required, unless the operator says otherwise.
            config.second_factor.get_or_insert(crate::config::SecondFactor::Optional);
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            let app = server::app(&config, store);
            if demo::is_seeded(&app).await.map_err(|e| e.to_string())? {
                println!("The database already holds data; serving it as it is.");
            } else {
                demo::seed(&app).await.map_err(|e| e.to_string())?;
                let (_, _, published) = demo::evaluation::seed(&app).await.map_err(|e| e.to_string())?;
                demo::inspection::seed(&app).await.map_err(|e| e.to_string())?;
                demo::contests::seed(&app).await.map_err(|e| e.to_string())?;
                demo::quiz::seed(&app).await.map_err(|e| e.to_string())?;
                demo::exhibition::seed(&app).await.map_err(|e| e.to_string())?;
                demo::meetings::seed(&app).await.map_err(|e| e.to_string())?;
                println!(
                    "Loaded the demo campaign, with its evaluation (published run {published}), inspections, contests, quiz, exhibition and progress meetings."
                );
            }
            server::serve(&config, app, true, |addr| {
                println!("Pacesetter demo: open http://{addr}/");
                println!(
                    "Demo accounts (password {}): admin, office, lhasa, inspector, judge1 … judge13, viewer",
                    demo::DEMO_PASSWORD
                );
            })
            .await
            .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(place) => {
            let config = apply(config, place);
            server::open_store(&config).await.map_err(|e| e.to_string())?;
            println!("The database schema is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { place, to } => {
            let config = apply(config, place);
            if config.database_url.as_deref().is_some_and(|url| url.starts_with("postgres")) {
                return Err(
                    "the database is PostgreSQL: back it up with pg_dump -Fc and copy the data directory's blobs/ \
                     (README, operations)"
                        .into(),
                );
            }
            let done = crate::backup::backup(&config.data_dir, &to).await.map_err(|e| e.to_string())?;
            println!(
                "Backed up {} (database version {}, {} audit records, {} uploaded files, {} bytes) to {}.",
                config.data_dir.display(),
                done.schema,
                done.audit_seq,
                done.blobs,
                done.bytes,
                to.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, data_dir } => {
            let done = crate::backup::restore(&from, &data_dir).await.map_err(|e| e.to_string())?;
            println!(
                "Restored {} into {} (database version {}, {} audit records, {} uploaded files).",
                from.display(),
                data_dir.display(),
                done.schema,
                done.audit_seq,
                done.blobs
            );
            let config = Config { data_dir, database_url: None, ..config };
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            let app = server::app(&config, store);
            verify_audit(&app).await
        }
        Command::User { command: UserCommand::Add { place, username, display_name, unit_code, role, password } } => {
            let config = apply(config, place);
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            let app = server::app(&config, store);
            let input = ConsoleUser {
                username: &username,
                display_name: &display_name,
                unit_code: &unit_code,
                role: &role,
                password: &password,
            };
            let user = users::add_at_console(&app, input).await.map_err(|e| e.to_string())?;
            println!("Created {} with the role {role} on {unit_code}.", user.username);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify(place) } => {
            let config = apply(config, place);
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            let app = server::app(&config, store);
            verify_audit(&app).await
        }
        Command::Evaluate { run: Some(run), place, format, .. } => {
            let config = apply(config, place);
            let store = server::open_store(&config).await.map_err(|e| e.to_string())?;
            crate::cli_evaluate::rerun(&store, run, format).await
        }
        Command::Config { .. } | Command::Evaluate { .. } | Command::Fonts { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// Verifies the audit chain and says so; exits non-zero naming the first bad record.
async fn verify_audit(app: &pacesetter_app::App) -> Result<ExitCode, String> {
    match pacesetter_app::audit::verify(app).await.map_err(|e| e.to_string())? {
        pacesetter_app::audit::Verdict::Intact { records } => {
            println!("The audit chain is intact: {records} records.");
            Ok(ExitCode::SUCCESS)
        }
        pacesetter_app::audit::Verdict::Broken(reason) => {
            println!("The audit chain is BROKEN: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}

fn database_kind(config: &Config) -> String {
    match &config.database_url {
        Some(url) => format!("PostgreSQL {}", pacesetter_store::redact(url)),
        None => format!("SQLite in {}", config.data_dir.display()),
    }
}
