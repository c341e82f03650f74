//! Campaign-wide pages built on the plan: the dashboard, the roll-over into the next year and
//! the public progress page.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::plans;
use pacesetter_domain::{ids::CampaignId, timestamp::format_date};

use super::{
    context::{CsrfForm, PageCtx, SignedIn, check_csrf, error_page, render},
    plans::{PlanRow, flatten},
};
use crate::AppState;

#[derive(Template)]
#[template(path = "plans/dashboard.html")]
struct DashboardPage {
    p: PageCtx,
    campaign_id: i64,
    campaign_name: String,
    today: String,
    totals: plans::LightCounts,
    heatmap: String,
    trend: String,
    has_data: bool,
}

pub async fn dashboard(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let board = match plans::dashboard(&state.app, &actor, CampaignId(id)).await {
        Ok(board) => board,
        Err(error) => return error_page(ctx.t, &error),
    };
    let locale = ctx.t.locale;
    let rows: Vec<String> = board
        .rows
        .iter()
        .map(|r| format!("{}{}", r.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), r.title))
        .collect();
    let columns: Vec<String> = board.columns.iter().map(|u| u.display_name(locale).to_owned()).collect();
    let cells: Vec<Vec<Option<pacesetter_export::charts::Cell>>> = board
        .cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&board.columns)
                .map(|(cell, unit)| {
                    cell.map(|rolled| pacesetter_export::charts::Cell {
                        permille: rolled.permille,
                        light: rolled.light,
                        href: format!("/assignments?campaign={id}&unit={}", unit.id),
                    })
                })
                .collect()
        })
        .collect();
    let heatmap = pacesetter_export::charts::heatmap(&rows, &columns, &cells, ctx.t.t("dashboard.heatmap"));
    let labels: Vec<String> =
        board.trend.iter().map(|(week, _)| format!("{}/{}", u8::from(week.month()), week.day())).collect();
    let values: Vec<u32> = board.trend.iter().map(|(_, n)| *n).collect();
    let trend = pacesetter_export::charts::bars(&labels, &values, ctx.t.t("dashboard.trend"));
    render(&DashboardPage {
        campaign_id: id,
        campaign_name: board.view.campaign.name.clone(),
        today: format_date(board.today),
        totals: board.totals,
        has_data: !board.columns.is_empty(),
        heatmap,
        trend,
        p: ctx.with_nav("plans"),
    })
}

pub async fn roll_over(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match plans::roll_over(&state.app, &actor, CampaignId(id)).await {
        Ok(campaign) => Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Template)]
#[template(path = "plans/public.html")]
struct PublicPage {
    p: PageCtx,
    name: String,
    as_of: String,
    rows: Vec<PlanRow>,
}

/// The public progress page of a campaign the office made public: no sign-in, no person.
pub async fn public(
    State(state): State<AppState>,
    super::context::Anyone { ctx }: super::context::Anyone,
    Path(id): Path<i64>,
) -> Response {
    let (campaign, tree) = match plans::public_plan(&state.app, CampaignId(id)).await {
        Ok(plan) => plan,
        Err(error) => return error_page(ctx.t, &error),
    };
    let mut rows = Vec::new();
    flatten(&tree, &mut rows);
    let as_of = format_date(campaign.today(pacesetter_domain::Timestamp::now()));
    render(&PublicPage { p: ctx.with_nav("public"), name: campaign.name, as_of, rows })
}
