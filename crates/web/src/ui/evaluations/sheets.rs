//! The scoring sheets: a unit's self-assessment (对标对表自查) with evidence from its library
//! and the hand-in, and an inspector's scores beside the unit's own.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{Actor, AppError, evaluations::entries};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        Answer, Rubric,
        records::{SchemeId, ScoreEntry, Source},
    },
    evidence::EvidenceId,
};
use serde::Deserialize;

use super::{answer_text, dec, unit_name};
use crate::ui::named::Named;
use crate::ui::page::{PageForm, PageQuery, PageResult};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
};

/// An answer choice of a leaf (a level, a checklist item, met or not).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub struct EvidenceChoice {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub chosen: bool,
}

/// One leaf of a sheet as the page shows it.
pub struct LeafRow {
    pub index: usize,
    pub code: String,
    pub name: Named,
    pub max: String,
    /// `select`, `checks` or `number`.
    pub input: &'static str,
    pub rubric_key: String,
    pub choices: Vec<Choice>,
    /// The number typed, for `number` inputs.
    pub typed: String,
    pub comment: String,
    pub version: String,
    pub score: String,
    /// The other side (the unit's own answer, on the inspector's sheet).
    pub other: String,
    pub other_score: String,
    pub other_comment: String,
    pub flagged: bool,
    pub missing: bool,
    /// Evidence the chosen level needs and lacks.
    pub evidence_note: String,
    pub evidence: Vec<EvidenceChoice>,
    pub error: String,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "evaluations/sheet.html")]
struct SheetPage {
    p: PageCtx,
    scheme_id: i64,
    scheme_name: Named,
    unit_id: i64,
    unit: String,
    inspector: bool,
    leaves: Vec<LeafRow>,
    missing: Vec<String>,
    submitted: bool,
    saved: bool,
    error: String,
}

impl SheetPage {
    fn any_editable(&self) -> bool {
        self.leaves.iter().any(|l| l.editable)
    }
}

/// What a sheet shows beyond what is stored: the input kept, a message, "saved".
#[derive(Default)]
struct Shown<'a> {
    typed: &'a [(String, Typed)],
    error: String,
    saved: bool,
}

/// What was typed for a leaf, kept when the form comes back.
#[derive(Default, Clone)]
struct Typed {
    values: Vec<String>,
    comment: String,
    evidence: Vec<i64>,
    error: String,
}

#[derive(Deserialize)]
pub struct UnitQuery {
    unit_id: i64,
    #[serde(default)]
    saved: Option<String>,
}

fn input_kind(rubric: &Rubric) -> &'static str {
    match rubric {
        Rubric::Levels { .. } | Rubric::Binary => "select",
        Rubric::Checklist { .. } => "checks",
        _ => "number",
    }
}

/// The form value of a checklist answered "none of the items met".
const NONE_MET: &str = "none";

/// The form values of a stored answer.
fn values_of(answer: &Answer) -> Vec<String> {
    match answer {
        Answer::Level(name) => vec![name.clone()],
        // "None of them" is an answer too, not a blank.
        Answer::Checked(items) if items.is_empty() => vec![NONE_MET.to_owned()],
        Answer::Checked(items) => items.iter().map(usize::to_string).collect(),
        Answer::Value(value) => vec![dec(*value)],
        Answer::Occurrences(n) => vec![n.to_string()],
        Answer::Met(met) => vec![if *met { "yes" } else { "no" }.to_owned()],
    }
}

