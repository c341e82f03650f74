//! Importing an office's task-breakdown sheet (任务分解表) into a campaign: find the header rows,
//! map the columns (corrected in the preview when the guess is wrong), group the rows of one
//! task (a task merged over several rows of measures), match unit names with suggestions for
//! the ones not found, and read deadlines as offices write them. A task already in the plan
//! (same code, or same title under the same parent) is updated or left alone, so the exported
//! sheet, edited and imported again, creates no duplicates.

use std::collections::{HashMap, HashSet};

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    plan::{Campaign, ItemFields, ItemInput, PlanItem},
    plan_sheet::{self, Mapping, SheetField, squeeze},
    table::{Grid, Table, column_letter},
};
use pacesetter_store::{Conn, WriteTx, assignments, campaigns, plan_import, plan_items, units};
use time::Date;

use super::{CellError, DateRead, MAX_PLAN_ROWS, Preview, PreviewRow, RowAction, Summary, jobs::Options};
use crate::{Actor, App, AppError, Resource, Result, audit, plans::load_campaign};

/// The columns of the sheet and which field each holds, for the mapping form.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MappingView {
    /// Each column's header text, by column index.
    pub columns: Vec<String>,
    pub fields: Vec<FieldColumn>,
    /// The campaign's name for the level above tasks (工程/行动).
    pub parent_level: String,
    /// How many tasks the rows make.
    pub tasks: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldColumn {
    pub field: SheetField,
    /// The column letter, or `None` when nothing is read for the field.
    pub column: Option<String>,
    pub required: bool,
    /// The column was guessed (its header only contains a known name, or its cells showed
    /// what it holds): worth a look before committing.
    pub guessed: bool,
}

const REQUIRED: [SheetField; 3] = [SheetField::Title, SheetField::Lead, SheetField::DueOn];

/// What the import reads from the database once.
struct Context {
    campaign: Campaign,
    /// The campaign's day, within its year: where a new task without a start date starts, so
    /// that it is not late on the day it is imported.
    today: Date,
    task_depth: u8,
    parent_level: String,
    /// Items at the level above tasks, by title without spaces.
    parents: HashMap<String, PlanItem>,
    /// The same items by code.
    parents_by_code: HashMap<String, PlanItem>,
    tasks_by_code: HashMap<String, PlanItem>,
    tasks_by_title: HashMap<(Option<PlanItemId>, String), PlanItem>,
    /// Codes of items that are not tasks (a task may not take one).
    other_codes: HashSet<String>,
    co_units: HashMap<PlanItemId, Vec<UnitId>>,
    units: UnitIndex,
}

