//! The scheme editor: a 422 names the offending node beside its row with the input kept; a
//! stale version is a 409 with the input kept; "more rows" only adds blank rows.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    Actor, AppError,
    evaluations::{self, MemberInput, SchemeInput, pages::EditorPage},
    plans, units,
};
use pacesetter_domain::{
    UnitId,
    evaluation::records::{SchemeId, SchemeStatus},
    ids::CampaignId,
};
use serde::Deserialize;

use super::{
    form::{MemberRow, Mistake, Place, RUBRICS, SchemeForm, assessable_leaves},
    split_list, unit_name,
};
use crate::ui::page::{PageForm, PageQuery, PageResult, saved};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
};

#[derive(Template)]
#[template(path = "evaluations/form.html")]
struct FormPage {
    p: PageCtx,
    campaign_id: i64,
    campaign: String,
    /// `None` when creating.
    scheme_id: Option<i64>,
    form: SchemeForm,
    mistakes: Vec<Mistake>,
    /// The scheme's own complaint, translated, with the node it names.
    conflict: String,
    rubrics: [&'static str; 8],
}

impl FormPage {
    fn field_error(&self, field: &str) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Field(field_static(field)))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn node_error(&self, row: &usize) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Node(*row))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn member_error(&self, row: &usize) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Member(*row))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn general_errors(&self) -> Vec<String> {
        self.mistakes.iter().filter(|m| m.place == Place::Field("scheme")).map(|m| self.p.t.error(&m.code)).collect()
    }
}

/// The settings a mistake can sit beside.
fn field_static(field: &str) -> &'static str {
    const FIELDS: [&str; 12] = [
        "name",
        "name_bo",
        "total_points",
        "discrepancy_pct",
        "bonus_cap",
        "deduction_cap",
        "combine",
        "bands",
        "quotas",
        "tie_breakers",
        "precision",
        "scheme",
    ];
    FIELDS.iter().find(|f| **f == field).copied().unwrap_or("scheme")
}

#[derive(Deserialize)]
pub struct NewQuery {
    campaign: i64,
}

pub async fn new_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<NewQuery>,
) -> PageResult {
    let campaign = plans::managed_campaign(&state.app, &actor, CampaignId(query.campaign)).await?;
    Ok(render(&FormPage {
        p: ctx.with_nav("evaluations"),
        campaign_id: query.campaign,
        campaign: campaign.campaign.name,
        scheme_id: None,
        form: SchemeForm::default(),
        mistakes: Vec::new(),
        conflict: String::new(),
        rubrics: RUBRICS,
    }))
}

pub async fn edit_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let EditorPage { view, campaign, members: lines, item_codes: codes } =
        evaluations::pages::editor_page(&state.app, &actor, SchemeId(id)).await?;
    let all_leaves = assessable_leaves(&view.scheme.scheme);
    let members = lines
        .iter()
        .map(|l| MemberRow {
            code: l.unit.code.clone().unwrap_or_default(),
            name: unit_name(&l.unit, ctx.t),
            category: l.member.category.clone(),
            leaves: if l.member.self_leaves == all_leaves { String::new() } else { l.member.self_leaves.join(", ") },
        })
        .collect();
    let item_code = |id: i64| codes.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()).unwrap_or_default();
    let form = SchemeForm::of(&view.scheme, members, &item_code);
    let conflict = if view.published_version.is_some() { ctx.t.error("evaluation_published") } else { String::new() };
    Ok(render(&FormPage {
        p: ctx.with_nav("evaluations"),
        campaign_id: campaign.campaign.id.0,
        campaign: campaign.campaign.name,
        scheme_id: Some(id),
        form,
        mistakes: Vec::new(),
        conflict,
        rubrics: RUBRICS,
    }))
}

/// Reads the member rows: unit codes to units, leaves to lists (blank: every leaf). The inner
/// error is the rows' mistakes; the outer one ends the page.
async fn member_inputs(
    state: &AppState,
    actor: &Actor,
    form: &mut SchemeForm,
    locale: pacesetter_domain::Locale,
) -> Result<Result<Vec<MemberInput>, Vec<Mistake>>, AppError> {
    let mut inputs = Vec::new();
    let mut mistakes = Vec::new();
    let rows: Vec<(usize, MemberRow)> = form.filled_members().map(|(i, m)| (i, m.clone())).collect();
    for (i, row) in rows {
        let unit = match units::typed(&state.app, actor, &row.code, "members").await {
            Ok(Some(id)) => id,
            Ok(None) | Err(AppError::Invalid(_)) => {
                mistakes.push(Mistake { place: Place::Member(i), code: "unit_not_found".into() });
                continue;
            }
            Err(error) => return Err(error),
        };
        form.members[i].name = units::get(&state.app, actor, unit).await?.display_name(locale).to_owned();
        if row.category.is_empty() {
            mistakes.push(Mistake { place: Place::Member(i), code: "category_required".into() });
            continue;
        }
        let leaves: Vec<String> = split_list(&row.leaves).map(str::to_owned).collect();
        inputs.push(MemberInput {
            unit: UnitId(unit.0),
            category: row.category.clone(),
            self_assess: if leaves.is_empty() { None } else { Some(leaves) },
        });
    }
    Ok(if mistakes.is_empty() { Ok(inputs) } else { Err(mistakes) })
}

