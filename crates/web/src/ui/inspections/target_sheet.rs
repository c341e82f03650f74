//! A round's target sheet: each checklist point with the evidence the unit already holds, its
//! own answer and the inspectors', the forms the caller may use — self-inspection, the
//! inspectors' check, a finding with its rectification item — sized for a phone on site. The
//! round's own page and its planning are in `round_planning`.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    Actor, AppError,
    inspections::{self, CheckInput, FindingInput, RectificationInput},
    units,
};
use pacesetter_domain::{
    UnitId,
    inspection::{
        Severity,
        records::{Check, CheckItemId, CheckSource, CheckStatus, RoundId},
    },
    timestamp::parse_date,
};
use serde::Deserialize;

use crate::ui::named::Named;
use crate::ui::page::{NoFields, PageForm, PageResult, saved};
use crate::{
    AppState,
    ui::{
        context::{PageCtx, SignedIn, render},
        multipart::MultipartForm,
    },
};

pub struct AnswerView {
    pub status: &'static str,
    pub comment: String,
}

impl From<&Check> for AnswerView {
    fn from(c: &Check) -> Self {
        Self { status: c.status.as_str(), comment: c.comment.clone().unwrap_or_default() }
    }
}

pub struct PointRow {
    pub id: i64,
    pub title: Named,
    pub evidence_request: String,
    pub held: usize,
    pub own: Option<AnswerView>,
    pub inspected: Option<AnswerView>,
    /// The answer the caller's form changes (the inspectors' or the unit's own), shown chosen.
    pub mine: Option<AnswerView>,
}

#[derive(Template)]
#[template(path = "inspections/sheet.html")]
struct SheetPage {
    p: PageCtx,
    round_id: i64,
    round: Named,
    unit_id: i64,
    unit: String,
    submitted: bool,
    can_self_inspect: bool,
    can_inspect: bool,
    /// The evaluation scheme the round also scores, where the inspectors enter their scores.
    scheme_id: Option<i64>,
    points: Vec<PointRow>,
    statuses: Vec<&'static str>,
    severities: Vec<&'static str>,
    /// A refused form's message, and the finding form as it was sent.
    error: String,
    finding: FindingFields,
}

#[derive(Default)]
pub struct FindingFields {
    item_id: String,
    severity: String,
    category: String,
    category_bo: String,
    description: String,
    measure: String,
    due_on: String,
}

impl FindingFields {
    /// The finding form as sent with its photos (multipart, so a phone can attach them).
    fn read(form: &MultipartForm) -> Self {
        Self {
            item_id: form.value("item_id"),
            severity: form.value("severity"),
            category: form.value("category"),
            category_bo: form.value("category_bo"),
            description: form.value("description"),
            measure: form.value("measure"),
            due_on: form.value("due_on"),
        }
    }
}

/// A target's checklist with both answers and the forms the caller may use.
pub async fn show_target_sheet(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path((id, unit)): Path<(i64, i64)>,
) -> PageResult {
    sheet_page(&state, &actor, ctx, (id, unit), String::new(), FindingFields::default(), StatusCode::OK).await
}