async fn context(conn: &mut Conn, actor: &Actor, campaign_id: CampaignId) -> Result<Context> {
    let (campaign, office) = load_campaign(conn, campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let levels = campaigns::levels(conn, campaign_id).await?;
    let task_depth = levels.iter().find(|l| l.is_task).map(|l| l.depth).unwrap_or(1);
    let parent_level = levels.iter().find(|l| l.depth + 1 == task_depth).map(|l| l.name.clone()).unwrap_or_default();
    let mut parents = HashMap::new();
    let mut parents_by_code = HashMap::new();
    let mut tasks_by_code = HashMap::new();
    let mut tasks_by_title = HashMap::new();
    let mut other_codes = HashSet::new();
    for item in plan_items::all(conn, campaign_id).await? {
        if item.depth == task_depth {
            if let Some(code) = &item.code {
                tasks_by_code.insert(code.clone(), item.clone());
            }
            tasks_by_title.insert((item.parent_id, squeeze(&item.title)), item);
        } else {
            if let Some(code) = &item.code {
                other_codes.insert(code.clone());
            }
            if item.depth + 1 == task_depth {
                if let Some(code) = &item.code {
                    parents_by_code.insert(squeeze(code), item.clone());
                }
                parents.insert(squeeze(&item.title), item);
            }
        }
    }
    let co_units = plan_import::co_units_by_task(conn, campaign_id).await?;
    let visible = units::all(conn)
        .await?
        .into_iter()
        .filter(|u| u.archived_at.is_none() && actor.can(Permission::ViewUnits, &u.path))
        .collect();
    let today = campaign.today(Timestamp::now()).clamp(campaign.starts_on, campaign.ends_on.max(campaign.starts_on));
    Ok(Context {
        campaign,
        today,
        task_depth,
        parent_level,
        parents,
        parents_by_code,
        tasks_by_code,
        tasks_by_title,
        other_codes,
        co_units,
        units: UnitIndex::new(visible),
    })
}

impl Context {
    /// The item above tasks a heading or a parent cell names: by title, by code, or by both
    /// ("GC-01 文化润心工程").
    fn find_parent(&self, name: &str) -> Option<&PlanItem> {
        let key = squeeze(name);
        self.parents.get(&key).or_else(|| self.parents_by_code.get(&key)).or_else(|| {
            self.parents_by_code
                .iter()
                .find(|(code, item)| key.strip_prefix(code.as_str()).is_some_and(|rest| rest == squeeze(&item.title)))
                .map(|(_, item)| item)
        })
    }
}

/// Where a task goes: at the top, under an item of the plan, or under one the import creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parent {
    Top,
    Existing(PlanItemId),
    New(usize),
}

/// A task as it will be written.
struct PlannedTask {
    parent: Parent,
    existing: Option<PlanItem>,
    fields: ItemFields,
    lead: UnitId,
    co_units: Vec<UnitId>,
    starts: Date,
    due: Date,
    action: RowAction,
}

/// The result of reading the sheet against the plan.
struct Planned {
    campaign: CampaignId,
    task_depth: u8,
    preview: Preview,
    new_parents: Vec<String>,
    tasks: Vec<PlannedTask>,
}

mod checked;
mod offline;
mod task;
mod unit_names;
pub(crate) use checked::CheckedPlans;
use checked::Fingerprint;
pub use offline::preview_task_sheet_offline;
use task::plan_task;
use unit_names::UnitIndex;

/// The rows of one task: consecutive rows with the same parent, number, code and title.
struct Group<'a> {
    parent: String,
    seq: String,
    code: String,
    title: String,
    rows: Vec<(usize, &'a [String])>,
}

impl Group<'_> {
    fn key(&self) -> (String, String, String) {
        (squeeze(&self.parent), self.code.clone(), squeeze(&self.title))
    }
}

