//! One task of a task sheet decided from its rows: its parent, its units (lead and co-units),
//! its dates, and whether the plan already has it (then updated or left alone).

use std::collections::HashSet;

use pacesetter_domain::{
    FieldError, UnitId,
    plan::{ItemFields, ItemInput, PlanItem},
    plan_sheet::{self, Deadline, Mapping, SheetField, squeeze},
    table::{Table, column_letter},
    timestamp::format_date,
};
use time::Date;

use super::{Context, Group, Parent, PlannedTask};
use crate::import::{CellError, DateRead, RowAction};

/// A task decided from its rows; errors and dates carry the offset of the row they belong to.
pub(super) struct Decided {
    pub(super) task: Option<PlannedTask>,
    pub(super) errors: Vec<(usize, CellError)>,
    pub(super) dates: Vec<(usize, DateRead)>,
}

/// Decides one task from its rows.
pub(super) fn plan_task(ctx: &Context, group: &Group<'_>, mapping: &Mapping, new_parents: &mut Vec<String>) -> Decided {
    let column = |field: SheetField| mapping.column(field);
    let letter = |field: SheetField| column(field).map(column_letter).unwrap_or_default();
    let cell = |row: &[String], field: SheetField| Table::cell(row, column(field)).trim().to_owned();
    let mut errors: Vec<(usize, CellError)> = Vec::new();
    let first = group.rows[0].1;

    let parent = if ctx.task_depth <= 1 {
        Some(Parent::Top)
    } else {
        let key = squeeze(&group.parent);
        match ctx.find_parent(&group.parent) {
            Some(item) => Some(Parent::Existing(item.id)),
            None if group.parent.is_empty() => {
                errors.push((0, CellError::new(letter(SheetField::Parent), "parent", "required")));
                None
            }
            // Only items at the top of the plan are created by an import; deeper ones must exist.
            None if ctx.task_depth == 2 => {
                Some(Parent::New(new_parents.iter().position(|p| squeeze(p) == key).unwrap_or_else(|| {
                    new_parents.push(group.parent.clone());
                    new_parents.len() - 1
                })))
            }
            None => {
                let mut error = CellError::new(letter(SheetField::Parent), "parent", "parent_item_not_found");
                error.suggestions =
                    plan_sheet::suggestions(&group.parent, ctx.parents.values().map(|p| p.title.as_str()));
                errors.push((0, error));
                None
            }
        }
    };

    // Units: the first name in the lead column leads; every other name co-implements.
    let lead_names = plan_sheet::split_units(Table::cell(first, column(SheetField::Lead)));
    let (leads, lead_errors) = ctx.units.resolve(&lead_names, &letter(SheetField::Lead), "lead");
    errors.extend(lead_errors.into_iter().map(|e| (0, e)));
    if lead_names.is_empty() && column(SheetField::Lead).is_some() {
        errors.push((0, CellError::new(letter(SheetField::Lead), "lead", "required")));
    }
    let mut co_units: Vec<UnitId> = leads.iter().skip(1).copied().collect();
    for (offset, (_, row)) in group.rows.iter().enumerate() {
        let names = plan_sheet::split_units(Table::cell(row, column(SheetField::Units)));
        let (found, unit_errors) = ctx.units.resolve(&names, &letter(SheetField::Units), "units");
        errors.extend(unit_errors.into_iter().map(|e| (offset, e)));
        if offset > 0 {
            let more = plan_sheet::split_units(Table::cell(row, column(SheetField::Lead)));
            let (found, lead_errors) = ctx.units.resolve(&more, &letter(SheetField::Lead), "lead");
            errors.extend(lead_errors.into_iter().map(|e| (offset, e)));
            co_units.extend(found);
        }
        co_units.extend(found);
    }
    let lead = leads.first().copied();
    let mut seen = HashSet::new();
    co_units.retain(|u| Some(*u) != lead && seen.insert(*u));

    // Dates: the earliest start and the latest deadline of the task's rows; a task with no
    // deadline of its own (长期) is followed until the campaign ends.
    let mut due: Option<Date> = None;
    let mut open = false;
    let mut starts: Option<Date> = None;
    let mut dates = Vec::new();
    for (offset, (_, row)) in group.rows.iter().enumerate() {
        // A cell merged over the task's rows is read once.
        let merged = |field| offset > 0 && cell(row, field) == cell(first, field);
        for (field, name) in [(SheetField::StartsOn, "starts_on"), (SheetField::DueOn, "due_on")] {
            let text = cell(row, field);
            if text.is_empty() || merged(field) {
                continue;
            }
            let read = match plan_sheet::parse_deadline(&text, ctx.campaign.year) {
                Some(Deadline::On(date)) if field == SheetField::DueOn => {
                    due = due.max(Some(date));
                    Some(date)
                }
                Some(Deadline::On(date)) => {
                    starts = Some(starts.map_or(date, |s| s.min(date)));
                    Some(date)
                }
                Some(Deadline::Open) if field == SheetField::DueOn => {
                    open = true;
                    None
                }
                Some(Deadline::Open) | None => {
                    errors.push((offset, CellError::new(letter(field), name, "invalid_deadline").about(&text)));
                    continue;
                }
            };
            dates.push((offset, DateRead { column: letter(field), field: name, date: read.map(format_date) }));
        }
    }
    let tracked = due.or(open.then_some(ctx.campaign.ends_on.max(ctx.today)));
    if tracked.is_none() && column(SheetField::DueOn).is_some() && !errors.iter().any(|(_, e)| e.field == "due_on") {
        errors.push((0, CellError::new(letter(SheetField::DueOn), "due_on", "required")));
    }

    let existing = if group.code.is_empty() {
        match parent {
            Some(Parent::Existing(id)) => ctx.tasks_by_title.get(&(Some(id), squeeze(&group.title))),
            Some(Parent::Top) => ctx.tasks_by_title.get(&(None, squeeze(&group.title))),
            _ => None,
        }
    } else {
        if ctx.other_codes.contains(&group.code) {
            errors.push((0, CellError::new(letter(SheetField::Code), "code", "item_code_taken")));
        }
        ctx.tasks_by_code.get(&group.code)
    };
    let starts = starts.or(existing.and_then(|e| e.starts_on)).unwrap_or(match tracked {
        Some(due) => ctx.today.min(due),
        None => ctx.today,
    });
    let mut measures: Vec<String> = Vec::new();
    for (_, row) in &group.rows {
        let text = cell(row, SheetField::Measures);
        if !text.is_empty() && !measures.contains(&text) {
            measures.push(text);
        }
    }
    let description = match (column(SheetField::Measures), existing) {
        // A sheet without the column keeps what the plan says.
        (None, Some(item)) => item.description.clone().unwrap_or_default(),
        _ => measures.join("\n"),
    };
    let weight = existing.map(|e| e.weight.to_string()).unwrap_or_default();
    let title_bo = match column(SheetField::TitleBo) {
        // A sheet without the column keeps what the plan says.
        None => existing.and_then(|e| e.title_bo.clone()).unwrap_or_default(),
        Some(_) => {
            group.rows.iter().map(|(_, row)| cell(row, SheetField::TitleBo)).find(|t| !t.is_empty()).unwrap_or_default()
        }
    };
    let (starts_text, due_text) = (format_date(starts), due.map(format_date).unwrap_or_default());
    let input = ItemInput {
        code: &group.code,
        title: &group.title,
        title_bo: &title_bo,
        description: &description,
        weight: &weight,
        starts_on: &starts_text,
        due_on: &due_text,
    };
    let fields = match ItemFields::parse(&input) {
        Ok(fields) => Some(fields),
        Err(invalid) => {
            for FieldError { field, code } in invalid.fields {
                let sheet_field = match field {
                    "code" => SheetField::Code,
                    "title_bo" => SheetField::TitleBo,
                    "description" => SheetField::Measures,
                    "starts_on" => SheetField::StartsOn,
                    "due_on" => SheetField::DueOn,
                    _ => SheetField::Title,
                };
                if !(field == "due_on" && code == "required") {
                    errors.push((0, CellError::new(letter(sheet_field), field, code)));
                }
            }
            None
        }
    };
    let (Some(parent), Some(fields), Some(lead), Some(due), true) = (parent, fields, lead, tracked, errors.is_empty())
    else {
        return Decided { task: None, errors, dates };
    };
    let action = match existing {
        None => RowAction::Create,
        Some(item) => {
            let mut before = ctx.co_units.get(&item.id).cloned().unwrap_or_default();
            let mut after = co_units.clone();
            before.sort();
            after.sort();
            let same = item_fields(item) == fields && item.lead_unit_id == Some(lead) && before == after;
            if same { RowAction::Unchanged } else { RowAction::Update }
        }
    };
    let task = PlannedTask { parent, existing: existing.cloned(), fields, lead, co_units, starts, due, action };
    Decided { task: Some(task), errors, dates }
}

fn item_fields(item: &PlanItem) -> ItemFields {
    ItemFields {
        code: item.code.clone(),
        title: item.title.clone(),
        title_bo: item.title_bo.clone(),
        description: item.description.clone(),
        weight: item.weight,
        starts_on: item.starts_on,
        due_on: item.due_on,
    }
}
