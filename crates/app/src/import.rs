//! Importing units and accounts from a sheet: a preview with row-level errors first, then
//! a commit that writes every row in one transaction or nothing at all.

use std::collections::HashMap;

use pacesetter_domain::{
    FieldError, Locale, Permission, Role, Timestamp,
    table::{Table, column_letter},
    unit::{Unit, UnitFields, UnitInput, UnitKind},
};
use pacesetter_store::{AnyConnection, grants, units, users};

use crate::{
    Actor, App, AppError, Result, audit,
    users::{NewUserInput, parse_new_user},
};

/// The most rows one import may hold.
pub const MAX_ROWS: usize = 5_000;

/// What committing a row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
}

/// One problem in one cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// The spreadsheet column letter, or "" when the problem is the row as a whole.
    pub column: String,
    pub field: &'static str,
    pub code: &'static str,
}

/// A row of the preview.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub action: RowAction,
    pub values: Vec<String>,
    pub errors: Vec<CellError>,
}

/// The preview: headers found, each row's action and errors.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<PreviewRow>,
    pub error_count: usize,
    pub missing_columns: Vec<&'static str>,
}

impl Preview {
    pub fn is_clean(&self) -> bool {
        self.error_count == 0 && self.missing_columns.is_empty()
    }
}

/// How many records a commit wrote.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn kind_from_label(text: &str) -> Option<UnitKind> {
    let text = text.trim();
    UnitKind::parse(text).or(match text {
        "专项组" => Some(UnitKind::SteeringGroup),
        "专项办" | "办公室" => Some(UnitKind::Office),
        "职能组" => Some(UnitKind::FunctionalGroup),
        "成员单位" => Some(UnitKind::MemberUnit),
        "自治区" | "区" | "省" => Some(UnitKind::Region),
        "地市" | "地(市)" | "地区" | "市" => Some(UnitKind::Prefecture),
        "县区" | "县(区)" | "县" => Some(UnitKind::County),
        _ => None,
    })
}

struct UnitColumns {
    code: Option<usize>,
    name: Option<usize>,
    name_bo: Option<usize>,
    name_en: Option<usize>,
    kind: Option<usize>,
    parent: Option<usize>,
    category: Option<usize>,
}

impl UnitColumns {
    fn find(table: &Table) -> Self {
        Self {
            code: table.column(&["code", "编码", "代码", "区划代码"]),
            name: table.column(&["name", "名称", "单位名称"]),
            name_bo: table.column(&["name_bo", "藏文名称"]),
            name_en: table.column(&["name_en", "英文名称"]),
            kind: table.column(&["kind", "类型", "单位类型"]),
            parent: table.column(&["parent_code", "上级编码", "上级代码"]),
            category: table.column(&["category", "类别", "考核类别"]),
        }
    }

    fn letter(column: Option<usize>) -> String {
        column.map(column_letter).unwrap_or_default()
    }

    fn letter_of(&self, field: &str) -> String {
        Self::letter(match field {
            "code" => self.code,
            "name" => self.name,
            "name_bo" => self.name_bo,
            "name_en" => self.name_en,
            "kind" => self.kind,
            "parent" => self.parent,
            "category" => self.category,
            _ => None,
        })
    }
}

/// A unit row as it will be written.
struct PlannedUnit {
    fields: UnitFields,
    parent_code: Option<String>,
    existing: Option<Unit>,
}