/// Reads the sheet with `mapping` (the guessed one when `None`) and decides every row.
fn plan(ctx: &Context, grid: &Grid, mapping: Option<&Mapping>) -> Result<Planned> {
    let Some(header) = plan_sheet::find_header(grid, &ctx.parent_level) else {
        let mut preview = Preview::new(Vec::new(), Vec::new(), REQUIRED.iter().map(|f| f.as_str()).collect());
        preview.mapping = Some(MappingView {
            columns: Vec::new(),
            fields: field_columns(&Mapping::default(), &[]),
            parent_level: ctx.parent_level.clone(),
            tasks: 0,
        });
        return Ok(Planned {
            campaign: ctx.campaign.id,
            task_depth: ctx.task_depth,
            preview,
            new_parents: Vec::new(),
            tasks: Vec::new(),
        });
    };
    let data = &grid.rows[header.data_from..];
    if data.len() > MAX_PLAN_ROWS {
        return Err(AppError::invalid("file", "too_many_plan_rows"));
    }
    let (mapping, guessed) = match mapping {
        Some(mapping) => (mapping.clone(), Vec::new()),
        None => title_holds_parents(ctx, data, &header.mapping)
            .map(|mapping| (mapping, vec![SheetField::Title, SheetField::Parent]))
            .unwrap_or_else(|| (header.mapping.clone(), header.guessed.clone())),
    };
    let column = |field: SheetField| mapping.column(field);
    let letter = |field: SheetField| column(field).map(column_letter).unwrap_or_default();
    let text = |row: &[String], field: SheetField| Table::cell(row, column(field)).trim().to_owned();

    let mut actions: Vec<RowAction> = vec![RowAction::Create; data.len()];
    let mut errors: Vec<Vec<CellError>> = vec![Vec::new(); data.len()];
    let mut dates: Vec<Vec<DateRead>> = vec![Vec::new(); data.len()];
    // Group the rows into tasks, noting headings on the way; the table ends at its notes.
    let mut groups: Vec<(Group<'_>, Vec<usize>)> = Vec::new();
    let mut heading = String::new();
    let mut after_heading = false;
    let mut in_notes = false;
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for (index, (line, cells)) in data.iter().enumerate() {
        if in_notes || plan_sheet::is_note(cells) {
            in_notes = true;
            actions[index] = RowAction::Note;
            continue;
        }
        if let Some(text) = plan_sheet::heading(cells, column(SheetField::Title)) {
            heading = plan_sheet::one_line(text);
            after_heading = true;
            let creates = ctx.task_depth == 2 && ctx.find_parent(&heading).is_none();
            actions[index] = if creates { RowAction::NewParent } else { RowAction::Heading };
            continue;
        }
        let parent = match plan_sheet::one_line(plan_sheet::strip_ordinal(&text(cells, SheetField::Parent))) {
            named if !named.is_empty() => named,
            _ => heading.clone(),
        };
        let seq = text(cells, SheetField::Seq);
        let code = text(cells, SheetField::Code);
        let title = plan_sheet::one_line(plan_sheet::strip_ordinal(&text(cells, SheetField::Title)));
        let same_number = |group: &Group<'_>| seq.is_empty() || group.seq.is_empty() || seq == group.seq;
        if title.is_empty() {
            // A blank title under a task, without a number of its own, means "as above":
            // another measure of the same task. Anywhere else the title is missing.
            match groups.last_mut() {
                Some((group, indexes)) if !after_heading && same_number(group) => {
                    group.rows.push((*line, cells));
                    indexes.push(index);
                }
                _ => errors[index].push(CellError::new(letter(SheetField::Title), "title", "required")),
            }
            continue;
        }
        let key = (squeeze(&parent), code.clone(), squeeze(&title));
        if let Some((group, indexes)) = groups.last_mut()
            && !after_heading
            && group.key() == key
            && same_number(group)
        {
            // The same task merged over several rows of measures.
            group.rows.push((*line, cells));
            indexes.push(index);
            continue;
        }
        // The same title twice under one parent is a conflict to resolve in the sheet, never
        // merged.
        if let Some(&other) = seen.get(&key) {
            let mut error = CellError::new(letter(SheetField::Title), "title", "duplicate_in_file").about(&title);
            error.other_line = groups.get(other).map(|(g, _)| g.rows[0].0);
            errors[index].push(error);
        } else {
            seen.insert(key, groups.len());
        }
        after_heading = false;
        groups.push((Group { parent, seq, code, title, rows: vec![(*line, cells)] }, vec![index]));
    }

    let mut new_parents: Vec<String> = Vec::new();
    let mut tasks = Vec::new();
    let mut taken_codes: HashSet<String> = HashSet::new();
    for (group, indexes) in &groups {
        let first = indexes[0];
        let decided = plan_task(ctx, group, &mapping, &mut new_parents);
        // What was read from a later row of the group is shown on that row.
        let row = |offset: usize| indexes[offset.min(indexes.len() - 1)];
        for (offset, error) in decided.errors {
            errors[row(offset)].push(error);
        }
        for (offset, read) in decided.dates {
            dates[row(offset)].push(read);
        }
        if errors[first].iter().any(|e| e.code == "duplicate_in_file") {
            continue;
        }
        if let Some(task) = decided.task {
            if let Some(code) = &task.fields.code
                && !taken_codes.insert(code.clone())
            {
                errors[first].push(CellError::new(letter(SheetField::Code), "code", "duplicate_in_file").about(code));
            }
            for &index in indexes {
                actions[index] = task.action;
            }
            tasks.push(task);
        }
    }
    let rows = data
        .iter()
        .zip(actions)
        .zip(errors)
        .zip(dates)
        .map(|((((line, cells), action), errors), dates)| PreviewRow {
            line: *line,
            action,
            values: cells.clone(),
            errors,
            dates,
        })
        .collect();
    let missing = REQUIRED.iter().filter(|f| column(**f).is_none()).map(|f| f.as_str()).collect();
    let mut preview = Preview::new(header.columns.clone(), rows, missing);
    if !preview.is_clean() {
        tasks.clear();
    }
    preview.new_parents.clone_from(&new_parents);
    preview.mapping = Some(MappingView {
        columns: header.columns,
        fields: field_columns(&mapping, &guessed),
        parent_level: ctx.parent_level.clone(),
        tasks: groups.len(),
    });
    Ok(Planned { campaign: ctx.campaign.id, task_depth: ctx.task_depth, preview, new_parents, tasks })
}

/// A guessed title column whose cells name the plan's items above tasks (the sheet has a
/// pillar column headed like a task column): those cells are the parents, and the task titles
/// are in the next column to the right that holds no other field.
fn title_holds_parents(ctx: &Context, data: &[(usize, Vec<String>)], mapping: &Mapping) -> Option<Mapping> {
    let title = mapping.column(SheetField::Title)?;
    let mut values: Vec<String> = data
        .iter()
        .map(|(_, cells)| squeeze(plan_sheet::strip_ordinal(Table::cell(cells, Some(title)))))
        .filter(|v| !v.is_empty())
        .collect();
    values.sort();
    values.dedup();
    let parents = values.iter().filter(|v| ctx.find_parent(v).is_some()).count();
    if values.is_empty() || parents * 2 < values.len() || mapping.column(SheetField::Parent).is_some() {
        return None;
    }
    let width = data.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
    let holds_other = |c: usize| {
        SheetField::ALL
            .iter()
            .any(|f| !matches!(f, SheetField::Title | SheetField::Measures) && mapping.column(*f) == Some(c))
    };
    let tasks = (title + 1..width).find(|&c| !holds_other(c))?;
    let mut corrected = mapping.clone();
    if corrected.column(SheetField::Measures) == Some(tasks) {
        corrected.set(SheetField::Measures, None);
    }
    corrected.set(SheetField::Parent, Some(title));
    corrected.set(SheetField::Title, Some(tasks));
    Some(corrected)
}

fn field_columns(mapping: &Mapping, guessed: &[SheetField]) -> Vec<FieldColumn> {
    SheetField::ALL
        .into_iter()
        .map(|field| FieldColumn {
            field,
            column: mapping.column(field).map(column_letter),
            required: REQUIRED.contains(&field),
            guessed: guessed.contains(&field) && mapping.column(field).is_some(),
        })
        .collect()
}

fn campaign_of(options: &Options) -> Result<CampaignId> {
    options.campaign_id.map(CampaignId).ok_or(AppError::invalid("campaign_id", "required"))
}

/// Checks a task sheet against the campaign's plan and shows what a commit would do; the
/// returned closure keeps the check for the commit of the import, given its id.
pub(super) async fn preview_plan(
    app: &App,
    actor: &Actor,
    grid: &Grid,
    options: &Options,
) -> Result<(Preview, impl FnOnce(i64) + Send + use<>)> {
    let mut conn = app.store.read().await?;
    let ctx = context(&mut conn, actor, campaign_of(options)?).await?;
    let fingerprint = Fingerprint::of(&mut conn, actor, options, &ctx.campaign).await?;
    let planned = plan(&ctx, grid, options.mapping.as_ref())?;
    let preview = planned.preview.clone();
    let kept = app.checked_plans.clone();
    Ok((preview, move |import| kept.put(import, fingerprint, planned)))
}

/// Writes a clean task sheet inside the caller's transaction: new parents, updated tasks one
/// by one (each audited with before and after), new tasks in bulk.
pub(super) async fn apply_plan(
    app: &App,
    tx: &mut WriteTx,
    actor: &Actor,
    import: (i64, &[u8]),
    options: &Options,
    file_sha256: &str,
) -> Result<Summary> {
    // What the preview checked, if nothing it depends on changed since; else check again.
    let (campaign, office) = load_campaign(&mut *tx, campaign_of(options)?).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fingerprint = Fingerprint::of(&mut *tx, actor, options, &campaign).await?;
    let planned = match app.checked_plans.take(import.0, &fingerprint) {
        Some(planned) => planned,
        None => {
            let ctx = context(&mut *tx, actor, campaign.id).await?;
            plan(&ctx, &super::jobs::read(app, import.1)?, options.mapping.as_ref())?
        }
    };
    if !planned.preview.is_clean() {
        return Err(AppError::Conflict("import_has_errors"));
    }
    let now = Timestamp::now();
    let campaign = planned.campaign;
    let mut parent_ids = Vec::with_capacity(planned.new_parents.len());
    for title in &planned.new_parents {
        let fields = ItemFields::parse(&ItemInput { title, ..ItemInput::default() })?;
        let item = plan_items::insert(&mut *tx, campaign, None, 1, &fields, None, now)
            .await
            .map_err(AppError::from_store(Resource::Item))?;
        parent_ids.push(item.id);
    }
    let mut summary = Summary::default();
    let mut assignments_created = 0;
    let mut new_tasks = Vec::new();
    for task in planned.tasks {
        let parent = match task.parent {
            Parent::Top => None,
            Parent::Existing(id) => Some(id),
            Parent::New(index) => parent_ids.get(index).copied(),
        };
        let new = plan_import::NewTask {
            parent,
            depth: planned.task_depth,
            fields: task.fields,
            lead: task.lead,
            co_units: task.co_units,
            starts: task.starts,
            due: task.due,
        };
        match (task.action, task.existing) {
            (RowAction::Unchanged, _) => summary.unchanged += 1,
            (_, Some(before)) => {
                let after = plan_items::update(&mut *tx, before.id, before.version, &new.fields, Some(new.lead), now)
                    .await
                    .map_err(AppError::from_store(Resource::Item))?;
                plan_items::set_co_units(&mut *tx, before.id, &new.co_units).await?;
                assignments_created +=
                    assignments::fan_out(&mut *tx, before.id, &new.targets(), new.starts, new.due, now).await?;
                let (from, to) = (("plan_item", Some(before.id.0)), (Some(&before), Some(&after)));
                audit::record(&mut *tx, actor.into(), "plan_item.update", from, to.0, to.1).await?;
                summary.updated += 1;
            }
            (_, None) => new_tasks.push(new),
        }
    }
    summary.created = plan_import::insert_tasks(&mut *tx, campaign, &new_tasks, now).await?.len();
    assignments_created += new_tasks.iter().map(|t| t.targets().len() as u64).sum::<u64>();
    summary.parents_created = Some(parent_ids.len());
    summary.assignments_created = Some(assignments_created);
    let note = serde_json::json!({
        "sha256": file_sha256,
        "campaign_id": campaign.0,
        "rows": planned.preview.row_count,
        "parents_created": parent_ids.len(),
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "assignments_created": assignments_created,
    });
    audit::record::<(), _>(&mut *tx, actor.into(), "import.plan", ("campaign", Some(campaign.0)), None, Some(&note))
        .await?;
    Ok(summary)
}
