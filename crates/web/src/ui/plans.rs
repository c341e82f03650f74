//! The campaign pages: the list of campaigns, the form for a new one, and a campaign's plan
//! rolled up level by level.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{AppError, plans, units};
use pacesetter_domain::{
    Permission, ValidationError,
    ids::CampaignId,
    plan::{CampaignInput, PlanLevel},
    rollup::RollupRule,
    timestamp::format_date,
};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use crate::AppState;
use crate::ui::named::Named;
use crate::ui::page::{PageForm, PageResult, saved};

pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub year: i32,
    pub period: String,
    pub as_of: String,
}

#[derive(Template)]
#[template(path = "plans/campaigns.html")]
struct CampaignsPage {
    p: PageCtx,
    rows: Vec<CampaignRow>,
    can_create: bool,
}

pub async fn list_campaigns(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> PageResult {
    let list = plans::list_campaigns(&state.app, &actor).await?;
    let rows = list
        .into_iter()
        .map(|c| CampaignRow {
            id: c.id.0,
            period: format!("{} – {}", format_date(c.starts_on), format_date(c.ends_on)),
            as_of: c.as_of.map(format_date).unwrap_or_default(),
            name: c.name,
            year: c.year,
        })
        .collect();
    Ok(render(&CampaignsPage {
        rows,
        can_create: actor.can_anywhere(Permission::ManagePlans),
        p: ctx.with_nav("plans"),
    }))
}

#[derive(Template)]
#[template(path = "plans/campaign_form.html")]
struct CampaignFormPage {
    p: PageCtx,
    form: CampaignForm,
    errors: ValidationError,
    rules: Vec<String>,
    /// The campaign being edited (its office and its levels' rules stay as they are), or none
    /// for a new one.
    editing: Option<Editing>,
}

/// What the edit form shows besides the fields.
struct Editing {
    id: i64,
    /// How many levels the campaign has: their names may change, not their number or rules.
    levels: usize,
    /// Someone saved the campaign since the form was opened.
    conflict: bool,
}

impl CampaignFormPage {
    /// The level rows of the form: number, name, Tibetan name, roll-up rule; four for a new
    /// campaign, the stored ones (up to four) when editing.
    fn level_rows(&self) -> Vec<(u8, String, String, String)> {
        let f = &self.form;
        let rows = self.editing.as_ref().map_or(FORM_LEVELS, |e| e.levels);
        let rows = if rows > FORM_LEVELS { 0 } else { rows };
        f.level_slots()
            .into_iter()
            .take(rows)
            .enumerate()
            .map(|(i, (name, name_bo, rule))| ((i + 1) as u8, name.clone(), name_bo.clone(), rule.clone()))
            .collect()
    }

    fn error(&self, field: &str) -> String {
        crate::ui::page::field_message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    yellow_at: String,
    #[serde(default)]
    red_at: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    office_code: String,
    #[serde(default)]
    approval_required: Option<String>,
    #[serde(default)]
    public_page: Option<String>,
    #[serde(default)]
    keep_photo_location: Option<String>,
    #[serde(default)]
    documents_language: String,
    #[serde(default)]
    level1: String,
    #[serde(default)]
    level1_bo: String,
    #[serde(default)]
    rule1: String,
    #[serde(default)]
    level2: String,
    #[serde(default)]
    level2_bo: String,
    #[serde(default)]
    rule2: String,
    #[serde(default)]
    level3: String,
    #[serde(default)]
    level3_bo: String,
    #[serde(default)]
    rule3: String,
    #[serde(default)]
    level4: String,
    #[serde(default)]
    level4_bo: String,
    #[serde(default)]
    rule4: String,
    /// When editing: how many levels the campaign has (their rules come back unseen).
    #[serde(default)]
    level_count: usize,
}

/// Levels from the form's slots (name, Tibetan name, roll-up rule), top first; the last holds
/// the key tasks.
fn levels_of(slots: Vec<(&String, &String, &String)>) -> Vec<PlanLevel> {
    let count = slots.len();
    slots
        .into_iter()
        .enumerate()
        .map(|(i, (name, name_bo, rule))| PlanLevel {
            depth: (i + 1) as u8,
            name: name.trim().to_owned(),
            name_bo: Some(name_bo.trim()).filter(|n| !n.is_empty()).map(str::to_owned),
            rollup: RollupRule::parse(rule).unwrap_or(RollupRule::WeightedMean),
            is_task: i + 1 == count,
        })
        .collect()
}

/// The levels the form has rows for (the API takes up to `MAX_LEVELS`).
const FORM_LEVELS: usize = 4;

impl Default for CampaignForm {
    fn default() -> Self {
        Self {
            version: 0,
            name: String::new(),
            name_bo: String::new(),
            year: String::new(),
            starts_on: String::new(),
            ends_on: String::new(),
            yellow_at: "10".into(),
            red_at: "30".into(),
            as_of: String::new(),
            office_code: "ZXB".into(),
            approval_required: None,
            public_page: None,
            keep_photo_location: None,
            documents_language: String::new(),
            level1: "工程/行动".into(),
            level1_bo: String::new(),
            rule1: "weighted_mean".into(),
            level2: "重点任务".into(),
            level2_bo: String::new(),
            rule2: "worst_light".into(),
            level3: String::new(),
            level3_bo: String::new(),
            rule3: "weighted_mean".into(),
            level4: String::new(),
            level4_bo: String::new(),
            rule4: "weighted_mean".into(),
            level_count: 0,
        }
    }
}

impl CampaignForm {
    /// The form's level slots, top first: name, Tibetan name, roll-up rule.
    fn level_slots(&self) -> [(&String, &String, &String); FORM_LEVELS] {
        [
            (&self.level1, &self.level1_bo, &self.rule1),
            (&self.level2, &self.level2_bo, &self.rule2),
            (&self.level3, &self.level3_bo, &self.rule3),
            (&self.level4, &self.level4_bo, &self.rule4),
        ]
    }

    /// The named levels of a new campaign, top first; the deepest named level holds the key
    /// tasks.
    fn levels(&self) -> Vec<PlanLevel> {
        levels_of(self.level_slots().into_iter().filter(|(name, ..)| !name.trim().is_empty()).collect())
    }

    /// An edited campaign's levels as renamed, blank names included (to be refused by name);
    /// `None` for more levels than the form has rows (renamed through the API only).
    fn renamed_levels(&self) -> Option<Vec<PlanLevel>> {
        let count = self.level_count;
        (1..=FORM_LEVELS).contains(&count).then(|| levels_of(self.level_slots().into_iter().take(count).collect()))
    }

    /// The form's level rows filled with stored levels.
    fn with_levels(mut self, stored: &[PlanLevel]) -> Self {
        let slots = [
            (&mut self.level1, &mut self.level1_bo, &mut self.rule1),
            (&mut self.level2, &mut self.level2_bo, &mut self.rule2),
            (&mut self.level3, &mut self.level3_bo, &mut self.rule3),
            (&mut self.level4, &mut self.level4_bo, &mut self.rule4),
        ];
        for ((name, name_bo, rule), level) in slots.into_iter().zip(stored) {
            *name = level.name.clone();
            *name_bo = level.name_bo.clone().unwrap_or_default();
            *rule = level.rollup.as_str().to_owned();
        }
        self.level_count = stored.len();
        self
    }
}

fn rules() -> Vec<String> {
    [RollupRule::WeightedMean, RollupRule::Minimum, RollupRule::WorstLight]
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect()
}

pub async fn new_campaign(SignedIn { ctx, .. }: SignedIn) -> PageResult {
    Ok(render(&CampaignFormPage {
        p: ctx.with_nav("plans"),
        form: CampaignForm::default(),
        errors: ValidationError::new(),
        rules: rules(),
        editing: None,
    }))
}

impl CampaignForm {
    fn input(&self) -> CampaignInput<'_> {
        CampaignInput {
            name: &self.name,
            name_bo: &self.name_bo,
            year: &self.year,
            starts_on: &self.starts_on,
            ends_on: &self.ends_on,
            yellow_at: &self.yellow_at,
            red_at: &self.red_at,
            approval_required: self.approval_required.is_some(),
            public_page: self.public_page.is_some(),
            keep_photo_location: self.keep_photo_location.is_some(),
            documents_language: &self.documents_language,
            as_of: &self.as_of,
        }
    }

    /// The form filled with a stored campaign.
    fn of(campaign: &pacesetter_domain::plan::Campaign) -> Self {
        let checked = |on: bool| on.then(|| "1".to_owned());
        Self {
            version: campaign.version,
            name: campaign.name.clone(),
            name_bo: campaign.name_bo.clone().unwrap_or_default(),
            year: campaign.year.to_string(),
            starts_on: format_date(campaign.starts_on),
            ends_on: format_date(campaign.ends_on),
            yellow_at: campaign.thresholds.yellow_at.to_string(),
            red_at: campaign.thresholds.red_at.to_string(),
            as_of: campaign.as_of.map(format_date).unwrap_or_default(),
            approval_required: checked(campaign.approval_required),
            public_page: checked(campaign.public_page),
            keep_photo_location: checked(campaign.keep_photo_location),
            documents_language: campaign.documents_language.as_str().to_owned(),
            ..Self::default()
        }
    }
}

/// The campaign's settings form; its levels and office are shown, not edited.
pub async fn edit_campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let view = plans::managed_campaign(&state.app, &actor, CampaignId(id)).await?;
    Ok(render(&CampaignFormPage {
        form: CampaignForm::of(&view.campaign).with_levels(&view.levels),
        errors: ValidationError::new(),
        rules: rules(),
        editing: Some(Editing { id, levels: view.levels.len(), conflict: false }),
        p: ctx.with_nav("plans"),
    }))
}

