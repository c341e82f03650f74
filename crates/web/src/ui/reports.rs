//! Campaign-wide pages built on the plan: the dashboard, the roll-over into the next year and
//! the public progress page.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{AppError, inspections, plans};
use pacesetter_domain::{UnitId, ids::CampaignId, timestamp::format_date};
use pacesetter_export::charts;

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
    /// The way back up: (label, link), the last one the unit looked at (no link).
    trail: Vec<(String, Option<String>)>,
    /// `&under=…` when a unit is looked at, so the counts open that subtree's assignments
    /// (built from an id only: written into links unescaped).
    scope: String,
    totals: plans::LightCounts,
    heatmap: String,
    trend: String,
    has_data: bool,
    /// Findings of the campaign (in the unit looked at) by rectification state, the overdue
    /// ones, and found against closed per month of the campaign's year.
    findings: Vec<(&'static str, i64)>,
    findings_overdue: i64,
    findings_trend: String,
}

#[derive(serde::Deserialize)]
pub struct DashboardQuery {
    /// The unit whose subtree the columns divide (drill-down).
    unit: Option<i64>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<DashboardQuery>,
) -> Response {
    let board = match plans::dashboard(&state.app, &actor, CampaignId(id), query.unit.map(UnitId)).await {
        Ok(board) => board,
        Err(error) => return error_page(ctx.t, &error),
    };
    let t = ctx.t;
    let locale = t.locale;
    let drill = |unit: UnitId| format!("/campaigns/{id}/dashboard?unit={}", unit.0);
    let listed = |unit: UnitId| format!("/assignments?campaign={id}&unit={}", unit.0);
    let rows: Vec<String> = board
        .rows
        .iter()
        .map(|r| format!("{}{}", r.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), r.title))
        .collect();
    // The first column is every column together; a click on a column goes a level down, or to
    // the assignments where there is no level below.
    let mut columns = vec![charts::Column { label: t.t("dashboard.all").to_owned(), href: None }];
    let scope = board.focus.as_ref().map(|f| format!("&under={}", f.id.0)).unwrap_or_default();
    let mut hrefs = vec![format!("/assignments?campaign={id}{scope}")];
    for column in &board.columns {
        let name = column.unit.display_name(locale);
        let (label, href) = if column.own {
            (format!("{name}（{}）", t.t("dashboard.own")), listed(column.unit.id))
        } else if column.drill {
            (name.to_owned(), drill(column.unit.id))
        } else {
            (name.to_owned(), listed(column.unit.id))
        };
        columns.push(charts::Column { label, href: Some(href.clone()) });
        hrefs.push(href);
    }
    let cells: Vec<Vec<Option<charts::Cell>>> = board
        .row_totals
        .iter()
        .zip(&board.cells)
        .map(|(total, row)| {
            std::iter::once(total)
                .chain(row)
                .zip(&hrefs)
                .map(|(cell, href)| {
                    cell.map(|cell| charts::Cell {
                        permille: cell.rolled.permille,
                        light: cell.rolled.light,
                        href: href.clone(),
                        note: t.f(
                            "dashboard.cell_lights",
                            &[
                                ("red", &cell.lights.red),
                                ("yellow", &cell.lights.yellow),
                                ("green", &cell.lights.green),
                                ("done", &cell.lights.done),
                            ],
                        ),
                    })
                })
                .collect()
        })
        .collect();
    let heatmap = charts::heatmap(&rows, &columns, &cells, t.t("dashboard.heatmap"));
    let labels: Vec<String> =
        board.trend.iter().map(|(week, _)| format!("{}/{}", u8::from(week.month()), week.day())).collect();
    let values: Vec<u32> = board.trend.iter().map(|(_, n)| *n).collect();
    let trend = charts::bars(&labels, &values, t.t("dashboard.trend"));
    let ledger = inspections::LedgerQuery { under: query.unit.map(UnitId), ..Default::default() };
    let (found, findings_overdue) =
        inspections::ledger_counts(&state.app, &actor, CampaignId(id), &ledger).await.unwrap_or_default();
    let months = inspections::ledger_trend(&state.app, &actor, CampaignId(id), &ledger, board.view.campaign.year)
        .await
        .unwrap_or_default();
    let month_labels: Vec<String> = (1..=12).map(|m| t.t(&format!("month.{m}")).to_owned()).collect();
    let (opened, closed): (Vec<u32>, Vec<u32>) =
        months.iter().map(|(f, c)| (u32::try_from(*f).unwrap_or(0), u32::try_from(*c).unwrap_or(0))).unzip();
    let findings_trend = charts::grouped_bars(
        &month_labels,
        &[
            charts::Series { name: t.t("dashboard.findings_found"), values: &opened, colour: "#b42318" },
            charts::Series { name: t.t("dashboard.findings_closed"), values: &closed, colour: "#1e7b45" },
        ],
        t.t("dashboard.findings_trend"),
    );
    let mut trail = vec![(t.t("dashboard.everything").to_owned(), Some(format!("/campaigns/{id}/dashboard")))];
    trail.extend(board.trail.iter().map(|u| (u.display_name(locale).to_owned(), Some(drill(u.id)))));
    if let Some(focus) = &board.focus {
        trail.push((focus.display_name(locale).to_owned(), None));
    }
    render(&DashboardPage {
        campaign_id: id,
        campaign_name: board.view.campaign.name.clone(),
        today: format_date(board.today),
        trail,
        scope,
        totals: board.totals,
        has_data: !board.columns.is_empty(),
        heatmap,
        trend,
        findings: found.into_iter().map(|(s, n)| (s.as_str(), n)).collect(),
        findings_overdue,
        findings_trend,
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
        // Carried over before: the page of the campaign it became.
        Err(AppError::ConflictWith { code: "already_rolled_over", details }) => {
            Redirect::to(&format!("/campaigns/{}", details["campaign_id"])).into_response()
        }
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
