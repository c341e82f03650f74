//! A finding's page: what was found, with the photos taken on site, and its rectification item
//! (整改) with every step taken and the step the caller may take — the unit responds with what
//! was done and its evidence, the inspectors close it (销号) or send it back with a reason. The
//! forms are multipart, so a phone can attach photos and files; the same app functions as the
//! JSON API check who may do what.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    Actor, AppError, evidence,
    inspections::{self, StepInput},
};
use pacesetter_domain::{
    evidence::EvidenceId,
    inspection::{RectificationStep, records::FindingId},
    timestamp::format_date,
};

use super::{name_of, severity_key};
use crate::ui::chase::ChaseBlock;
use crate::ui::named::Named;
use crate::ui::page::{PageError, PageForm, PageResult, redirect_with_notice, saved};
use crate::ui::{assignments::EvidenceRow, multipart::MultipartForm};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
};

pub struct StepRow {
    pub at: String,
    pub step_key: String,
    pub text: String,
    pub evidence: Vec<EvidenceRow>,
}

pub struct ItemBlock {
    pub unit: String,
    pub measure: String,
    pub given_on: String,
    pub due_on: String,
    pub state: &'static str,
    pub overdue: bool,
    pub version: i64,
}

/// What a refused form asked for, shown again beside it.
#[derive(Default)]
struct Refusal {
    /// The message beside the step forms.
    message: String,
    text: String,
    chosen: Vec<i64>,
    /// The message beside the photo form.
    photo_message: String,
}

#[derive(Template)]
#[template(path = "inspections/finding.html")]
struct FindingPage {
    p: PageCtx,
    id: i64,
    campaign: i64,
    unit: String,
    severity: &'static str,
    category: Named,
    description: String,
    created_at: String,
    /// Where each photo is read, in the order taken.
    photos: Vec<String>,
    can_add_photos: bool,
    /// The rectification item: responsible unit, measure, dates, state.
    item: Option<ItemBlock>,
    steps: Vec<StepRow>,
    can_respond: bool,
    can_close: bool,
    can_reopen: bool,
    /// The item's chases (催办) and, for those who judge it, the form to chase it.
    chase: ChaseBlock,
    /// The responsible unit's library, to cite in a response.
    library: Vec<EvidenceRow>,
    refusal: Refusal,
}

/// A finding with its photos, its rectification item and the steps the caller may take.
pub async fn show_finding(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    finding_page(&state, &actor, ctx, id, Refusal::default(), StatusCode::OK).await
}

async fn finding_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    refusal: Refusal,
    status: StatusCode,
) -> PageResult {
    let t = ctx.t;
    let shown = inspections::finding_page(&state.app, actor, FindingId(id)).await?;
    let (view, f) = (&shown.view, &shown.view.finding);
    let item = view.rectification.as_ref().map(|r| ItemBlock {
        unit: name_of(shown.responsible.as_ref(), t),
        measure: r.measure.clone(),
        given_on: format_date(r.given_on),
        due_on: format_date(r.due_on),
        state: r.state.as_str(),
        overdue: r.state.is_overdue(r.due_on, view.today),
        version: r.version,
    });
    let steps = view
        .steps
        .iter()
        .zip(&shown.cited)
        .map(|(s, cited)| StepRow {
            at: s.taken_at.display_cst(),
            step_key: format!("inspection.step.{}", s.step.as_str()),
            text: s.text.clone(),
            evidence: cited.iter().map(EvidenceRow::new).collect(),
        })
        .collect();
    let page = FindingPage {
        id,
        campaign: view.campaign.0,
        unit: name_of(shown.found_at.as_ref(), t),
        severity: severity_key(f.severity),
        category: Named::of(&f.category, f.category_bo.as_deref(), t.locale),
        description: f.description.clone(),
        created_at: f.created_at.display_cst(),
        photos: f.photos.iter().map(|p| format!("/api/v1/findings/{id}/photos/{}", p.sha256)).collect(),
        can_add_photos: shown.can_add_photos,
        item,
        steps,
        can_respond: shown.can_respond,
        can_close: shown.can_close,
        can_reopen: shown.can_reopen,
        chase: ChaseBlock::new(
            format!("/findings/{id}/chase"),
            shown.can_chase,
            "chase.help_rectification",
            &view.chases,
        ),
        library: shown.library.iter().map(EvidenceRow::new).collect(),
        refusal,
        p: ctx.with_nav("inspections"),
    };
    Ok((status, render(&page)).into_response())
}