async fn plan_units(conn: &mut AnyConnection, actor: &Actor, table: &Table) -> Result<(Preview, Vec<PlannedUnit>)> {
    let columns = UnitColumns::find(table);
    let mut missing_columns = Vec::new();
    if columns.name.is_none() {
        missing_columns.push("name");
    }
    if columns.kind.is_none() {
        missing_columns.push("kind");
    }
    if table.rows.len() > MAX_ROWS {
        return Err(AppError::invalid("file", "too_many_rows"));
    }
    let existing: HashMap<String, Unit> =
        units::all(conn).await?.into_iter().filter_map(|u| u.code.clone().map(|c| (c, u))).collect();
    // Kinds of the units the file itself creates, by code, so later rows can sit under them.
    let mut file_kinds: HashMap<String, UnitKind> = HashMap::new();
    let mut rows = Vec::new();
    let mut planned = Vec::new();
    for (line, row) in &table.rows {
        let cell = |c| Table::cell(row, c);
        let mut errors: Vec<CellError> = Vec::new();
        let mut push = |field: &'static str, code: &'static str| {
            errors.push(CellError { column: columns.letter_of(field), field, code });
        };
        let kind_text = cell(columns.kind);
        let kind = kind_from_label(kind_text);
        let input = UnitInput {
            kind: kind.map(UnitKind::as_str).unwrap_or(kind_text),
            code: cell(columns.code),
            name: cell(columns.name),
            name_bo: cell(columns.name_bo),
            name_en: cell(columns.name_en),
            category: cell(columns.category),
        };
        let fields = match UnitFields::parse(&input) {
            Ok(fields) => Some(fields),
            Err(invalid) => {
                for FieldError { field, code } in invalid.fields {
                    push(field, code);
                }
                None
            }
        };
        let parent_code = Some(cell(columns.parent).trim().to_owned()).filter(|c| !c.is_empty());
        let existing_unit = fields.as_ref().and_then(|f| f.code.as_ref()).and_then(|c| existing.get(c)).cloned();
        // A column the sheet does not have keeps the stored value instead of erasing it.
        let fields = fields.map(|mut f| {
            if let Some(unit) = &existing_unit {
                if columns.name_bo.is_none() {
                    f.name_bo = unit.name_bo.clone();
                }
                if columns.name_en.is_none() {
                    f.name_en = unit.name_en.clone();
                }
                if columns.category.is_none() {
                    f.category = unit.category.clone();
                }
            }
            f
        });
        let mut action = RowAction::Create;
        if let Some(unit) = &existing_unit {
            if !actor.can(Permission::ManageUnits, &unit.path) {
                push("code", "code_taken");
            } else if fields.as_ref().is_some_and(|f| *f == unit.fields()) {
                action = RowAction::Unchanged;
            } else {
                action = RowAction::Update;
            }
        }
        if let (Some(fields), None) = (&fields, &existing_unit) {
            let parent_kind = match &parent_code {
                None => None,
                Some(code) => match (existing.get(code), file_kinds.get(code)) {
                    (Some(parent), _) if actor.can(Permission::ManageUnits, &parent.path) => Some(Some(parent.kind)),
                    (_, Some(kind)) => Some(Some(*kind)),
                    _ => {
                        push("parent", "parent_not_found");
                        None
                    }
                },
            };
            match (&parent_code, parent_kind) {
                (None, _) if !actor.scope.roles().contains(&Role::Admin) => push("parent", "required"),
                (None, _) if !fields.kind.may_sit_under(None) => push("kind", "kind_not_allowed_here"),
                (Some(_), Some(kind)) if !fields.kind.may_sit_under(kind) => push("kind", "kind_not_allowed_here"),
                _ => {}
            }
            if let Some(code) = &fields.code
                && file_kinds.insert(code.clone(), fields.kind).is_some()
            {
                push("code", "duplicate_in_file");
            }
        }
        let ok = errors.is_empty();
        rows.push(PreviewRow { line: *line, action, values: row.clone(), errors });
        if let (true, Some(fields)) = (ok, fields) {
            planned.push(PlannedUnit { fields, parent_code, existing: existing_unit });
        }
    }
    let error_count = rows.iter().map(|r| r.errors.len()).sum();
    Ok((Preview { headers: table.headers.clone(), rows, error_count, missing_columns }, planned))
}

/// Checks a units sheet and shows what a commit would do; writes nothing.
pub async fn preview_units(app: &App, actor: &Actor, table: &Table) -> Result<Preview> {
    require_import(actor)?;
    let mut conn = app.store.read().await?;
    Ok(plan_units(&mut conn, actor, table).await?.0)
}

