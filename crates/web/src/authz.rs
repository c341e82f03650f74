//! The authorization matrix: every route the server answers must be listed in
//! `authz_matrix.toml` with who may call it, or the router refuses to build. The
//! route-inventory test exercises every entry for every role.

use std::collections::BTreeSet;

use serde::Deserialize;

/// One route: an HTTP method and an axum path pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteKey {
    pub method: String,
    pub path: String,
}

impl RouteKey {
    pub fn new(method: &str, path: &str) -> Self {
        Self { method: method.to_ascii_uppercase(), path: path.to_owned() }
    }
}

impl std::fmt::Display for RouteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Whoever holds a sign-in that passed the password and waits for its second step (its
    /// cookie); anyone else is sent back to the password (decision 0018).
    SignInStep,
    /// Any signed-in user; results are limited to their scope by the app layer.
    SignedIn,
    /// Needs `permission` on the target record's unit.
    Scoped,
    /// Needs `permission` on some unit (the app layer limits the effect to the caller's scope).
    Holds,
    /// Only the record's owner, who must also hold `permission` somewhere.
    Owner,
    /// Needs `permission` on the office that runs the target's campaign.
    Campaign,
    /// Needs `permission` on the assignment's unit, or `manage_plans` on its campaign's office.
    Assignment,
    /// Only a judge seated on the panel of the target's contest round (the app layer also keeps
    /// them from their own unit's contestants); `permission` is what the judge must hold.
    Panel,
    /// A meeting venue's host: `permission` on the venue's host unit, or `manage_plans` on the
    /// office running the meeting's campaign.
    Venue,
}

/// What record a scoped route acts on, to pick own / sibling / other-prefecture targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    None,
    Unit,
    User,
    Grant,
    Import,
    Campaign,
    Task,
    Assignment,
    Evidence,
    /// An evaluation scheme (its campaign's office runs it).
    Evaluation,
    EvaluationRun,
    EvaluationAppeal,
    /// An inspection round (its campaign's office runs it; its targets are checked).
    InspectionRound,
    /// A finding, on its unit.
    Finding,
    /// A rectification item, on its responsible unit.
    Rectification,
    /// A contest (its campaign's office runs it).
    Contest,
    /// A round of a contest.
    ContestRound,
    /// A contestant's entry in a contest round.
    ContestEntry,
    /// A judge's score of an entry.
    JudgeScore,
    /// An award a contest gives a unit.
    ContestAward,
    /// A quiz (its campaign's office runs it).
    Quiz,
    /// An answer recorded in a quiz.
    QuizEvent,
    /// A progress meeting (its campaign's office runs it).
    Meeting,
    /// A venue of a progress meeting, on its host unit.
    MeetingVenue,
    /// An item of a progress meeting's agenda.
    MeetingAgendaItem,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub method: String,
    pub path: String,
    pub access: Access,
    /// For scoped routes: `view_units`, `manage_units`, `manage_users`, `manage_grants`,
    /// `view_audit`.
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default = "default_target")]
    pub target: Target,
}

fn default_target() -> Target {
    Target::None
}

#[derive(Debug, Deserialize)]
struct MatrixFile {
    route: Vec<Entry>,
}

/// The matrix as shipped in the binary.
pub fn matrix() -> Result<Vec<Entry>, RouteError> {
    let file: MatrixFile =
        toml::from_str(include_str!("../authz_matrix.toml")).map_err(|e| RouteError::Matrix(e.to_string()))?;
    Ok(file.route)
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("authz_matrix.toml cannot be read: {0}")]
    Matrix(String),
    #[error("routes without an authorization matrix entry: {0}")]
    Unlisted(String),
    #[error("authorization matrix entries for routes that do not exist: {0}")]
    Stale(String),
    #[error("OpenAPI schema names used by two different types: {0}")]
    SchemaNameClash(String),
    #[error("the OpenAPI document cannot be written out: {0}")]
    Document(String),
}

/// The API routes of the OpenAPI document, with utoipa's `{id}` path syntax.
pub fn inventory_from_openapi(openapi: &utoipa::openapi::OpenApi) -> Vec<RouteKey> {
    let mut keys = Vec::new();
    for (path, item) in &openapi.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                keys.push(RouteKey::new(method, path));
            }
        }
    }
    keys
}

/// Fails when a served route is missing from the matrix or the matrix lists a route that
/// is not served.
pub fn check_inventory(inventory: &[RouteKey]) -> Result<(), RouteError> {
    let listed: BTreeSet<RouteKey> = matrix()?.iter().map(|e| RouteKey::new(&e.method, &e.path)).collect();
    let served: BTreeSet<RouteKey> = inventory.iter().cloned().collect();
    let unlisted: Vec<String> = served.difference(&listed).map(ToString::to_string).collect();
    if !unlisted.is_empty() {
        return Err(RouteError::Unlisted(unlisted.join(", ")));
    }
    let stale: Vec<String> = listed.difference(&served).map(ToString::to_string).collect();
    if !stale.is_empty() {
        return Err(RouteError::Stale(stale.join(", ")));
    }
    Ok(())
}
