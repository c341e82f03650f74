//! Pacesetter's use cases, shared by the JSON API and the web pages.
//!
//! Every function takes the acting user ([`Actor`]) and checks their permission on the units
//! it touches before reading or writing; every change is written together with its audit
//! record in one transaction.

pub mod assignments;
pub mod audit;
pub mod auth;
pub mod contests;
pub mod demo;
mod error;
pub mod evaluations;
pub mod evidence;
pub mod files;
pub mod import;
pub mod inspections;
pub mod landing;
pub mod live;
pub mod meetings;
mod password;
pub mod plans;
pub mod quizzes;
pub mod reminders;
pub mod reports;
pub mod search;
mod text;
pub mod translations;
pub mod units;
pub mod users;

use pacesetter_domain::{Locale, Permission, Scope, unit::UnitPath, user::User};
use pacesetter_store::Store;

pub use error::{AppError, Resource, Result};
/// A chase (催办) of an assignment or a rectification item, as the pages and the API show it.
pub use pacesetter_store::chases::Chase;
pub use text::search_term;

/// Hashes a password with the same argon2id parameters as sign-in uses (for seeding).
pub fn hash_password(password: &str) -> Result<String> {
    password::hash(password)
}

/// Settings the use cases need; loaded by the binary from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle_secs: i64,
    /// A session ends this long after sign-in, whatever happens.
    pub session_max_secs: i64,
    pub api_token_days: i64,
    /// Failed sign-ins allowed per IP address per minute before a 429 (accounts that signed in
    /// from that address lately still get in; decision 0013).
    pub login_failures_per_ip: i64,
    /// Admins and coordinators must sign in with a second factor (decision 0018). Off by default
    /// here; the server's configuration turns it on unless the operator or the demo says not.
    pub second_factor_required: bool,
    /// An SMTP server is configured: people may have reminders sent by email.
    pub email_enabled: bool,
    /// Hosts a reminder webhook may point at (the chat services the operator allows).
    pub webhook_hosts: Vec<String>,
}

/// The chat services whose group robots take reminders unless the operator says otherwise.
pub const DEFAULT_WEBHOOK_HOSTS: [&str; 4] =
    ["qyapi.weixin.qq.com", "oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com"];

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 3600,
            api_token_days: 30,
            login_failures_per_ip: 10,
            second_factor_required: false,
            email_enabled: false,
            webhook_hosts: DEFAULT_WEBHOOK_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
        }
    }
}

/// The application: the store, its settings, and the sheet reader of the export layer.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    /// Reached only through the use cases here: the interfaces never hold a connection.
    pub(crate) store: Store,
    pub settings: Settings,
    pub read_sheet: pacesetter_domain::table::SheetReader,
    pub files: files::FileStore,
    /// Task sheets checked by a preview, for their commit to reuse while nothing changed.
    checked_plans: import::CheckedPlans,
    /// Boards and standings that changed, for the big screens watching them.
    screen_changes: tokio::sync::broadcast::Sender<live::Screen>,
    /// The time sessions and tokens are judged by.
    pub clock: Clock,
    /// The deployment's reviewed translations this instance shows.
    pub translations: &'static translations::InForce,
}

/// The time sessions, API tokens and sign-in codes are judged by: the system's (or the moment
/// a test froze it at), moved on by whatever a test advanced it by, so that an idle timeout or
/// a code's 30-second step is shown without waiting for it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    skew_seconds: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Unix seconds the clock stands still at; 0 while it runs.
    frozen_at: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> pacesetter_domain::Timestamp {
        use std::sync::atomic::Ordering::Relaxed;
        let base = match self.frozen_at.load(Relaxed) {
            0 => pacesetter_domain::Timestamp::now(),
            at => time::OffsetDateTime::from_unix_timestamp(at)
                .map(pacesetter_domain::Timestamp::from_datetime)
                .unwrap_or_else(|_| pacesetter_domain::Timestamp::now()),
        };
        base.plus_seconds(self.skew_seconds.load(Relaxed))
    }

    /// Stops this clock (and every clone of it) at the present second; `advance` still moves it.
    pub fn freeze(&self) {
        let now = pacesetter_domain::Timestamp::now().datetime().unix_timestamp();
        self.frozen_at.store(now, std::sync::atomic::Ordering::Relaxed);
    }

    /// Moves this clock (and every clone of it) on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.skew_seconds.fetch_add(seconds, std::sync::atomic::Ordering::Relaxed);
    }
}

impl App {
    pub fn new(
        store: Store,
        settings: Settings,
        read_sheet: pacesetter_domain::table::SheetReader,
        files: files::FileStore,
    ) -> Self {
        Self {
            store,
            settings,
            read_sheet,
            files,
            checked_plans: import::CheckedPlans::default(),
            screen_changes: tokio::sync::broadcast::channel(256).0,
            clock: Clock::default(),
            translations: translations::InForce::leaked(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn database(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// Whether the database answers a query now: the health check.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }
}

/// Where a request came from, for the audit log and the sign-in throttle.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// The signed-in user acting in a request, with their grants resolved to unit paths.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub scope: Scope,
    pub origin: Origin,
}

impl Actor {
    pub fn can(&self, permission: Permission, target: &UnitPath) -> bool {
        self.scope.allows(permission, target)
    }

    pub fn can_anywhere(&self, permission: Permission) -> bool {
        self.scope.has_anywhere(permission)
    }

    /// The actor may take `step` on some assignment (the buttons a list offers its selection).
    pub fn may_step_anywhere(&self, step: pacesetter_domain::assignment::Step) -> bool {
        self.scope.grants.iter().any(|grant| step.allowed_for(grant.role))
    }

    pub fn require(&self, permission: Permission, target: &UnitPath) -> Result<()> {
        if self.can(permission, target) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn locale(&self) -> Option<Locale> {
        self.user.locale
    }
}

/// A page of results and the total that matched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        pages_for(self.total, self.per_page)
    }
}

/// How many pages of `per_page` hold `total` items: one at least, the empty page.
fn pages_for(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}

/// Page number and size as asked for, clamped to sane values.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

/// The first page of 50.
impl Default for PageRequest {
    fn default() -> Self {
        Self::new(None, None)
    }
}

impl PageRequest {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self { page: page.unwrap_or(1).max(1), per_page: per_page.unwrap_or(50).clamp(1, 500) }
    }

    pub fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// The last page of `total` items, for a request that went past the end.
    pub fn last_of(self, total: i64) -> Self {
        Self { page: pages_for(total, self.per_page), ..self }
    }
}
