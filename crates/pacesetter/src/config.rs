//! Typed configuration, loaded in layers: defaults → `pacesetter.toml` (or `--config`) →
//! `PACESETTER_*` environment variables → command-line flags.

use std::{fmt, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Everything an operator can set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: String,
    /// Where the SQLite database and uploaded files live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite file.
    pub database_url: Option<String>,
    /// Mark cookies Secure (set when serving over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends regardless.
    pub session_max_hours: i64,
    /// Failed sign-ins allowed per client address per minute.
    pub login_failures_per_ip: i64,
    /// Whether admins and coordinators must sign in with a code from an authenticator app:
    /// `required`, or `optional` (anyone may enrol). Unset, it is required, except in the demo.
    pub second_factor: Option<SecondFactor>,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// The address people reach the site at (`https://pacesetter.example.gov.cn`), for links in
    /// emails and webhook messages; without it they carry the path only.
    pub public_url: Option<String>,
    /// The SMTP server reminders are emailed through (`smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`); without it, email is off.
    pub smtp_url: Option<String>,
    /// The sender of reminder emails.
    pub mail_from: String,
    /// Hosts a person's reminder webhook may point at.
    pub webhook_hosts: Vec<String>,
    /// Where the fonts of PDF bulletins are found (searched recursively): Noto Sans CJK SC
    /// (Debian `fonts-noto-cjk`) and Noto Serif Tibetan (`fonts-noto-core`).
    pub fonts_dir: PathBuf,
    /// Requests worked on at once; one more is answered 503 with `Retry-After` at once rather
    /// than queued (the health check is never refused).
    pub max_requests: usize,
    /// Seconds a request may take (a large upload on a slow line included) before it is
    /// stopped, rolled back and answered 503.
    pub request_timeout_seconds: u64,
    /// MiB of SQLite page cache, shared by the pool's 8 connections; memory the database may
    /// hold beyond the server's own.
    pub sqlite_cache_mib: u32,
}

/// Whether a second factor is required of privileged accounts (decision 0018).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactor {
    Required,
    Optional,
}

/// The names of the settings, as keys in the file and after `PACESETTER_` in the environment.
const SETTINGS: [&str; 17] = [
    "listen",
    "data_dir",
    "database_url",
    "secure_cookies",
    "session_idle_minutes",
    "session_max_hours",
    "login_failures_per_ip",
    "second_factor",
    "log_format",
    "public_url",
    "smtp_url",
    "mail_from",
    "webhook_hosts",
    "fonts_dir",
    "max_requests",
    "request_timeout_seconds",
    "sqlite_cache_mib",
];

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./pacesetter-data"),
            database_url: None,
            secure_cookies: false,
            session_idle_minutes: 30,
            session_max_hours: 12,
            login_failures_per_ip: 10,
            second_factor: None,
            log_format: "text".to_owned(),
            public_url: None,
            smtp_url: None,
            mail_from: "Pacesetter <noreply@localhost>".to_owned(),
            webhook_hosts: pacesetter_app::DEFAULT_WEBHOOK_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            fonts_dir: PathBuf::from("/usr/share/fonts"),
            max_requests: 64,
            request_timeout_seconds: 60,
            sqlite_cache_mib: pacesetter_store::StoreOptions::default().sqlite_cache_mib,
        }
    }
}

