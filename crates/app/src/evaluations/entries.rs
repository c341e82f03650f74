//! Score entries (a unit's self-assessment, an inspector's scores), submitting a
//! self-assessment, bonus/deduction/veto items, and one unit's sheet: both entries side by
//! side, what is flagged, what is still missing.

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evaluation::{
        Answer, LeafScore, evaluate_unit,
        records::{
            Item, ItemEffect, Member, SchemeId, SchemeStatus, ScoreEntry, Source, answer_in_bounds, item_in_bounds,
        },
        rubric,
        scorecard::{Extras, unit_input},
    },
    evidence::{EvidenceId, parse_url},
};
use pacesetter_store::{Conn, WriteTx, evaluation_runs, evaluations as store, scorecards};
use serde_json::json;

use super::{Context, computed, load, require_open_for, unit_for, unprocessable};
use crate::{Actor, App, AppError, Page, PageRequest, Resource, Result, audit};

/// What a scorer saves for one leaf.
#[derive(Debug, Clone)]
pub struct EntryInput {
    pub unit: UnitId,
    pub leaf: String,
    /// `domain::evaluation::Answer` as JSON, e.g. `{"kind": "level", "value": "A"}`.
    pub answer: serde_json::Value,
    pub comment: Option<String>,
    pub evidence: Vec<EvidenceId>,
    /// The version the scorer last saw; `None` for a first entry.
    pub version: Option<i64>,
}

async fn member(conn: &mut Conn, scheme: SchemeId, unit: UnitId) -> Result<Member> {
    store::member(conn, scheme, unit).await?.ok_or(AppError::invalid("unit_id", "unit_not_in_evaluation"))
}

/// Saves a self-assessment entry (`Source::SelfAssessment`, needs `report_progress` on the
/// unit) or an inspector's entry (`Source::Inspector`, needs `inspect` on the unit).
pub async fn save(app: &App, actor: &Actor, id: SchemeId, source: Source, input: &EntryInput) -> Result<ScoreEntry> {
    let mut tx = app.store.write().await?;
    let saved = save_in(&mut tx, actor, id, source, input).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Saves one entry in the caller's transaction: see [`save`].
async fn save_in(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SchemeId,
    source: Source,
    input: &EntryInput,
) -> Result<ScoreEntry> {
    let ctx = load(tx, id).await?;
    let permission = match source {
        Source::SelfAssessment => Permission::ReportProgress,
        Source::Inspector => Permission::Inspect,
    };
    unit_for(tx, &ctx, actor, input.unit, permission).await?;
    if ctx.scheme.status != SchemeStatus::Active {
        return Err(AppError::Conflict("evaluation_not_open"));
    }
    let member = member(tx, id, input.unit).await?;
    let scheme = &ctx.scheme.scheme;
    let leaf = scheme
        .leaves()
        .find(|l| l.code == input.leaf)
        .ok_or_else(|| unprocessable("leaf_not_in_scheme", json!({ "leaf": input.leaf })))?;
    if computed(scheme, &leaf.code) {
        return Err(unprocessable("leaf_computed", json!({ "leaf": leaf.code })));
    }
    if source == Source::SelfAssessment {
        if !member.self_leaves.contains(&leaf.code) {
            return Err(unprocessable("leaf_not_self_assessed", json!({ "leaf": leaf.code })));
        }
        if member.submitted_at.is_some() {
            return Err(AppError::Conflict("self_assessment_submitted"));
        }
    }
    require_open_for(tx, id, input.unit).await?;
    let answer: Answer = serde_json::from_value(input.answer.clone())
        .ok()
        .filter(answer_in_bounds)
        .ok_or_else(|| unprocessable("answer_invalid", json!({ "leaf": leaf.code })))?;
    let evidence = crate::evidence::owned_by(tx, input.unit, &input.evidence).await?;
    let Some(leaf_rubric) = &leaf.rubric else { return Err(AppError::Conflict("leaf_without_rubric")) };
    let entry = rubric::Entry { answer: answer.clone(), evidence: evidence.len() as u32 };
    rubric::score(&leaf.code, leaf_rubric, scheme.leaf_max(leaf), &entry, scheme.evidence_gate)
        .map_err(|e| unprocessable(e.code, json!({ "leaf": e.leaf })))?;
    let comment = crate::text::optional("comment", input.comment.as_deref(), crate::text::TextKind::Note)?;
    let before =
        store::entries(tx, id, Some(input.unit)).await?.into_iter().find(|e| e.leaf == leaf.code && e.source == source);
    match (&before, input.version) {
        (None, None) => {}
        (Some(current), Some(version)) if current.version == version => {}
        (current, _) => return Err(AppError::Stale { current: serde_json::to_value(current).unwrap_or_default() }),
    }
    let new = store::NewEntry {
        scheme: id,
        unit: input.unit,
        leaf: &leaf.code,
        source,
        answer: &answer,
        comment: comment.as_deref(),
        evidence: &evidence,
        by: actor.user.id,
    };
    let saved = store::save_entry(tx, &new, input.version, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Entry))?;
    audit::record(
        tx,
        actor.into(),
        "evaluation_entry.save",
        ("evaluation_entry", Some(saved.id.0)),
        before.as_ref(),
        Some(&saved),
    )
    .await?;
    Ok(saved)
}

