//! The scoring sheets: a unit's self-assessment (对标对表自查) with evidence from its library
//! and the hand-in, and an inspector's scores beside the unit's own.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    Actor, AppError,
    evaluations::{self, entries},
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        Answer, Rubric,
        records::{SchemeId, ScoreEntry, Source},
    },
    evidence::EvidenceId,
};
use serde::Deserialize;
use serde_json::json;

use super::{answer_text, dec, parse_decimal, unit_name};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, check_csrf, error_page, render},
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
    pub name: String,
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
    scheme_name: String,
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

/// An answer as the app takes it, from the form values; `None` when nothing was given.
fn answer_of(rubric: &Rubric, values: &[String]) -> Result<Option<serde_json::Value>, &'static str> {
    let first = values.first().map(|v| v.trim()).unwrap_or("");
    Ok(Some(match rubric {
        Rubric::Levels { .. } if first.is_empty() => return Ok(None),
        Rubric::Levels { .. } => json!({"kind": "level", "value": first}),
        Rubric::Checklist { .. } if values.iter().all(|v| v.trim().is_empty()) => return Ok(None),
        Rubric::Checklist { .. } => {
            // Ticked items win over a ticked "none of them".
            let items: Vec<usize> = values.iter().filter_map(|v| v.parse().ok()).collect();
            json!({"kind": "checked", "value": items})
        }
        Rubric::Binary if first.is_empty() => return Ok(None),
        Rubric::Binary => json!({"kind": "met", "value": first == "yes"}),
        _ if first.is_empty() => return Ok(None),
        Rubric::DeductFromMax { .. } => {
            let n: u32 = first.parse().map_err(|_| "not_a_number")?;
            json!({"kind": "occurrences", "value": n})
        }
        _ => {
            let value = parse_decimal(first).ok_or("not_a_number")?;
            json!({"kind": "value", "value": value.to_string()})
        }
    }))
}