async fn sheet_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    (id, unit): (i64, i64),
    error: String,
    finding: FindingFields,
    status: StatusCode,
) -> PageResult {
    let t = ctx.t;
    let sheet = inspections::sheet(&state.app, actor, RoundId(id), UnitId(unit)).await?;
    let name = match units::get(&state.app, actor, UnitId(unit)).await {
        Ok(found) => found.display_name(t.locale).to_owned(),
        Err(error) => return Err(error.into()),
    };
    let page = SheetPage {
        round_id: id,
        round: Named::of(&sheet.round.name, sheet.round.name_bo.as_deref(), t.locale),
        unit_id: unit,
        unit: name,
        submitted: sheet.target.self_submitted_at.is_some(),
        can_self_inspect: sheet.can_self_inspect,
        can_inspect: sheet.can_inspect,
        scheme_id: sheet.round.scheme_id,
        points: sheet
            .lines
            .iter()
            .map(|l| PointRow {
                id: l.item.id.0,
                title: Named::of(&l.item.title, l.item.title_bo.as_deref(), t.locale),
                evidence_request: l.item.evidence_request.clone().unwrap_or_default(),
                held: l.held.len(),
                own: l.self_check.as_ref().map(Into::into),
                inspected: l.inspector_check.as_ref().map(Into::into),
                mine: if sheet.can_inspect { &l.inspector_check } else { &l.self_check }.as_ref().map(Into::into),
            })
            .collect(),
        statuses: CheckStatus::ALL.iter().map(|s| s.as_str()).collect(),
        severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
        error,
        finding,
        p: ctx.with_nav("inspections"),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    item_id: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

async fn save_check(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    (id, unit): (i64, i64),
    source: CheckSource,
    form: CheckForm,
) -> PageResult {
    let input = CheckInput {
        unit: UnitId(unit),
        item: CheckItemId(form.item_id),
        // An unknown status is refused by the permission-checked call below as invalid.
        status: CheckStatus::parse(&form.status).unwrap_or(CheckStatus::NotApplicable),
        comment: Some(form.comment),
        evidence: Vec::new(),
    };
    let known = CheckStatus::parse(&form.status).is_some();
    Ok(match inspections::save_check(&state.app, actor, RoundId(id), source, &input).await {
        Ok(_) if known => saved(&format!("/inspection-rounds/{id}/units/{unit}#point-{}", form.item_id)),
        Ok(_) => {
            let message = ctx.t.error("invalid_status");
            sheet_page(
                state,
                actor,
                ctx,
                (id, unit),
                message,
                FindingFields::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?
        }
        Err(error) => return refused(state, actor, ctx, (id, unit), error, FindingFields::default()).await,
    })
}

/// A refused form: the sheet again with the reason, or the error page for who may not.
async fn refused(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    at: (i64, i64),
    error: AppError,
    finding: FindingFields,
) -> PageResult {
    let code = match &error {
        AppError::Unprocessable { code, .. } | AppError::Conflict(code) => *code,
        AppError::Invalid(errors) => errors.fields.first().map_or("invalid_input", |f| f.code),
        _ => return Err(error.into()),
    };
    let message = ctx.t.error(code);
    sheet_page(state, actor, ctx, at, message, finding, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn save_self_check(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(at): Path<(i64, i64)>,
    PageForm(form): PageForm<CheckForm>,
) -> PageResult {
    save_check(&state, &actor, ctx, at, CheckSource::SelfInspection, form).await
}

pub async fn save_inspector_check(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(at): Path<(i64, i64)>,
    PageForm(form): PageForm<CheckForm>,
) -> PageResult {
    save_check(&state, &actor, ctx, at, CheckSource::Inspector, form).await
}

/// Hands the unit's self-inspection in.
pub async fn submit_self_check(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path((id, unit)): Path<(i64, i64)>,
    _: PageForm<NoFields>,
) -> PageResult {
    Ok(match inspections::submit_self(&state.app, &actor, RoundId(id), UnitId(unit)).await {
        Ok(_) => saved(&format!("/inspection-rounds/{id}/units/{unit}")),
        Err(error) => return refused(&state, &actor, ctx, (id, unit), error, FindingFields::default()).await,
    })
}

/// Records a finding on the target, with its rectification item when a measure is given.
pub async fn record_finding(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path((id, unit)): Path<(i64, i64)>,
    sent: MultipartForm,
) -> PageResult {
    let form = FindingFields::read(&sent);
    let (severity, due_on) = (Severity::parse(&form.severity), parse_date(&form.due_on));
    let wants_rectification = !form.measure.trim().is_empty();
    let unreadable = match (severity, wants_rectification && due_on.is_none()) {
        (None, _) => Some("invalid_severity"),
        (_, true) => Some("invalid_date"),
        _ => None,
    };
    // Said beside the form only to whoever may record findings here; anyone else is refused
    // by the call below, as for any other input.
    if let Some(code) = unreadable {
        let may = inspections::sheet(&state.app, &actor, RoundId(id), UnitId(unit)).await.is_ok_and(|s| s.can_inspect);
        if may {
            let message = ctx.t.error(code);
            return sheet_page(&state, &actor, ctx, (id, unit), message, form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    let rectification = wants_rectification.then(|| RectificationInput {
        unit: UnitId(unit),
        measure: form.measure.clone(),
        due_on: due_on.unwrap_or(time::Date::MIN),
    });
    let input = FindingInput {
        unit: UnitId(unit),
        item: form.item_id.parse().ok().map(CheckItemId),
        plan_item: None,
        indicator_code: None,
        severity: severity.unwrap_or(Severity::Minor),
        category: form.category.clone(),
        category_bo: Some(form.category_bo.clone()),
        description: form.description.clone(),
        rectification,
        photos: sent.files("photo").map(|upload| upload.bytes.clone()).collect(),
    };
    Ok(match inspections::record_finding(&state.app, &actor, RoundId(id), &input).await {
        Ok(view) => saved(&format!("/findings/{}", view.finding.id.0)),
        Err(error) => return refused(&state, &actor, ctx, (id, unit), error, form).await,
    })
}
