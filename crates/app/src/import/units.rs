//! Importing units: match columns by their Chinese or English headers, check every row,
//! and create or update units in one transaction.

use std::collections::HashMap;

use pacesetter_domain::{
    FieldError, Permission, Role, Timestamp,
    table::{Table, column_letter},
    unit::{Unit, UnitFields, UnitInput, UnitKind},
};
use pacesetter_store::{Conn, WriteTx, units};

use super::{CellError, MAX_ROWS, Preview, PreviewRow, RowAction, Summary};
use crate::{Actor, App, AppError, Resource, Result, audit};

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
    aliases: Option<usize>,
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
            aliases: table.column(&["aliases", "别名", "简称", "曾用名", "别名/简称"]),
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
            "aliases" => self.aliases,
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

async fn plan_units(conn: &mut Conn, actor: &Actor, table: &Table) -> Result<(Preview, Vec<PlannedUnit>)> {
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
            errors.push(CellError::new(columns.letter_of(field), field, code));
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
            aliases: cell(columns.aliases),
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
                if columns.aliases.is_none() {
                    f.aliases = unit.aliases.clone();
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
        rows.push(PreviewRow { line: *line, action, values: row.clone(), errors, dates: Vec::new() });
        if let (true, Some(fields)) = (ok, fields) {
            planned.push(PlannedUnit { fields, parent_code, existing: existing_unit });
        }
    }
    Ok((Preview::new(table.headers.clone(), rows, missing_columns), planned))
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
    let mut tx = app.store.write_alone().await?;
    let summary = apply_units(&mut tx, actor, table, file_sha256).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Writes a clean units sheet inside the caller's transaction.
pub(super) async fn apply_units(tx: &mut WriteTx, actor: &Actor, table: &Table, file_sha256: &str) -> Result<Summary> {
    require_import(actor)?;
    let (preview, planned) = plan_units(&mut *tx, actor, table).await?;
    if !preview.is_clean() {
        return Err(AppError::Conflict("import_has_errors"));
    }
    let now = Timestamp::now();
    let mut summary = Summary::default();
    for row in planned {
        match row.existing {
            Some(unit) if unit.fields() == row.fields => summary.unchanged += 1,
            Some(unit) => {
                let after = units::update(&mut *tx, unit.id, unit.version, &row.fields, now).await?;
                audit::record(
                    &mut *tx,
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
                    Some(code) => Some(
                        units::find_by_code(&mut *tx, code).await?.ok_or(AppError::Conflict("import_has_errors"))?,
                    ),
                    None => None,
                };
                let unit = units::insert(&mut *tx, parent.as_ref(), &row.fields, now)
                    .await
                    .map_err(AppError::from_store(Resource::Unit))?;
                audit::record::<(), _>(
                    &mut *tx,
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
    audit::record::<(), _>(&mut *tx, actor.into(), "import.units", ("import", None), None, Some(&note)).await?;
    Ok(summary)
}