async fn sheet_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    unit: i64,
    source: Source,
    shown: Shown<'_>,
) -> Response {
    let Shown { typed, error, saved } = shown;
    let result = async {
        let sheet = entries::sheet_for(&state.app, actor, SchemeId(id), UnitId(unit), source).await?;
        let view = evaluations::get(&state.app, actor, SchemeId(id)).await?;
        let unit = pacesetter_app::units::get(&state.app, actor, UnitId(unit)).await?;
        // The unit's library, for the unit's answers and the inspector's alike (材料只报一次).
        let library = pacesetter_app::evidence::library(&state.app, actor, unit.id).await.unwrap_or_default();
        Ok::<_, AppError>((sheet, view, unit, library))
    }
    .await;
    let (sheet, view, unit_found, library) = match result {
        Ok(found) => found,
        Err(error) => return error_page(ctx.t, &error),
    };
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
        let (mine, theirs, my_score, their_score): (Option<&ScoreEntry>, Option<&ScoreEntry>, _, _) = if inspector {
            (leaf.inspector_entry.as_ref(), leaf.self_entry.as_ref(), &leaf.inspector_score, &leaf.self_score)
        } else {
            (leaf.self_entry.as_ref(), leaf.inspector_entry.as_ref(), &leaf.self_score, &leaf.inspector_score)
        };
        let kept = typed.iter().find(|(c, _)| c == &leaf.code).map(|(_, k)| k.clone());
        let values = kept
            .as_ref()
            .map(|k| k.values.clone())
            .unwrap_or_else(|| mine.map(|e| values_of(&e.answer)).unwrap_or_default());
        let chosen_evidence: Vec<i64> = kept
            .as_ref()
            .map(|k| k.evidence.clone())
            .unwrap_or_else(|| mine.map(|e| e.evidence.iter().map(|i| i.0).collect()).unwrap_or_default());
        let choices = match &rubric {
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
        };
        let evidence_note = match &rubric {
            Rubric::Levels { levels } if !inspector => values
                .first()
                .and_then(|v| levels.iter().find(|l| &l.name == v))
                .filter(|l| l.min_evidence as usize > chosen_evidence.len())
                .map(|l| t.f("evaluation.evidence_short", &[("n", &l.min_evidence), ("have", &chosen_evidence.len())]))
                .unwrap_or_default(),
            _ => String::new(),
        };
        leaves.push(LeafRow {
            index,
            code: leaf.code.clone(),
            name: leaf.name.clone(),
            max: dec(leaf.max),
            input: input_kind(&rubric),
            rubric_key: format!("evaluation.rubric.{}", super::form::rubric_kind(&rubric)),
            typed: if input_kind(&rubric) == "number" {
                values.first().cloned().unwrap_or_default()
            } else {
                String::new()
            },
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
            missing: !inspector && sheet.missing.contains(&leaf.code),
            evidence_note,
            evidence: library
                .iter()
                .map(|e| EvidenceChoice {
                    id: e.id.0,
                    title: e.title.clone(),
                    link: e.url.clone().unwrap_or_else(|| format!("/api/v1/evidence/{}/download", e.id)),
                    chosen: chosen_evidence.contains(&e.id.0),
                })
                .collect(),
            error: kept.map(|k| k.error).unwrap_or_default(),
            editable: open && !sheet.published && (inspector || !submitted),
        });
    }
    let missing = sheet
        .missing
        .iter()
        .map(|code| {
            let name = scheme.node(code).map(|n| n.name.clone()).unwrap_or_default();
            format!("{code} {name}")
        })
        .collect();
    let status = if !error.is_empty() || typed.iter().any(|(_, k)| !k.error.is_empty()) {
        if typed.iter().any(|(_, k)| k.error == t.error("stale_version")) {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    } else {
        StatusCode::OK
    };
    let page = SheetPage {
        scheme_id: id,
        scheme_name: view.scheme.name.clone(),
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
    (status, render(&page)).into_response()
}

pub async fn self_assess(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<UnitQuery>,
) -> Response {
    let saved = query.saved.is_some();
    sheet_page(&state, &actor, ctx, id, query.unit_id, Source::SelfAssessment, Shown { saved, ..Default::default() })
        .await
}

pub async fn inspect(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<UnitQuery>,
) -> Response {
    let saved = query.saved.is_some();
    sheet_page(&state, &actor, ctx, id, query.unit_id, Source::Inspector, Shown { saved, ..Default::default() }).await
}

/// Saves every leaf whose answer, comment or evidence changed; the rest stay as they were.
async fn save_sheet(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    fields: Vec<(String, String)>,
    source: Source,
) -> Response {
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |name: &str| fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    if let Err(response) = check_csrf(&ctx, &value("csrf")) {
        return response;
    }
    let unit: i64 = value("unit_id").parse().unwrap_or(0);
    // The permission first, so that nobody learns anything from how their input is judged.
    let sheet = match entries::sheet_for(&state.app, actor, SchemeId(id), UnitId(unit), source).await {
        Ok(sheet) => sheet,
        Err(error) => return error_page(ctx.t, &error),
    };
    let scheme = match evaluations::get(&state.app, actor, SchemeId(id)).await {
        Ok(view) => view.scheme.scheme,
        Err(error) => return error_page(ctx.t, &error),
    };
    let mut typed: Vec<(String, Typed)> = Vec::new();
    let mut failed = false;
    for (index, leaf) in sheet.leaves.iter().enumerate() {
        if all(&format!("k{index}")).first() != Some(&leaf.code) {
            continue;
        }
        let Some(rubric) = scheme.node(&leaf.code).and_then(|n| n.rubric.clone()) else { continue };
        let mut kept = Typed {
            values: all(&format!("a{index}")),
            comment: value(&format!("c{index}")),
            evidence: all(&format!("e{index}")).iter().filter_map(|v| v.parse().ok()).collect(),
            error: String::new(),
        };
        let current = if source == Source::Inspector { &leaf.inspector_entry } else { &leaf.self_entry };
        let answer = match answer_of(&rubric, &kept.values) {
            Ok(Some(answer)) => answer,
            Ok(None) => {
                typed.push((leaf.code.clone(), kept));
                continue;
            }
            Err(code) => {
                kept.error = ctx.t.error(code);
                failed = true;
                typed.push((leaf.code.clone(), kept));
                continue;
            }
        };
        let comment = kept.comment.trim().to_owned();
        let evidence: Vec<EvidenceId> = kept.evidence.iter().map(|e| EvidenceId(*e)).collect();
        let unchanged = current.as_ref().is_some_and(|e| {
            serde_json::to_value(&e.answer).ok().as_ref() == Some(&answer)
                && e.comment.clone().unwrap_or_default() == comment
                && {
                    let mut mine: Vec<i64> = e.evidence.iter().map(|i| i.0).collect();
                    let mut now = kept.evidence.clone();
                    mine.sort_unstable();
                    now.sort_unstable();
                    now.dedup();
                    mine == now
                }
        });
        if unchanged {
            typed.push((leaf.code.clone(), kept));
            continue;
        }
        let input = entries::EntryInput {
            unit: UnitId(unit),
            leaf: leaf.code.clone(),
            answer,
            comment: (!comment.is_empty()).then_some(comment),
            evidence,
            version: value(&format!("v{index}")).parse().ok(),
        };
        match entries::save(&state.app, actor, SchemeId(id), source, &input).await {
            Ok(_) => {}
            Err(AppError::Unprocessable { code, .. }) => {
                kept.error = ctx.t.error(code);
                failed = true;
            }
            Err(AppError::Invalid(errors)) => {
                kept.error = errors.fields.first().map(|f| ctx.t.error(f.code)).unwrap_or_default();
                failed = true;
            }
            Err(AppError::Stale { .. }) => {
                kept.error = ctx.t.error("stale_version");
                failed = true;
            }
            Err(AppError::Conflict(code)) => {
                return sheet_page(
                    state,
                    actor,
                    ctx.clone(),
                    id,
                    unit,
                    source,
                    Shown { typed: &typed, error: ctx.t.error(code), saved: false },
                )
                .await;
            }
            Err(error) => return error_page(ctx.t, &error),
        }
        typed.push((leaf.code.clone(), kept));
    }
    if failed {
        return sheet_page(state, actor, ctx, id, unit, source, Shown { typed: &typed, ..Default::default() }).await;
    }
    let page = if source == Source::Inspector { "inspect" } else { "self" };
    Redirect::to(&format!("/evaluations/{id}/{page}?unit_id={unit}&saved=1")).into_response()
}

pub async fn save_self(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    save_sheet(&state, &actor, ctx, id, fields, Source::SelfAssessment).await
}

pub async fn save_inspection(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    save_sheet(&state, &actor, ctx, id, fields, Source::Inspector).await
}

#[derive(Deserialize)]
pub struct UnitForm {
    csrf: String,
    #[serde(default)]
    unit_id: i64,
}

/// Hands the self-assessment in; refused while leaves are missing, which the page lists.
pub async fn submit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match entries::submit(&state.app, &actor, SchemeId(id), UnitId(form.unit_id)).await {
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
            .await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}