/// Where the app's complaint about a scheme belongs on the form.
fn place_error(form: &SchemeForm, error: AppError) -> Result<(Vec<Mistake>, StatusCode), AppError> {
    match error {
        AppError::Unprocessable { code, details } => {
            let node = details.get("node").and_then(|n| n.as_str()).unwrap_or("scheme");
            let place = match (form.node_row(node), code) {
                (Some(row), _) => Place::Node(row),
                (None, "bands_not_descending") => Place::Field("bands"),
                (None, "quota_invalid") => Place::Field("quotas"),
                (None, "combine_weights_not_one") => Place::Field("combine"),
                (None, "cap_negative") => Place::Field("bonus_cap"),
                (None, "total_points_not_positive" | "children_do_not_add_up") => Place::Field("total_points"),
                (None, "leaf_not_self_assessable") => {
                    let row = form.members.iter().position(|m| split_list(&m.leaves).any(|l| l == node));
                    row.map(Place::Member).unwrap_or(Place::Field("scheme"))
                }
                _ => Place::Field("scheme"),
            };
            Ok((vec![Mistake { place, code: code.to_owned() }], StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Invalid(errors) => {
            let mistakes = errors
                .fields
                .iter()
                .map(|f| {
                    let place = match f.field {
                        "name" | "name_bo" => Place::Field(f.field),
                        _ => Place::Field("scheme"),
                    };
                    Mistake { place, code: f.code.to_owned() }
                })
                .collect();
            Ok((mistakes, StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Stale { .. } => {
            Ok((vec![Mistake { place: Place::Field("scheme"), code: "stale_version".into() }], StatusCode::CONFLICT))
        }
        AppError::Conflict(code) => {
            Ok((vec![Mistake { place: Place::Field("scheme"), code: code.to_owned() }], StatusCode::CONFLICT))
        }
        other => Err(other),
    }
}

/// Saves the editor's form, creating (`scheme == None`) or updating; "more rows" only adds
/// blank rows.
async fn save(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    campaign_id: i64,
    scheme: Option<i64>,
    fields: Vec<(String, String)>,
) -> PageResult {
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let campaign = plans::managed_campaign(&state.app, actor, CampaignId(campaign_id)).await?;
    let mut form = SchemeForm::from_fields(&fields);
    let page = |form: SchemeForm, mistakes: Vec<Mistake>, status: StatusCode, ctx: PageCtx| {
        let mut form = form;
        form.pad(0);
        let conflict = String::new();
        let page = FormPage {
            p: ctx.with_nav("evaluations"),
            campaign_id,
            campaign: campaign.campaign.name.clone(),
            scheme_id: scheme,
            form,
            mistakes,
            conflict,
            rubrics: RUBRICS,
        };
        (status, render(&page)).into_response()
    };
    if !value("more").is_empty() {
        form.pad(super::form::BLANK_ROWS);
        return Ok(page(form, Vec::new(), StatusCode::OK, ctx));
    }
    let codes = plans::item_codes(&state.app, actor, CampaignId(campaign_id)).await?;
    let plan_item = |text: &str| {
        codes.iter().find(|(_, c)| c == text).map(|(i, _)| *i).or_else(|| text.trim_start_matches('#').parse().ok())
    };
    let json = form.scheme_json(&plan_item);
    let members = member_inputs(state, actor, &mut form, ctx.t.locale).await?;
    let (json, members) = match (json, members) {
        (Ok(json), Ok(members)) => (json, members),
        (json, members) => {
            let mistakes = json.err().into_iter().flatten().chain(members.err().into_iter().flatten()).collect();
            return Ok(page(form, mistakes, StatusCode::UNPROCESSABLE_ENTITY, ctx));
        }
    };
    let input = SchemeInput { name: form.name.clone(), name_bo: form.name_bo.clone(), scheme: json, units: members };
    let stored = match scheme {
        None => evaluations::create(&state.app, actor, CampaignId(campaign_id), &input).await,
        Some(id) => {
            let status = SchemeStatus::parse(&form.status);
            evaluations::update(&state.app, actor, SchemeId(id), form.version, status, &input).await
        }
    };
    Ok(match stored {
        Ok(stored) => saved(&format!("/evaluations/{}", stored.id)),
        Err(error) => match place_error(&form, error) {
            Ok((mistakes, status)) => return Ok(page(form, mistakes, status, ctx)),
            Err(error) => return Err(error.into()),
        },
    })
}

pub async fn create_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let campaign = fields.iter().find(|(n, _)| n == "campaign_id").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    save(&state, &actor, ctx, campaign, None, fields).await
}

pub async fn update_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let campaign = evaluations::managed(&state.app, &actor, SchemeId(id)).await?.scheme.campaign_id.0;
    save(&state, &actor, ctx, campaign, Some(id), fields).await
}