/// The message for a refused step or upload, and the status to answer with; `None` for a
/// refusal that is not about the input (not found, forbidden), shown as an error page.
fn refused_input(ctx: &PageCtx, error: &AppError) -> Option<(String, StatusCode)> {
    let (code, status) = match error {
        AppError::Unprocessable { code, .. } | AppError::Conflict(code) => (*code, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Invalid(errors) => {
            (errors.fields.first().map_or("invalid_input", |f| f.code), StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Stale { .. } => ("stale_version", StatusCode::CONFLICT),
        _ => return None,
    };
    Some((ctx.t.error(code), status))
}

/// Takes a step on a finding's rectification item; a response may upload files and cite
/// evidence from the unit's library. A refused step shows the page again with the message
/// beside the form and the text and choices kept.
pub async fn take_step(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    form: MultipartForm,
) -> PageResult {
    let view = inspections::finding(&state.app, &actor, FindingId(id)).await?;
    let Some(item) = view.rectification else {
        return Err(PageError::from(AppError::NotFound(pacesetter_app::Resource::Rectification)));
    };
    let step = RectificationStep::parse(&form.value("step")).unwrap_or(RectificationStep::Respond);
    let mut chosen = form.numbers("evidence");
    let result = async {
        // Files come with a response only, into the responsible unit's library.
        if step == RectificationStep::Respond {
            for upload in form.files("file") {
                let stored =
                    evidence::upload(&state.app, &actor, item.unit_id, &upload.filename, &upload.bytes).await?;
                chosen.push(stored.id.0);
            }
        }
        let input = StepInput {
            step,
            text: form.value("text"),
            evidence: chosen.iter().copied().map(EvidenceId).collect(),
            version: form.value("version").parse().unwrap_or(0),
        };
        inspections::take_step(&state.app, &actor, item.id, &input).await
    }
    .await;
    let error = match result {
        Ok(_) => return Ok(saved(&format!("/findings/{id}"))),
        Err(error) => error,
    };
    let Some((message, status)) = refused_input(&ctx, &error) else { return Err(error.into()) };
    let refusal = Refusal { message, text: form.value("text"), chosen, ..Refusal::default() };
    finding_page(&state, &actor, ctx, id, refusal, status).await
}

/// Chases (催办) a finding's rectification item, with a message; back to the finding saying so.
/// A message too long says why at the top instead.
pub async fn chase(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<crate::ui::assignment_selection::ChaseForm>,
) -> PageResult {
    let view = inspections::finding(&state.app, &actor, FindingId(id)).await?;
    let Some(item) = view.rectification else {
        return Err(PageError::from(AppError::NotFound(pacesetter_app::Resource::Rectification)));
    };
    let back = format!("/findings/{id}");
    match inspections::chase_rectification(&state.app, &actor, item.id, &form.message).await {
        Ok(_) => Ok(redirect_with_notice(&back, "chased_rectification")),
        Err(AppError::Invalid(_)) => Ok(redirect_with_notice(&back, "chase_refused_message")),
        Err(error) => Err(error.into()),
    }
}

/// Adds photos taken on site to a finding; a refused photo (not an image, too large, too many)
/// adds none and says why beside the form.
pub async fn add_photos(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    form: MultipartForm,
) -> PageResult {
    let photos: Vec<Vec<u8>> = form.files("photo").map(|upload| upload.bytes.clone()).collect();
    let error = match inspections::add_photos(&state.app, &actor, FindingId(id), &photos).await {
        Ok(_) => return Ok(saved(&format!("/findings/{id}"))),
        Err(error) => error,
    };
    let Some((photo_message, status)) = refused_input(&ctx, &error) else { return Err(error.into()) };
    finding_page(&state, &actor, ctx, id, Refusal { photo_message, ..Refusal::default() }, status).await
}