pub async fn update_campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(mut form): PageForm<CampaignForm>,
) -> PageResult {
    let renamed = form.renamed_levels();
    let result =
        plans::update_campaign(&state.app, &actor, CampaignId(id), form.version, &form.input(), renamed.as_deref())
            .await;
    let (status, errors, conflict) = match result {
        Ok(_) => return Ok(saved(&format!("/campaigns/{id}"))),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
        // Someone saved first: keep what this person typed, take the new version, and say so.
        Err(AppError::Stale { current }) => {
            form.version = current.get("version").and_then(|v| v.as_i64()).unwrap_or(form.version);
            (StatusCode::CONFLICT, ValidationError::new(), true)
        }
        Err(error) => return Err(error.into()),
    };
    let levels = form.level_count;
    let page = CampaignFormPage {
        form,
        errors,
        rules: rules(),
        editing: Some(Editing { id, levels, conflict }),
        p: ctx.with_nav("plans"),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn create_campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<CampaignForm>,
) -> PageResult {
    let result = async {
        let office = units::typed(&state.app, &actor, &form.office_code, "office_unit_id")
            .await?
            .ok_or(AppError::invalid("office_unit_id", "unit_not_found"))?;
        plans::create_campaign(&state.app, &actor, office, &form.input(), &form.levels()).await
    }
    .await;
    Ok(match result {
        Ok(campaign) => saved(&format!("/campaigns/{}", campaign.id)),
        Err(AppError::Invalid(errors)) => {
            let page = CampaignFormPage { p: ctx.with_nav("plans"), form, errors, rules: rules(), editing: None };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(error) => return Err(error.into()),
    })
}

/// One row of the plan table.
pub(super) struct PlanRow {
    pub id: i64,
    pub depth: u8,
    pub code: String,
    pub title: Named,
    /// Its level's name in the reader's language (a Chinese stand-in is marked once, in the
    /// legend of levels, not on every row).
    pub level: Named,
    pub weight: u32,
    pub due_on: String,
    /// Rolled-up progress as "45.5", empty when nothing reports yet.
    pub percent: String,
    pub bar: u32,
    pub light: String,
    pub counts: plans::LightCounts,
}

pub(super) fn flatten(nodes: &[plans::PlanNode], locale: pacesetter_domain::Locale, out: &mut Vec<PlanRow>) {
    for node in nodes {
        out.push(PlanRow {
            id: node.item.id.0,
            depth: node.item.depth,
            code: node.item.code.clone().unwrap_or_default(),
            title: Named::of(&node.item.title, node.item.title_bo.as_deref(), locale),
            level: Named::of(&node.level.name, node.level.name_bo.as_deref(), locale),
            weight: node.item.weight,
            due_on: node.item.due_on.map(format_date).unwrap_or_default(),
            percent: node.rolled.map(|r| format!("{:.1}", f64::from(r.permille) / 10.0)).unwrap_or_default(),
            bar: node.rolled.map(|r| r.permille / 10).unwrap_or(0),
            light: node.rolled.map(|r| r.light.as_str().to_owned()).unwrap_or_default(),
            counts: node.lights,
        });
        flatten(&node.children, locale, out);
    }
}

#[derive(Template)]
#[template(path = "plans/campaign.html")]
struct CampaignPage {
    p: PageCtx,
    view: plans::CampaignView,
    /// The campaign's name in the reader's language.
    name: Named,
    rows: Vec<PlanRow>,
    totals: plans::LightCounts,
    as_of: String,
}

impl CampaignPage {
    fn level_name(&self, level: &PlanLevel) -> Named {
        Named::of(&level.name, level.name_bo.as_deref(), self.p.t.locale)
    }
}

pub async fn show_campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let (view, tree) = plans::plan(&state.app, &actor, CampaignId(id)).await?;
    let mut rows = Vec::new();
    flatten(&tree, ctx.t.locale, &mut rows);
    let mut totals = plans::LightCounts::default();
    for node in &tree {
        totals.done += node.lights.done;
        totals.green += node.lights.green;
        totals.yellow += node.lights.yellow;
        totals.red += node.lights.red;
    }
    let as_of = format_date(view.campaign.today(pacesetter_domain::Timestamp::now()));
    let name = Named::of(&view.campaign.name, view.campaign.name_bo.as_deref(), ctx.t.locale);
    Ok(render(&CampaignPage { p: ctx.with_nav("plans"), view, name, rows, totals, as_of }))
}