/// The leaves a unit must still self-assess.
fn missing(ctx: &Context, member: &Member, entries: &[ScoreEntry]) -> Vec<String> {
    member
        .self_leaves
        .iter()
        .filter(|code| ctx.scheme.scheme.node(code).is_some() && !computed(&ctx.scheme.scheme, code))
        .filter(|code| !entries.iter().any(|e| e.source == Source::SelfAssessment && &&e.leaf == code))
        .cloned()
        .collect()
}

/// Hands in a unit's self-assessment; refused while leaves are missing, and final.
pub async fn submit(app: &App, actor: &Actor, id: SchemeId, unit: UnitId) -> Result<Member> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    unit_for(&mut tx, &ctx, actor, unit, Permission::ReportProgress).await?;
    if ctx.scheme.status != SchemeStatus::Active {
        return Err(AppError::Conflict("evaluation_not_open"));
    }
    let member = member(&mut tx, id, unit).await?;
    let entries = store::entries(&mut tx, id, Some(unit)).await?;
    let missing = missing(&ctx, &member, &entries);
    if !missing.is_empty() {
        return Err(unprocessable("self_assessment_incomplete", json!({ "missing": missing })));
    }
    if !store::submit(&mut tx, id, unit, actor.user.id, Timestamp::now()).await? {
        return Err(AppError::Conflict("self_assessment_submitted"));
    }
    let submitted = self::member(&mut tx, id, unit).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "evaluation.submit",
        ("evaluation", Some(id.0)),
        Some(&member),
        Some(&submitted),
    )
    .await?;
    tx.commit().await?;
    Ok(submitted)
}

/// A bonus, deduction or veto item as asked for.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub unit: UnitId,
    /// `ItemEffect` as JSON: `{"kind": "bonus", "points": "2", "cap": "3"}`,
    /// `{"kind": "deduction", "count": 2, "per": "0.5"}`, `{"kind": "veto", "effect": {"kind": "fail"}}`.
    pub effect: serde_json::Value,
    pub source: String,
    pub source_link: Option<String>,
}

/// Records an item for a unit, with its source; the office's coordinators do this.
pub async fn add_item(app: &App, actor: &Actor, id: SchemeId, input: &ItemInput) -> Result<Item> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    unit_for(&mut tx, &ctx, actor, input.unit, Permission::ViewUnits).await?;
    if ctx.scheme.status != SchemeStatus::Active {
        return Err(AppError::Conflict("evaluation_not_open"));
    }
    member(&mut tx, id, input.unit).await?;
    require_open_for(&mut tx, id, input.unit).await?;
    let effect: ItemEffect = serde_json::from_value(input.effect.clone())
        .ok()
        .filter(item_in_bounds)
        .ok_or(AppError::invalid("effect", "item_invalid"))?;
    let negative = match &effect {
        ItemEffect::Bonus { points, cap } => points.is_sign_negative() || cap.is_sign_negative(),
        ItemEffect::Deduction { per, .. } => per.is_sign_negative(),
        ItemEffect::Veto { effect: pacesetter_domain::evaluation::VetoEffect::CapGrade { grade } } => {
            !ctx.scheme.scheme.bands.iter().any(|b| &b.name == grade)
        }
        ItemEffect::Veto { .. } => false,
    };
    if negative {
        return Err(AppError::invalid("effect", "item_invalid"));
    }
    let source = crate::text::required("source", &input.source, crate::text::TextKind::Line)?;
    let link = match input.source_link.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        // A finding or a contest result of this deployment, as `inspections::deduct_from_findings`
        // and `contests::bonus_from_results` link them.
        Some(link) if crate::inspections::is_finding_link(link) || crate::contests::is_result_link(link) => {
            Some(link.to_owned())
        }
        Some(link) => Some(parse_url(link)?),
        None => None,
    };
    let new = store::NewItem {
        scheme: id,
        unit: input.unit,
        effect: &effect,
        source: &source,
        source_link: link.as_deref(),
        by: actor.user.id,
    };
    let item = store::insert_item(&mut tx, &new, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "evaluation_item.create",
        ("evaluation_item", Some(item.id.0)),
        None,
        Some(&item),
    )
    .await?;
    tx.commit().await?;
    Ok(item)
}

