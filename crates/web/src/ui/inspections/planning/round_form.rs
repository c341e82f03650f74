//! A round's name, dates and the evaluation scheme it also scores: the new-round form, and the
//! same fields changed on the round page.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    Actor, AppError, evaluations,
    inspections::{self, RoundInput},
    plans,
};
use pacesetter_domain::{ValidationError, ids::CampaignId, inspection::records::RoundId, timestamp::parse_date};
use serde::Deserialize;

use super::{
    fields::{RoundFields, Shown, scheme_options},
    plans_round, refused,
};
use crate::ui::page::{PageError, PageForm, PageQuery, PageResult, saved};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
};

#[derive(Template)]
#[template(path = "inspections/round_new.html")]
struct NewRoundPage {
    p: PageCtx,
    campaign_id: i64,
    campaign: String,
    form: RoundFields,
    schemes: Vec<(String, String)>,
    errors: ValidationError,
}

impl NewRoundPage {
    fn error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

/// The fields as posted, by either form.
#[derive(Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    campaign_id: i64,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    scheme_id: String,
}

impl RoundForm {
    fn typed(&self) -> RoundFields {
        RoundFields {
            version: self.version,
            name: self.name.clone(),
            name_bo: self.name_bo.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            scheme_id: self.scheme_id.clone(),
        }
    }

    /// The app's input, or the dates that cannot be read.
    fn input(&self) -> Result<RoundInput, ValidationError> {
        let mut errors = ValidationError::new();
        let mut date = |field: &'static str, text: &str| {
            let parsed = parse_date(text.trim());
            if parsed.is_none() {
                errors.push(field, if text.trim().is_empty() { "required" } else { "invalid_date" });
            }
            parsed
        };
        let (starts_on, ends_on) = (date("starts_on", &self.starts_on), date("ends_on", &self.ends_on));
        // An id that is not a number names no scheme of the campaign; the app says so.
        let scheme_id = match self.scheme_id.trim() {
            "" => None,
            text => Some(text.parse().unwrap_or(0)),
        };
        match (starts_on, ends_on) {
            (Some(starts_on), Some(ends_on)) => {
                Ok(RoundInput { name: self.name.clone(), name_bo: self.name_bo.clone(), starts_on, ends_on, scheme_id })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    campaign: Option<i64>,
}

async fn new_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    campaign: i64,
    form: RoundFields,
    errors: ValidationError,
) -> PageResult {
    let view = plans::managed_campaign(&state.app, actor, CampaignId(campaign)).await?;
    let schemes = evaluations::list(&state.app, actor, Some(CampaignId(campaign))).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = NewRoundPage {
        campaign_id: campaign,
        campaign: view.campaign.name,
        form,
        schemes: scheme_options(&schemes),
        errors,
        p: ctx.with_nav("inspections"),
    };
    Ok((status, render(&page)).into_response())
}

/// The form for a new round of a campaign the caller runs.
pub async fn new_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<NewQuery>,
) -> PageResult {
    let Some(campaign) = query.campaign else {
        return Err(PageError::from(AppError::NotFound(pacesetter_app::Resource::Campaign)));
    };
    new_page(&state, &actor, ctx, campaign, RoundFields::default(), ValidationError::new()).await
}

/// Plans the round; it starts in planning, and its page is where the rest is planned.
pub async fn create_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<RoundForm>,
) -> PageResult {
    let result = match form.input() {
        Ok(input) => inspections::create_round(&state.app, &actor, CampaignId(form.campaign_id), &input).await,
        // The form comes back only to those who may plan: `new_page` refuses anyone else.
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    Ok(match result {
        Ok(round) => saved(&format!("/inspection-rounds/{}", round.id.0)),
        Err(AppError::Invalid(errors)) => {
            return new_page(&state, &actor, ctx, form.campaign_id, form.typed(), errors).await;
        }
        Err(error) => return Err(error.into()),
    })
}

/// Changes the round's name, dates or scheme; its status stays as it is.
pub async fn update_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RoundForm>,
) -> PageResult {
    let mut typed = form.typed();
    let input = match form.input() {
        Ok(input) => input,
        Err(errors) => {
            plans_round(&state, &actor, id).await?;
            return refused(&state, &actor, ctx, id, shown(typed), AppError::Invalid(errors)).await;
        }
    };
    let result = async {
        let status = inspections::round(&state.app, &actor, RoundId(id)).await?.round.status;
        inspections::update_round(&state.app, &actor, RoundId(id), form.version, &input, status).await
    }
    .await;
    Ok(match result {
        Ok(_) => Redirect::to(&format!("/inspection-rounds/{id}?done=round")).into_response(),
        Err(error) => {
            // Someone saved first: what was typed stays, to be sent again over their version.
            if let AppError::Stale { current } = &error {
                typed.version = current.get("version").and_then(|v| v.as_i64()).unwrap_or(typed.version);
            }
            return refused(&state, &actor, ctx, id, shown(typed), error).await;
        }
    })
}

fn shown(round: RoundFields) -> Shown {
    Shown { form: "round", round: Some(round), ..Shown::default() }
}
