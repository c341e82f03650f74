//! A scheme imported from the office's own indicator table (XLSX or CSV, Chinese headers):
//! every bad cell listed by row and column, an inconsistent tree refused naming the node, and
//! the units named as self-assessing it become the units it ranks, each in its own category.

use pacesetter_domain::{
    Permission,
    evaluation::{
        records::StoredScheme,
        sheet::{self, SelfAssess},
    },
    ids::CampaignId,
    table::Table,
    unit::Unit,
};
use pacesetter_store::{Conn, units};
use serde_json::json;

use super::{MemberInput, SchemeInput, create, unprocessable};
use crate::{Actor, App, AppError, Result, plans::load_campaign};

/// Finds a unit named in the sheet by its code, else by its exact name, among those `actor` sees.
async fn find_unit(conn: &mut Conn, actor: &Actor, all: &[Unit], named: &str) -> Result<Option<Unit>> {
    let found = match units::find_by_code(conn, named).await? {
        Some(unit) => Some(unit),
        None => all.iter().find(|u| u.name == named && u.archived_at.is_none()).cloned(),
    };
    Ok(found.filter(|u| actor.can(Permission::ViewUnits, &u.path)))
}

/// Reads a sheet of indicators and creates the scheme as a draft, with the units it names.
pub async fn import(app: &App, actor: &Actor, campaign: CampaignId, name: &str, bytes: &[u8]) -> Result<StoredScheme> {
    {
        let mut conn = app.store.read().await?;
        let (_, office) = load_campaign(&mut conn, campaign).await?;
        actor.require(Permission::ManagePlans, &office.path)?;
    }
    let grid = (app.read_sheet)(bytes).map_err(|e| AppError::invalid("file", e.code))?;
    let table = Table::from_grid(grid).ok_or(AppError::invalid("file", "file_empty"))?;
    let read = sheet::read(&table).map_err(|errors| unprocessable("sheet_has_errors", json!({ "errors": errors })))?;
    let scheme = read.scheme();

    // The units named anywhere are the units ranked; "全部" means all of them.
    let mut conn = app.store.read().await?;
    let all = units::all(&mut conn).await?;
    let mut members: Vec<(Unit, Vec<String>)> = Vec::new();
    let mut unknown = Vec::new();
    for (_, who) in &read.self_assess {
        let SelfAssess::Units(names) = who else { continue };
        for named in names {
            match find_unit(&mut conn, actor, &all, named).await? {
                Some(unit) if !members.iter().any(|(m, _)| m.id == unit.id) => members.push((unit, Vec::new())),
                Some(_) => {}
                None => unknown.push(named.clone()),
            }
        }
    }
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        return Err(unprocessable("unit_not_found", json!({ "units": unknown })));
    }
    if members.is_empty() {
        return Err(unprocessable("no_units_named", json!({ "column": "自评单位" })));
    }
    for (leaf, who) in &read.self_assess {
        for (unit, leaves) in &mut members {
            let named = match who {
                SelfAssess::Nobody => false,
                SelfAssess::Everyone => true,
                SelfAssess::Units(names) => {
                    names.iter().any(|n| unit.code.as_deref() == Some(n.as_str()) || &unit.name == n)
                }
            };
            if named {
                leaves.push(leaf.clone());
            }
        }
    }
    drop(conn);
    let units = members
        .into_iter()
        .map(|(unit, leaves)| MemberInput {
            category: unit.category.clone().unwrap_or_else(|| unit.kind.as_str().to_owned()),
            unit: unit.id,
            self_assess: Some(leaves),
        })
        .collect();
    let scheme = serde_json::to_value(&scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    create(app, actor, campaign, &SchemeInput { name: name.to_owned(), name_bo: String::new(), scheme, units }).await
}
