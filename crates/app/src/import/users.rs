//! Importing accounts: each row an account with its home unit and, optionally, a role there.

use std::collections::HashMap;

use pacesetter_domain::{
    FieldError, Locale, Permission, Role, Timestamp,
    table::{Table, column_letter},
    unit::Unit,
};
use pacesetter_store::{Conn, WriteTx, grants, units, users};

use super::{CellError, MAX_ROWS, Preview, PreviewRow, RowAction, Summary};
use crate::{
    Actor, App, AppError, Resource, Result, audit,
    users::{NewUserInput, parse_new_user},
};

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

async fn plan_users(conn: &mut Conn, actor: &Actor, table: &Table) -> Result<(Preview, Vec<PlannedUser>)> {
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
                errors.push(CellError::new(letter(c.unit), "unit_id", "unit_not_found"));
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
                    errors.push(CellError::new(letter(column), field, code));
                }
                None
            }
        };
        let role_text = cell(c.role).trim();
        let role = role_from_label(role_text);
        if !role_text.is_empty() && (role.is_none() || role == Some(Role::Admin)) {
            errors.push(CellError::new(letter(c.role), "role", "invalid_role"));
        }
        let locale_text = cell(c.locale).trim();
        let locale = Locale::parse(locale_text);
        if !locale_text.is_empty() && locale.is_none() {
            errors.push(CellError::new(letter(c.locale), "locale", "invalid_locale"));
        }
        if let Some(valid) = &valid {
            if !seen.insert(valid.username.clone()) {
                errors.push(CellError::new(letter(c.username), "username", "duplicate_in_file"));
            } else if users::find_by_username(conn, &valid.username).await?.is_some() {
                errors.push(CellError::new(letter(c.username), "username", "username_taken"));
            }
        }
        // The preview never shows a password back.
        let mut values = row.clone();
        if let Some(p) = c.password.and_then(|p| values.get_mut(p)) {
            *p = "••••••".to_owned();
        }
        let ok = errors.is_empty();
        rows.push(PreviewRow { line: *line, action: RowAction::Create, values, errors, dates: Vec::new() });
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
    Ok((Preview::new(table.headers.clone(), rows, missing_columns), planned))
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
    let prepared = prepare_users(app, actor, table).await?;
    let mut tx = app.store.write_alone().await?;
    let summary = apply_users(&mut tx, actor, prepared, table.rows.len(), file_sha256).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Accounts checked and their passwords hashed, ready to write.
pub(super) struct PreparedUsers(Vec<(PlannedUser, String)>);

/// Checks the sheet and hashes the passwords, outside any transaction: argon2 is slow by
/// design.
pub(super) async fn prepare_users(app: &App, actor: &Actor, table: &Table) -> Result<PreparedUsers> {
    require_users(actor)?;
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
    Ok(PreparedUsers(hashed))
}

/// Writes prepared accounts inside the caller's transaction.
pub(super) async fn apply_users(
    tx: &mut WriteTx,
    actor: &Actor,
    prepared: PreparedUsers,
    rows: usize,
    file_sha256: &str,
) -> Result<Summary> {
    let hashed = prepared.0;
    let now = Timestamp::now();
    for (user, hash) in &hashed {
        let new = users::NewUser {
            username: &user.username,
            display_name: &user.display_name,
            password_hash: hash,
            unit_id: user.unit.id,
            locale: user.locale,
        };
        // A name taken since the preview fails the whole import, leaving nothing behind.
        let created = users::insert(&mut *tx, &new, now).await.map_err(AppError::from_store(Resource::User))?;
        audit::record::<(), _>(
            &mut *tx,
            actor.into(),
            "user.create",
            ("user", Some(created.id.0)),
            None,
            Some(&created),
        )
        .await?;
        if let Some(role) = user.role {
            let grant = grants::insert(&mut *tx, created.id, role, user.unit.id, now).await?;
            audit::record::<(), _>(
                &mut *tx,
                actor.into(),
                "grant.create",
                ("grant", Some(grant.id.0)),
                None,
                Some(&grant),
            )
            .await?;
        }
    }
    let note = serde_json::json!({ "sha256": file_sha256, "rows": rows, "created": hashed.len() });
    audit::record::<(), _>(&mut *tx, actor.into(), "import.users", ("import", None), None, Some(&note)).await?;
    Ok(Summary { created: hashed.len(), ..Summary::default() })
}