/// The choices a leaf's rubric offers, those in `values` chosen.
fn choices_for(rubric: &Rubric, values: &[String], t: crate::i18n::Tr) -> Vec<Choice> {
    match rubric {
        Rubric::Levels { levels } => levels
            .iter()
            .map(|l| Choice {
                value: l.name.clone(),
                label: if l.min_evidence > 0 {
                    t.f("evaluation.level_choice_evidence", &[("name", &l.name), ("n", &l.min_evidence)])
                } else {
                    l.name.clone()
                },
                chosen: values.contains(&l.name),
            })
            .collect(),
        Rubric::Checklist { items } => items
            .iter()
            .enumerate()
            .map(|(i, points)| Choice {
                value: i.to_string(),
                label: t.f("evaluation.checklist_item", &[("n", &(i + 1)), ("points", &dec(*points))]),
                chosen: values.contains(&i.to_string()),
            })
            .chain(std::iter::once(Choice {
                value: NONE_MET.to_owned(),
                label: t.t("evaluation.none_met").to_owned(),
                chosen: values.iter().all(|v| v == NONE_MET) && !values.is_empty(),
            }))
            .collect(),
        Rubric::Binary => ["yes", "no"]
            .iter()
            .map(|v| Choice {
                value: (*v).to_owned(),
                label: t.t(if *v == "yes" { "evaluation.met" } else { "evaluation.not_met" }).to_owned(),
                chosen: values.first().is_some_and(|x| x == v),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Where a leaf's row stands on its sheet.
struct LeafOn<'a> {
    index: usize,
    inspector: bool,
    missing: bool,
    editable: bool,
    library: &'a [pacesetter_domain::evidence::Evidence],
    t: crate::i18n::Tr,
}

/// A leaf as the sheet shows it: the caller's answer (or what they just typed), the other
/// side's beside it, the choices and the library.
fn leaf_row(leaf: &entries::SheetLeaf, rubric: &Rubric, kept: Option<Typed>, on: &LeafOn<'_>) -> LeafRow {
    let (inspector, t) = (on.inspector, on.t);
    let (mine, theirs, my_score, their_score): (Option<&ScoreEntry>, Option<&ScoreEntry>, _, _) = if inspector {
        (leaf.inspector_entry.as_ref(), leaf.self_entry.as_ref(), &leaf.inspector_score, &leaf.self_score)
    } else {
        (leaf.self_entry.as_ref(), leaf.inspector_entry.as_ref(), &leaf.self_score, &leaf.inspector_score)
    };
    let values = kept
        .as_ref()
        .map(|k| k.values.clone())
        .unwrap_or_else(|| mine.map(|e| values_of(&e.answer)).unwrap_or_default());
    let chosen_evidence: Vec<i64> = kept
        .as_ref()
        .map(|k| k.evidence.clone())
        .unwrap_or_else(|| mine.map(|e| e.evidence.iter().map(|i| i.0).collect()).unwrap_or_default());
    let choices = choices_for(rubric, &values, t);
    let evidence_note = match rubric {
        Rubric::Levels { levels } if !inspector => values
            .first()
            .and_then(|v| levels.iter().find(|l| &l.name == v))
            .filter(|l| l.min_evidence as usize > chosen_evidence.len())
            .map(|l| t.f("evaluation.evidence_short", &[("n", &l.min_evidence), ("have", &chosen_evidence.len())]))
            .unwrap_or_default(),
        _ => String::new(),
    };
    LeafRow {
        index: on.index,
        code: leaf.code.clone(),
        name: Named::of(&leaf.name, leaf.name_bo.as_deref(), t.locale),
        max: dec(leaf.max),
        input: input_kind(rubric),
        rubric_key: format!("evaluation.rubric.{}", super::form::rubric_kind(rubric)),
        typed: if input_kind(rubric) == "number" { values.first().cloned().unwrap_or_default() } else { String::new() },
        choices,
        comment: kept
            .as_ref()
            .map(|k| k.comment.clone())
            .unwrap_or_else(|| mine.and_then(|e| e.comment.clone()).unwrap_or_default()),
        version: mine.map(|e| e.version.to_string()).unwrap_or_default(),
        score: my_score.as_ref().map(|s| format!("{}（{}）", dec(s.score), s.step)).unwrap_or_default(),
        other: theirs.map(|e| answer_text(&e.answer, t)).unwrap_or_default(),
        other_score: their_score.as_ref().map(|s| dec(s.score)).unwrap_or_default(),
        other_comment: theirs.and_then(|e| e.comment.clone()).unwrap_or_default(),
        flagged: leaf.flagged,
        missing: on.missing,
        evidence_note,
        evidence: on
            .library
            .iter()
            .map(|e| EvidenceChoice {
                id: e.id.0,
                title: e.title.clone(),
                link: e.url.clone().unwrap_or_else(|| format!("/api/v1/evidence/{}/download", e.id)),
                chosen: chosen_evidence.contains(&e.id.0),
            })
            .collect(),
        error: kept.map(|k| k.error).unwrap_or_default(),
        editable: on.editable,
    }
}

/// 409 when a leaf was changed by someone else, 422 when anything else was refused.
fn sheet_status(error: &str, typed: &[(String, Typed)], t: crate::i18n::Tr) -> StatusCode {
    if error.is_empty() && typed.iter().all(|(_, k)| k.error.is_empty()) {
        StatusCode::OK
    } else if typed.iter().any(|(_, k)| k.error == t.error("stale_version")) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

async fn sheet_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    unit: i64,
    source: Source,
    shown: Shown<'_>,
) -> PageResult {
    let Shown { typed, error, saved } = shown;
    let entries::SheetPage { sheet, scheme: view, unit: unit_found, library } =
        entries::sheet_page(&state.app, actor, SchemeId(id), UnitId(unit), source).await?;
    let t = ctx.t;
    let scheme = &view.scheme.scheme;
    let inspector = source == Source::Inspector;
    let submitted = sheet.member.submitted_at.is_some();
    let open = view.scheme.status == pacesetter_domain::evaluation::records::SchemeStatus::Active;
    let mut leaves = Vec::new();
    for (index, leaf) in sheet.leaves.iter().enumerate() {
        if leaf.computed || (!inspector && !leaf.self_assessed) {
            continue;
        }
        let Some(rubric) = scheme.node(&leaf.code).and_then(|n| n.rubric.clone()) else { continue };
        let kept = typed.iter().find(|(c, _)| c == &leaf.code).map(|(_, k)| k.clone());
        let missing = !inspector && sheet.missing.contains(&leaf.code);
        let editable = open && !sheet.published && (inspector || !submitted);
        let on = LeafOn { index, inspector, missing, editable, library: &library, t };
        leaves.push(leaf_row(leaf, &rubric, kept, &on));
    }
    let missing = sheet
        .missing
        .iter()
        .map(|code| {
            let name =
                scheme.node(code).map(|n| Named::of(&n.name, n.name_bo.as_deref(), t.locale).text).unwrap_or_default();
            format!("{code} {name}")
        })
        .collect();
    let status = sheet_status(&error, typed, t);
    let page = SheetPage {
        scheme_id: id,
        scheme_name: Named::of(&view.scheme.name, view.scheme.name_bo.as_deref(), ctx.t.locale),
        unit_id: unit,
        unit: unit_name(&unit_found, t),
        inspector,
        leaves,
        missing,
        submitted,
        saved,
        error,
        p: ctx.with_nav("evaluations"),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_self_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<UnitQuery>,
) -> PageResult {
    let saved = query.saved.is_some();
    sheet_page(&state, &actor, ctx, id, query.unit_id, Source::SelfAssessment, Shown { saved, ..Default::default() })
        .await
}

pub async fn show_inspection_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<UnitQuery>,
) -> PageResult {
    let saved = query.saved.is_some();
    sheet_page(&state, &actor, ctx, id, query.unit_id, Source::Inspector, Shown { saved, ..Default::default() }).await
}

/// Saves the sheet as sent, all of it or, when a leaf is refused, none of it: the sheet comes
/// back with every refused leaf's message beside it and the input kept.
async fn save_sheet(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    fields: Vec<(String, String)>,
    source: Source,
) -> PageResult {
    let unit: i64 = first_value(&fields, "unit_id").parse().unwrap_or(0);
    let lines = sheet_lines(&fields);
    let error = match entries::save_sheet(&state.app, actor, SchemeId(id), source, UnitId(unit), &lines).await {
        Ok(()) => {
            let page = if source == Source::Inspector { "inspect" } else { "self" };
            return Ok(Redirect::to(&format!("/evaluations/{id}/{page}?unit_id={unit}&saved=1")).into_response());
        }
        Err(error) => error,
    };
    let mut typed: Vec<(String, Typed)> = lines
        .into_iter()
        .map(|line| {
            let evidence = line.evidence.iter().map(|e| e.0).collect();
            (line.leaf, Typed { values: line.values, comment: line.comment, evidence, error: String::new() })
        })
        .collect();
    let message = match error {
        AppError::Unprocessable { code: "sheet_refused", details } => {
            for refusal in details["leaves"].as_array().into_iter().flatten() {
                let leaf = refusal["leaf"].as_str().unwrap_or_default();
                if let Some((_, kept)) = typed.iter_mut().find(|(code, _)| code == leaf) {
                    kept.error = ctx.t.error(refusal["code"].as_str().unwrap_or("invalid_input"));
                }
            }
            String::new()
        }
        AppError::Conflict(code) => ctx.t.error(code),
        other => return Err(other.into()),
    };
    sheet_page(state, actor, ctx, id, unit, source, Shown { typed: &typed, error: message, saved: false }).await
}

fn first_value(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// The sheet's lines as the form numbers them: leaf `k{i}`, answer values `a{i}`, comment
/// `c{i}`, evidence `e{i}`, version `v{i}`.
fn sheet_lines(fields: &[(String, String)]) -> Vec<entries::SheetLine> {
    let all = |name: String| fields.iter().filter(move |(n, _)| *n == name).map(|(_, v)| v.clone());
    fields
        .iter()
        .filter_map(|(name, leaf)| Some((name.strip_prefix('k')?.parse::<usize>().ok()?, leaf)))
        .map(|(index, leaf)| entries::SheetLine {
            leaf: leaf.clone(),
            values: all(format!("a{index}")).collect(),
            comment: first_value(fields, &format!("c{index}")),
            evidence: all(format!("e{index}")).filter_map(|v| v.parse().ok()).map(EvidenceId).collect(),
            version: first_value(fields, &format!("v{index}")).parse().ok(),
        })
        .collect()
}

pub async fn save_self_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    save_sheet(&state, &actor, ctx, id, fields, Source::SelfAssessment).await
}

pub async fn save_inspection_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    save_sheet(&state, &actor, ctx, id, fields, Source::Inspector).await
}

#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    unit_id: i64,
}

/// Hands the self-assessment in; refused while leaves are missing, which the page lists.
pub async fn submit_self_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<UnitForm>,
) -> PageResult {
    Ok(match entries::submit(&state.app, &actor, SchemeId(id), UnitId(form.unit_id)).await {
        Ok(_) => Redirect::to(&format!("/evaluations/{id}/self?unit_id={}", form.unit_id)).into_response(),
        Err(AppError::Unprocessable { code, .. } | AppError::Conflict(code)) => {
            let message = ctx.t.error(code);
            sheet_page(
                &state,
                &actor,
                ctx,
                id,
                form.unit_id,
                Source::SelfAssessment,
                Shown { error: message, ..Default::default() },
            )
            .await?
        }
        Err(error) => return Err(error.into()),
    })
}