fn require_import(actor: &Actor) -> Result<()> {
    if actor.can_anywhere(Permission::ManageUnits) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Writes a clean units sheet in one transaction; refuses the whole file if any row fails.
pub async fn commit_units(app: &App, actor: &Actor, table: &Table, file_sha256: &str) -> Result<Summary> {
    require_import(actor)?;
    let mut tx = app.store.write().await?;
    let (preview, planned) = plan_units(&mut tx, actor, table).await?;
    if !preview.is_clean() {
        return Err(AppError::Conflict("import_has_errors"));
    }
    let now = Timestamp::now();
    let backend = app.store.backend();
    let mut summary = Summary { created: 0, updated: 0, unchanged: 0 };
    for row in planned {
        match row.existing {
            Some(unit) if unit.fields() == row.fields => summary.unchanged += 1,
            Some(unit) => {
                let after = units::update(&mut tx, unit.id, unit.version, &row.fields, now).await?;
                audit::record(
                    &mut tx,
                    backend,
                    actor.into(),
                    "unit.update",
                    ("unit", Some(unit.id.0)),
                    Some(&unit),
                    Some(&after),
                )
                .await?;
                summary.updated += 1;
            }
            None => {
                let parent = match &row.parent_code {
                    Some(code) => {
                        Some(units::find_by_code(&mut tx, code).await?.ok_or(AppError::Conflict("import_has_errors"))?)
                    }
                    None => None,
                };
                let unit = units::insert(&mut tx, parent.as_ref(), &row.fields, now)
                    .await
                    .map_err(AppError::from_store("unit"))?;
                audit::record::<(), _>(
                    &mut tx,
                    backend,
                    actor.into(),
                    "unit.create",
                    ("unit", Some(unit.id.0)),
                    None,
                    Some(&unit),
                )
                .await?;
                summary.created += 1;
            }
        }
    }
    let note = serde_json::json!({ "sha256": file_sha256, "rows": table.rows.len(), "created": summary.created, "updated": summary.updated });
    audit::record::<(), _>(&mut tx, backend, actor.into(), "import.units", ("import", None), None, Some(&note)).await?;
    tx.commit().await?;
    Ok(summary)
}

struct UserColumns {
    username: Option<usize>,
    display_name: Option<usize>,
    unit: Option<usize>,
    role: Option<usize>,
    password: Option<usize>,
    locale: Option<usize>,
}

fn role_from_label(text: &str) -> Option<Role> {
    let text = text.trim();
    Role::parse(text).or(match text {
        "管理员" => Some(Role::Admin),
        "协调员" | "专项办" => Some(Role::Coordinator),
        "联络员" => Some(Role::Liaison),
        "审核人" => Some(Role::UnitApprover),
        "督导员" => Some(Role::Inspector),
        "评委" => Some(Role::Judge),
        "查看者" | "领导" => Some(Role::Viewer),
        _ => None,
    })
}

struct PlannedUser {
    username: String,
    display_name: String,
    password: String,
    unit: Unit,
    role: Option<Role>,
    locale: Option<Locale>,
}

async fn plan_users(conn: &mut AnyConnection, actor: &Actor, table: &Table) -> Result<(Preview, Vec<PlannedUser>)> {
    let c = UserColumns {
        username: table.column(&["username", "用户名", "账号"]),
        display_name: table.column(&["display_name", "显示名称", "职务"]),
        unit: table.column(&["unit_code", "单位编码"]),
        role: table.column(&["role", "角色"]),
        password: table.column(&["password", "初始密码"]),
        locale: table.column(&["locale", "语言"]),
    };
    let mut missing_columns = Vec::new();
    for (name, column) in
        [("username", c.username), ("display_name", c.display_name), ("unit_code", c.unit), ("password", c.password)]
    {
        if column.is_none() {
            missing_columns.push(name);
        }
    }
    if table.rows.len() > MAX_ROWS {
        return Err(AppError::invalid("file", "too_many_rows"));
    }
    let by_code: HashMap<String, Unit> =
        units::all(conn).await?.into_iter().filter_map(|u| u.code.clone().map(|code| (code, u))).collect();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let mut planned = Vec::new();
    for (line, row) in &table.rows {
        let cell = |col| Table::cell(row, col);
        let letter = |col: Option<usize>| col.map(column_letter).unwrap_or_default();
        let mut errors = Vec::new();
        let unit = match by_code.get(cell(c.unit).trim()) {
            Some(unit) if actor.can(Permission::ManageUsers, &unit.path) => Some(unit.clone()),
            _ => {
                errors.push(CellError { column: letter(c.unit), field: "unit_id", code: "unit_not_found" });
                None
            }
        };
        let input = NewUserInput {
            username: cell(c.username),
            display_name: cell(c.display_name),
            password: cell(c.password),
            unit_id: unit.as_ref().map(|u| u.id),
            locale: None,
        };
        let valid = match parse_new_user(&input) {
            Ok(valid) => Some(valid),
            Err(invalid) => {
                for FieldError { field, code } in invalid.fields.into_iter().filter(|f| f.field != "unit_id") {
                    let column = match field {
                        "username" => c.username,
                        "display_name" => c.display_name,
                        _ => c.password,
                    };
                    errors.push(CellError { column: letter(column), field, code });
                }
                None
            }
        };
        let role_text = cell(c.role).trim();
        let role = role_from_label(role_text);
        if !role_text.is_empty() && (role.is_none() || role == Some(Role::Admin)) {
            errors.push(CellError { column: letter(c.role), field: "role", code: "invalid_role" });
        }
        let locale_text = cell(c.locale).trim();
        let locale = Locale::parse(locale_text);
        if !locale_text.is_empty() && locale.is_none() {
            errors.push(CellError { column: letter(c.locale), field: "locale", code: "invalid_locale" });
        }
        if let Some(valid) = &valid {
            if !seen.insert(valid.username.clone()) {
                errors.push(CellError { column: letter(c.username), field: "username", code: "duplicate_in_file" });
            } else if users::find_by_username(conn, &valid.username).await?.is_some() {
                errors.push(CellError { column: letter(c.username), field: "username", code: "username_taken" });
            }
        }
        // The preview never shows a password back.
        let mut values = row.clone();
        if let Some(p) = c.password.and_then(|p| values.get_mut(p)) {
            *p = "••••••".to_owned();
        }
        let ok = errors.is_empty();
        rows.push(PreviewRow { line: *line, action: RowAction::Create, values, errors });
        if let (true, Some(valid), Some(unit)) = (ok, valid, unit) {
            planned.push(PlannedUser {
                username: valid.username,
                display_name: valid.display_name,
                password: cell(c.password).to_owned(),
                unit,
                role,
                locale,
            });
        }
    }
    let error_count = rows.iter().map(|r| r.errors.len()).sum();
    Ok((Preview { headers: table.headers.clone(), rows, error_count, missing_columns }, planned))
}

pub async fn preview_users(app: &App, actor: &Actor, table: &Table) -> Result<Preview> {
    require_users(actor)?;
    let mut conn = app.store.read().await?;
    Ok(plan_users(&mut conn, actor, table).await?.0)
}

fn require_users(actor: &Actor) -> Result<()> {
    if actor.can_anywhere(Permission::ManageUsers) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Creates every account of a clean sheet in one transaction, with its role on its unit.
pub async fn commit_users(app: &App, actor: &Actor, table: &Table, file_sha256: &str) -> Result<Summary> {
    require_users(actor)?;
    // Hash outside the transaction: argon2 is slow by design.
    let planned = {
        let mut conn = app.store.read().await?;
        let (preview, planned) = plan_users(&mut conn, actor, table).await?;
        if !preview.is_clean() {
            return Err(AppError::Conflict("import_has_errors"));
        }
        planned
    };
    let mut hashed = Vec::with_capacity(planned.len());
    for user in planned {
        let hash = crate::users::hash_blocking(&user.password).await?;
        hashed.push((user, hash));
    }
    let mut tx = app.store.write().await?;
    let now = Timestamp::now();
    let backend = app.store.backend();
    for (user, hash) in &hashed {
        let new = users::NewUser {
            username: &user.username,
            display_name: &user.display_name,
            password_hash: hash,
            unit_id: user.unit.id,
            locale: user.locale,
        };
        // A name taken since the preview fails the whole import, leaving nothing behind.
        let created = users::insert(&mut tx, &new, now).await.map_err(AppError::from_store("user"))?;
        audit::record::<(), _>(
            &mut tx,
            backend,
            actor.into(),
            "user.create",
            ("user", Some(created.id.0)),
            None,
            Some(&created),
        )
        .await?;
        if let Some(role) = user.role {
            let grant = grants::insert(&mut tx, created.id, role, user.unit.id, now).await?;
            audit::record::<(), _>(
                &mut tx,
                backend,
                actor.into(),
                "grant.create",
                ("grant", Some(grant.id.0)),
                None,
                Some(&grant),
            )
            .await?;
        }
    }
    let note = serde_json::json!({ "sha256": file_sha256, "rows": table.rows.len(), "created": hashed.len() });
    audit::record::<(), _>(&mut tx, backend, actor.into(), "import.users", ("import", None), None, Some(&note)).await?;
    tx.commit().await?;
    Ok(Summary { created: hashed.len(), updated: 0, unchanged: 0 })
}