/// One leaf of a unit's sheet: both entries side by side, scored, flagged when they differ too
/// much.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetLeaf {
    pub code: String,
    pub name: String,
    pub name_bo: Option<String>,
    pub max: rust_decimal::Decimal,
    pub self_assessed: bool,
    pub computed: bool,
    pub self_entry: Option<ScoreEntry>,
    pub inspector_entry: Option<ScoreEntry>,
    pub self_score: Option<LeafScore>,
    pub inspector_score: Option<LeafScore>,
    pub flagged: bool,
}

/// A unit's sheet in a scheme.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sheet {
    pub member: Member,
    pub leaves: Vec<SheetLeaf>,
    /// Leaves the unit must still self-assess.
    pub missing: Vec<String>,
    pub items: Vec<Item>,
    pub published: bool,
}

/// A unit's sheet; read by those who see the unit, and by the office.
pub async fn sheet(app: &App, actor: &Actor, id: SchemeId, unit: UnitId) -> Result<Sheet> {
    sheet_needing(app, actor, id, unit, Permission::ViewUnits).await
}

/// A unit's sheet for the one who fills in `source`: the unit's liaison for its
/// self-assessment, an inspector assigned to it for the inspector's scores.
pub async fn sheet_for(app: &App, actor: &Actor, id: SchemeId, unit: UnitId, source: Source) -> Result<Sheet> {
    let permission = match source {
        Source::SelfAssessment => Permission::ReportProgress,
        Source::Inspector => Permission::Inspect,
    };
    sheet_needing(app, actor, id, unit, permission).await
}

/// A unit ranked by a scheme as the pages list it, with what the caller may fill in for it.
#[derive(Debug, Clone)]
pub struct MemberLine {
    pub member: Member,
    pub unit: pacesetter_domain::unit::Unit,
    pub can_self_assess: bool,
    pub can_inspect: bool,
}

impl MemberLine {
    fn of(actor: &Actor, member: Member, unit: pacesetter_domain::unit::Unit) -> Self {
        Self {
            can_self_assess: actor.can(Permission::ReportProgress, &unit.path),
            can_inspect: actor.can(Permission::Inspect, &unit.path),
            member,
            unit,
        }
    }
}

/// One page of the scheme's units the caller sees (the office sees all) whose name or code
/// holds `query`, in the scheme's order; a page past the end is the last page.
pub async fn member_lines(
    app: &App,
    actor: &Actor,
    id: SchemeId,
    query: Option<&str>,
    page: PageRequest,
) -> Result<Page<MemberLine>> {
    let query = crate::text::search_term(query)?;
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let roots = ctx.member_scope(actor);
    let mut page = page;
    let (roots, query) = (roots.as_deref(), query.as_deref());
    let (mut lines, mut total) = store::member_page(&mut conn, id, roots, query, page.offset(), page.per_page).await?;
    if lines.is_empty() && total > 0 {
        page = page.last_of(total);
        (lines, total) = store::member_page(&mut conn, id, roots, query, page.offset(), page.per_page).await?;
    }
    let items = lines.into_iter().map(|(member, unit)| MemberLine::of(actor, member, unit)).collect();
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}

/// Every unit of the scheme the caller sees with its line, for the scheme's editor.
pub async fn every_member_line(app: &App, actor: &Actor, id: SchemeId) -> Result<Vec<MemberLine>> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let lines = store::every_member(&mut conn, id, ctx.member_scope(actor).as_deref()).await?;
    Ok(lines.into_iter().map(|(member, unit)| MemberLine::of(actor, member, unit)).collect())
}

async fn sheet_needing(app: &App, actor: &Actor, id: SchemeId, unit: UnitId, permission: Permission) -> Result<Sheet> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    unit_for(&mut conn, &ctx, actor, unit, permission).await?;
    let member = member(&mut conn, id, unit).await?;
    let entries = store::entries(&mut conn, id, Some(unit)).await?;
    let items = store::items(&mut conn, id, Some(unit)).await?;
    let scheme = &ctx.scheme.scheme;
    // Scores as the engine gives them; an entry that no longer fits an edited rubric shows
    // without a score rather than hiding the sheet.
    // The scorecard is what a run reads: the sheet shows what the run would score.
    let card = scorecards::get(&mut conn, id, unit).await?;
    let (input, _) = unit_input(unit.0, &member.category, card, Extras::from_items(&items));
    let scored = evaluate_unit(scheme, &input).ok();
    let leaves = scheme
        .leaves()
        .map(|leaf| {
            let result = scored.as_ref().and_then(|r| r.leaves.iter().find(|l| l.code == leaf.code));
            let entry = |source| entries.iter().find(|e| e.leaf == leaf.code && e.source == source).cloned();
            SheetLeaf {
                code: leaf.code.clone(),
                name: leaf.name.clone(),
                name_bo: leaf.name_bo.clone(),
                max: scheme.leaf_max(leaf),
                self_assessed: member.self_leaves.contains(&leaf.code),
                computed: computed(scheme, &leaf.code),
                self_entry: entry(Source::SelfAssessment),
                inspector_entry: entry(Source::Inspector),
                self_score: result.and_then(|r| r.self_score.clone()),
                inspector_score: result.and_then(|r| r.inspector_score.clone()),
                flagged: result.is_some_and(|r| r.flagged),
            }
        })
        .collect();
    let published = evaluation_runs::latest_published(&mut conn, id).await?.is_some();
    Ok(Sheet { missing: missing(&ctx, &member, &entries), member, leaves, items, published })
}