impl fmt::Debug for Config {
    // The database URL may hold a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(pacesetter_store::redact))
            .field("secure_cookies", &self.secure_cookies)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_hours", &self.session_max_hours)
            .field("login_failures_per_ip", &self.login_failures_per_ip)
            .field("second_factor", &self.second_factor)
            .field("log_format", &self.log_format)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(pacesetter_store::redact))
            .field("mail_from", &self.mail_from)
            .field("webhook_hosts", &self.webhook_hosts)
            .field("fonts_dir", &self.fonts_dir)
            .field("max_requests", &self.max_requests)
            .field("request_timeout_seconds", &self.request_timeout_seconds)
            .field("sqlite_cache_mib", &self.sqlite_cache_mib)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layers; `file` is `--config`, else `pacesetter.toml` if it exists.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Invalid(format!("the file {} does not exist", path.display())));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("pacesetter.toml")),
        }
        // Only the settings' own names: other PACESETTER_* variables (the log filter, test
        // settings, a new password for `user add`) are not configuration.
        let env = Env::prefixed("PACESETTER_").only(&SETTINGS);
        let mut config: Config = figment.merge(env).extract().map_err(Box::new)?;
        // `PACESETTER_DATABASE_URL=` (empty) means the default, as in most tools.
        for url in [&mut config.database_url, &mut config.smtp_url, &mut config.public_url] {
            if url.as_deref().is_some_and(|url| url.trim().is_empty()) {
                *url = None;
            }
        }
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.session_idle_minutes < 1 || self.session_max_hours < 1 {
            return Err(ConfigError::Invalid("session_idle_minutes and session_max_hours must be at least 1".into()));
        }
        if self.login_failures_per_ip < 1 {
            return Err(ConfigError::Invalid("login_failures_per_ip must be at least 1".into()));
        }
        if self.max_requests < 1 || self.request_timeout_seconds < 1 {
            return Err(ConfigError::Invalid("max_requests and request_timeout_seconds must be at least 1".into()));
        }
        if self.sqlite_cache_mib < 1 {
            return Err(ConfigError::Invalid("sqlite_cache_mib must be at least 1".into()));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid(format!("log_format must be text or json, not {:?}", self.log_format)));
        }
        if let Some(url) = &self.database_url
            && pacesetter_store::Backend::from_url(url).is_none()
        {
            return Err(ConfigError::Invalid(format!(
                "database_url must start with postgres:// or sqlite:, not {}",
                pacesetter_store::redact(url)
            )));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid(format!("public_url must start with https:// or http://, not {url}")));
        }
        if let Some(url) = &self.smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError::Invalid(format!(
                "smtp_url must start with smtp:// or smtps://, not {}",
                pacesetter_store::redact(url)
            )));
        }
        Ok(())
    }

    /// The limits the database connection is opened with.
    pub fn store_options(&self) -> pacesetter_store::StoreOptions {
        pacesetter_store::StoreOptions { sqlite_cache_mib: self.sqlite_cache_mib }
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| pacesetter_store::Store::sqlite_url(&self.data_dir))
    }

    pub fn app_settings(&self) -> pacesetter_app::Settings {
        pacesetter_app::Settings {
            session_idle_secs: self.session_idle_minutes * 60,
            session_max_secs: self.session_max_hours * 3600,
            login_failures_per_ip: self.login_failures_per_ip,
            second_factor_required: self.second_factor != Some(SecondFactor::Optional),
            email_enabled: self.smtp_url.is_some(),
            webhook_hosts: self.webhook_hosts.clone(),
            ..Default::default()
        }
    }

    /// The defaults as a commented TOML file, for `pacesetter config example`.
    pub fn example() -> String {
        let defaults = Config::default();
        format!(
            "# Pacesetter configuration. Every setting can also be given as an environment variable\n\
             # PACESETTER_<NAME> (e.g. PACESETTER_DATABASE_URL), which wins over this file.\n\n\
             # Address and port to listen on.\nlisten = {listen:?}\n\n\
             # Where the SQLite database and uploaded files live.\ndata_dir = {data_dir:?}\n\n\
             # Use PostgreSQL instead of the embedded SQLite database:\n# database_url = \"postgres://pacesetter@127.0.0.1/pacesetter\"\n\n\
             # Mark cookies Secure; set this when serving over HTTPS.\nsecure_cookies = {secure}\n\n\
             # Sessions end after this many idle minutes, and this many hours after sign-in.\n\
             session_idle_minutes = {idle}\nsession_max_hours = {max}\n\n\
             # Failed sign-ins allowed per client address per minute before answering 429.\nlogin_failures_per_ip = {ip}\n\n\
             # Admins and coordinators sign in with a code from an authenticator app as well as the\n\
             # password (\"required\", the default outside the demo), or may choose to (\"optional\").\n\
             # second_factor = \"required\"\n\n\
             # Log lines as \"text\" or \"json\".\nlog_format = {log:?}\n\n\
             # The address people reach the site at, for links in reminder emails and webhooks:\n\
             # public_url = \"https://pacesetter.example.gov.cn\"\n\n\
             # Email reminders (off without a server), e.g. \"smtps://user:password@mail.example.gov.cn:465\"\n\
             # or \"smtp://mail.example.gov.cn:587?tls=required\":\n# smtp_url = \"\"\n\
             mail_from = {from:?}\n\n\
             # Chat services whose group-robot webhooks people may have reminders sent to.\n\
             webhook_hosts = {hosts:?}\n\n\
             # Fonts for PDF bulletins (Noto Sans CJK SC from fonts-noto-cjk, Noto Serif Tibetan\n\
             # from fonts-noto-core), searched recursively.\nfonts_dir = {fonts:?}\n\n\
             # Requests worked on at once; past it a request is answered 503 with Retry-After at once.\n\
             max_requests = {max_requests}\n\n\
             # Seconds a request may take (a large upload included) before it is stopped and rolled back.\n\
             request_timeout_seconds = {timeout}\n\n\
             # MiB of SQLite page cache, shared by the database's 8 connections.\n\
             sqlite_cache_mib = {cache}\n",
            listen = defaults.listen,
            data_dir = defaults.data_dir.display().to_string(),
            secure = defaults.secure_cookies,
            idle = defaults.session_idle_minutes,
            max = defaults.session_max_hours,
            ip = defaults.login_failures_per_ip,
            log = defaults.log_format,
            from = defaults.mail_from,
            hosts = defaults.webhook_hosts,
            fonts = defaults.fonts_dir.display().to_string(),
            max_requests = defaults.max_requests,
            timeout = defaults.request_timeout_seconds,
            cache = defaults.sqlite_cache_mib,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_back_to_the_defaults() {
        let parsed: Config = toml::from_str(&Config::example()).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Config::default()));
    }

    #[test]
    fn every_setting_can_come_from_the_environment() {
        let value = toml::Value::try_from(Config {
            database_url: Some("postgres://x".into()),
            public_url: Some("https://x".into()),
            smtp_url: Some("smtp://x".into()),
            second_factor: Some(SecondFactor::Required),
            ..Config::default()
        })
        .unwrap();
        let mut keys: Vec<&str> = value.as_table().unwrap().keys().map(String::as_str).collect();
        let mut listed = SETTINGS.to_vec();
        keys.sort_unstable();
        listed.sort_unstable();
        assert_eq!(keys, listed);
    }

    #[test]
    fn debug_hides_the_passwords() {
        let config = Config {
            database_url: Some("postgres://app:s3cret@db/p".into()),
            smtp_url: Some("smtps://mailer:m41l@mail.example/".into()),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
        assert!(!format!("{config:?}").contains("m41l"));
    }

    #[test]
    fn bad_values_are_named() {
        let config = Config { log_format: "xml".into(), ..Config::default() };
        assert!(config.validate().unwrap_err().to_string().contains("log_format"));
        let config = Config { database_url: Some("mysql://x".into()), ..Config::default() };
        assert!(config.validate().unwrap_err().to_string().contains("database_url"));
    }
}
