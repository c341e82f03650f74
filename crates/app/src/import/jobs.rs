//! Import jobs: an upload is stored with its hash, previewed as often as needed, and committed
//! once by the person who uploaded it.

use pacesetter_domain::{
    Permission, Timestamp,
    audit::sha256_hex,
    plan_sheet::Mapping,
    table::{Grid, Table},
    text::{TextKind, is_bidi_control},
};
use pacesetter_store::{StoreError, imports};

use super::{Preview, Summary, plan, units, users};
use crate::{Actor, App, AppError, Resource, Result};

/// Largest file accepted for an import.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Units,
    Users,
    /// A campaign's task-breakdown sheet.
    Plan,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Units => "units",
            Self::Users => "users",
            Self::Plan => "plan",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "units" => Some(Self::Units),
            "users" => Some(Self::Users),
            "plan" => Some(Self::Plan),
            _ => None,
        }
    }

    fn permission(self) -> Permission {
        match self {
            Self::Units => Permission::ManageUnits,
            Self::Users => Permission::ManageUsers,
            Self::Plan => Permission::ManagePlans,
        }
    }
}

/// What an import needs beyond its file: a plan's campaign, and the column mapping chosen in
/// the preview (the one guessed from the headers until then).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
}

impl Options {
    fn from_row(row: &imports::ImportRow) -> Self {
        row.options_json.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }
}

/// An import as its uploader sees it: the preview while it waits, the summary once done.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportJob {
    pub id: i64,
    pub kind: ImportKind,
    pub filename: String,
    pub sha256: String,
    /// `previewed`, `committed` or `failed`.
    pub status: String,
    pub created_at: Timestamp,
    pub options: Options,
    pub preview: Option<Preview>,
    pub summary: Option<serde_json::Value>,
}

fn sanitise_filename(name: &str) -> String {
    // Shown, never used as a path: keep the last segment, drop control and bidi characters.
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String =
        last.chars().filter(|c| !c.is_control() && !is_bidi_control(*c)).take(TextKind::FileName.max_chars()).collect();
    if clean.trim().is_empty() { "upload".to_owned() } else { clean }
}

pub(super) fn read(app: &App, bytes: &[u8]) -> Result<Grid> {
    (app.read_sheet)(bytes).map_err(|error| {
        tracing::info!(code = error.code, detail = %error.detail, "import file refused");
        AppError::invalid("file", error.code)
    })
}

fn table(grid: Grid) -> Result<Table> {
    Table::from_grid(grid).ok_or(AppError::invalid("file", "file_empty"))
}

/// A preview, and what keeps its check for the commit of the import once it has an id
/// (task sheets only).
type Kept = Option<Box<dyn FnOnce(i64) + Send>>;

async fn preview_of(
    app: &App,
    actor: &Actor,
    kind: ImportKind,
    grid: Grid,
    options: &Options,
) -> Result<(Preview, Kept)> {
    match kind {
        ImportKind::Units => Ok((units::preview_units(app, actor, &table(grid)?).await?, None)),
        ImportKind::Users => Ok((users::preview_users(app, actor, &table(grid)?).await?, None)),
        ImportKind::Plan => {
            let (preview, keep) = plan::preview_plan(app, actor, &grid, options).await?;
            Ok((preview, Some(Box::new(keep))))
        }
    }
}

/// Stores an upload after checking it can be read, and previews it; writes nothing else.
pub async fn upload(
    app: &App,
    actor: &Actor,
    kind: ImportKind,
    filename: &str,
    bytes: &[u8],
    options: Options,
) -> Result<ImportJob> {
    if !actor.can_anywhere(kind.permission()) {
        return Err(AppError::Forbidden);
    }
    if kind == ImportKind::Plan && options.campaign_id.is_none() {
        return Err(AppError::invalid("campaign_id", "required"));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "file_empty"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::invalid("file", "file_too_large"));
    }
    let (preview, keep) = preview_of(app, actor, kind, read(app, bytes)?, &options).await?;
    let sha256 = sha256_hex(bytes);
    let filename = sanitise_filename(filename);
    let now = Timestamp::now();
    let options_json = serde_json::to_string(&options).unwrap_or_default();
    let new = imports::NewImport {
        kind: kind.as_str(),
        user: actor.user.id,
        filename: &filename,
        sha256: &sha256,
        content: bytes,
        options_json: Some(&options_json),
    };
    let mut tx = app.store.write().await?;
    let id = imports::insert(&mut tx, new, now).await?;
    tx.commit().await?;
    if let Some(keep) = keep {
        keep(id);
    }
    Ok(ImportJob {
        id,
        kind,
        filename,
        sha256,
        status: "previewed".into(),
        created_at: now,
        options,
        preview: Some(preview),
        summary: None,
    })
}