/// One leaf of a sheet as the form sends it: the values typed or ticked, a comment, the
/// evidence cited, and the version of the entry the scorer saw.
#[derive(Debug, Clone, Default)]
pub struct SheetLine {
    pub leaf: String,
    pub values: Vec<String>,
    pub comment: String,
    pub evidence: Vec<EvidenceId>,
    pub version: Option<i64>,
}

/// Saves a whole sheet in one transaction: every line whose answer, comment or evidence
/// changed (a line left blank is skipped). When any line is refused, nothing is saved and the
/// error is `sheet_refused`, with `details.leaves` naming each refused leaf and its code.
pub async fn save_sheet(
    app: &App,
    actor: &Actor,
    id: SchemeId,
    source: Source,
    unit: UnitId,
    lines: &[SheetLine],
) -> Result<()> {
    // The permission first, so that nobody learns anything from how their input is judged.
    let sheet = sheet_for(app, actor, id, unit, source).await?;
    let mut tx = app.store.write().await?;
    let scheme = load(&mut tx, id).await?.scheme.scheme;
    let mut refused = Vec::new();
    for line in lines {
        let Some(leaf) = sheet.leaves.iter().find(|l| l.code == line.leaf) else { continue };
        let Some(rubric) = scheme.node(&leaf.code).and_then(|n| n.rubric.as_ref()) else { continue };
        let answer = match rubric::answer_from_form(rubric, &line.values) {
            Ok(Some(answer)) => answer,
            Ok(None) => continue,
            Err(code) => {
                refused.push(json!({ "leaf": leaf.code, "code": code }));
                continue;
            }
        };
        let comment = line.comment.trim();
        let current = if source == Source::Inspector { &leaf.inspector_entry } else { &leaf.self_entry };
        if current.as_ref().is_some_and(|e| e.says(&answer, comment, &line.evidence)) {
            continue;
        }
        let input = EntryInput {
            unit,
            leaf: leaf.code.clone(),
            answer: serde_json::to_value(&answer).unwrap_or_default(),
            comment: (!comment.is_empty()).then(|| comment.to_owned()),
            evidence: line.evidence.clone(),
            version: line.version,
        };
        match save_in(&mut tx, actor, id, source, &input).await {
            Ok(_) => {}
            Err(error @ (AppError::Unprocessable { .. } | AppError::Invalid(_) | AppError::Stale { .. })) => {
                let code = match &error {
                    AppError::Invalid(errors) => errors.fields.first().map_or("invalid_input", |f| f.code),
                    other => other.code(),
                };
                refused.push(json!({ "leaf": leaf.code, "code": code }));
            }
            Err(error) => return Err(error),
        }
    }
    if !refused.is_empty() {
        return Err(AppError::Unprocessable { code: "sheet_refused", details: json!({ "leaves": refused }) });
    }
    tx.commit().await?;
    Ok(())
}

/// What a sheet's page shows: the sheet for the one who fills in `source`, the scheme, the
/// unit, and the unit's library, which the unit's answers and the inspector's alike cite
/// (材料只报一次).
#[derive(Debug, Clone)]
pub struct SheetPage {
    pub sheet: Sheet,
    pub scheme: super::SchemeView,
    pub unit: pacesetter_domain::unit::Unit,
    pub library: Vec<pacesetter_domain::evidence::Evidence>,
}

/// A sheet's page: see [`SheetPage`].
pub async fn sheet_page(app: &App, actor: &Actor, id: SchemeId, unit: UnitId, source: Source) -> Result<SheetPage> {
    let sheet = sheet_for(app, actor, id, unit, source).await?;
    let scheme = super::get(app, actor, id).await?;
    let unit = crate::units::get(app, actor, unit).await?;
    let library = crate::evidence::library(app, actor, unit.id).await?;
    Ok(SheetPage { sheet, scheme, unit, library })
}