/// Loads an import of the actor's own; anyone else's answers `import_not_found`.
async fn own(app: &App, actor: &Actor, id: i64) -> Result<(imports::ImportRow, Vec<u8>, ImportKind)> {
    let mut conn = app.store.read().await?;
    let (row, bytes) = imports::get(&mut conn, id).await.map_err(AppError::from_store(Resource::Import))?;
    let kind = ImportKind::parse(&row.kind).ok_or(AppError::NotFound(Resource::Import))?;
    if row.user_id != actor.user.id {
        return Err(AppError::NotFound(Resource::Import));
    }
    Ok((row, bytes, kind))
}

/// An import with a fresh preview (the data may have changed since the upload).
pub async fn job(app: &App, actor: &Actor, id: i64) -> Result<ImportJob> {
    let (row, bytes, kind) = own(app, actor, id).await?;
    let options = Options::from_row(&row);
    let preview = if row.status == "previewed" {
        let (preview, keep) = preview_of(app, actor, kind, read(app, &bytes)?, &options).await?;
        if let Some(keep) = keep {
            keep(row.id);
        }
        Some(preview)
    } else {
        None
    };
    Ok(ImportJob {
        id: row.id,
        kind,
        filename: row.filename,
        sha256: row.sha256,
        status: row.status,
        created_at: row.created_at,
        options,
        preview,
        summary: row.summary_json.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

/// The actor's latest imports, newest first.
pub async fn recent(app: &App, actor: &Actor) -> Result<Vec<ImportJob>> {
    let mut conn = app.store.read().await?;
    let rows = imports::recent_for(&mut conn, actor.user.id, 10).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ImportJob {
                options: Options::from_row(&row),
                id: row.id,
                kind: ImportKind::parse(&row.kind)?,
                filename: row.filename,
                sha256: row.sha256,
                status: row.status,
                created_at: row.created_at,
                preview: None,
                summary: row.summary_json.and_then(|s| serde_json::from_str(&s).ok()),
            })
        })
        .collect())
}

/// Sets the column mapping of a task sheet still waiting to be committed, and previews it
/// again with the new mapping (checked by [`Mapping::from_letters`]).
pub async fn set_mapping(app: &App, actor: &Actor, id: i64, mapping: Mapping) -> Result<ImportJob> {
    let (row, _, kind) = own(app, actor, id).await?;
    if !actor.can_anywhere(kind.permission()) {
        return Err(AppError::Forbidden);
    }
    if kind != ImportKind::Plan {
        return Err(AppError::invalid("mapping", "mapping_not_allowed"));
    }
    let options = Options { mapping: Some(mapping), ..Options::from_row(&row) };
    let json = serde_json::to_string(&options).unwrap_or_default();
    let mut tx = app.store.write().await?;
    imports::set_options(&mut tx, id, &json).await.map_err(|error| match error {
        StoreError::Stale => AppError::Conflict("import_already_committed"),
        other => other.into(),
    })?;
    tx.commit().await?;
    job(app, actor, id).await
}

/// Commits a previewed import: every row and the job's new status in one transaction, or
/// nothing when any row fails (the job stays previewed, to be fixed and uploaded again).
pub async fn commit(app: &App, actor: &Actor, id: i64) -> Result<Summary> {
    let (row, bytes, kind) = own(app, actor, id).await?;
    if row.status != "previewed" {
        return Err(AppError::Conflict("import_already_committed"));
    }
    let options = Options::from_row(&row);
    let mut tx;
    let summary = match kind {
        ImportKind::Users => {
            // Passwords are hashed before the transaction opens, so it stays short.
            let table = table(read(app, &bytes)?)?;
            let prepared = users::prepare_users(app, actor, &table).await?;
            tx = app.store.write_alone().await?;
            users::apply_users(&mut tx, actor, prepared, table.rows.len(), &row.sha256).await?
        }
        ImportKind::Units => {
            tx = app.store.write_alone().await?;
            units::apply_units(&mut tx, actor, &table(read(app, &bytes)?)?, &row.sha256).await?
        }
        ImportKind::Plan => {
            tx = app.store.write_alone().await?;
            plan::apply_plan(app, &mut tx, actor, (id, &bytes), &options, &row.sha256).await?
        }
    };
    let json = serde_json::to_string(&summary).unwrap_or_default();
    imports::finish(&mut tx, id, "committed", &json, Timestamp::now()).await.map_err(|error| match error {
        StoreError::Stale => AppError::Conflict("import_already_committed"),
        other => other.into(),
    })?;
    tx.commit().await?;
    Ok(summary)
}
