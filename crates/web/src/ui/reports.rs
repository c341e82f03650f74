//! Campaign-wide pages built on the plan: the dashboard, the roll-over into the next year and
//! the public progress page.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, plans, reports};
use pacesetter_domain::{UnitId, ids::CampaignId, plan::PlanItem, timestamp::format_date};
use pacesetter_export::charts;

use super::{
    context::{PageCtx, SignedIn, render},
    plans::{PlanRow, flatten},
};
use crate::ui::page::{NoFields, PageForm, PageQuery, PageResult};
use crate::{AppState, i18n::Tr};

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
    /// The heat map's units at a glance, for a phone, and what their squares are.
    glances: Vec<Glance>,
    glance_help: String,
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

pub async fn show_dashboard(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<DashboardQuery>,
) -> PageResult {
    let view = reports::dashboard_page(&state.app, &actor, CampaignId(id), query.unit.map(UnitId)).await?;
    let (t, board) = (ctx.t, &view.board);
    let labels: Vec<String> =
        board.trend.iter().map(|(week, _)| format!("{}/{}", u8::from(week.month()), week.day())).collect();
    let values: Vec<u32> = board.trend.iter().map(|(_, n)| *n).collect();
    let mut trail = vec![(t.t("dashboard.everything").to_owned(), Some(format!("/campaigns/{id}/dashboard")))];
    trail.extend(board.trail.iter().map(|u| (u.display_name(t.locale).to_owned(), Some(drill_link(id, u.id)))));
    if let Some(focus) = &board.focus {
        trail.push((focus.display_name(t.locale).to_owned(), None));
    }
    Ok(render(&DashboardPage {
        campaign_id: id,
        campaign_name: board.view.campaign.name.clone(),
        today: format_date(board.today),
        trail,
        scope: board.focus.as_ref().map(|f| format!("&under={}", f.id.0)).unwrap_or_default(),
        totals: board.totals,
        has_data: !board.columns.is_empty(),
        heatmap: heatmap(board, t, id),
        glances: glances(board, t, id),
        glance_help: glance_help(board, t),
        trend: charts::bars(&labels, &values, t.t("dashboard.trend")),
        findings: view.findings.iter().map(|(s, n)| (s.as_str(), *n)).collect(),
        findings_overdue: view.findings_overdue,
        findings_trend: findings_trend(&view.findings_by_month, t),
        p: ctx.with_nav("plans"),
    }))
}

fn drill_link(campaign: i64, unit: UnitId) -> String {
    format!("/campaigns/{campaign}/dashboard?unit={}", unit.0)
}

/// A heat-map column's label, where its name leads (a level down, or its assignments), and the
/// list of its assignments that a cell narrows to the cell's item.
struct ColumnLinks {
    label: String,
    href: String,
    list: String,
}

fn column_links(board: &reports::Dashboard, t: Tr, id: i64) -> Vec<ColumnLinks> {
    let listed = |unit: UnitId| format!("/assignments?campaign={id}&unit={}", unit.0);
    board
        .columns
        .iter()
        .map(|column| {
            let name = column.unit.display_name(t.locale);
            if column.own {
                let href = listed(column.unit.id);
                ColumnLinks { label: format!("{name}（{}）", t.t("dashboard.own")), list: href.clone(), href }
            } else if column.drill {
                let list = format!("/assignments?campaign={id}&under={}", column.unit.id.0);
                ColumnLinks { label: name.to_owned(), href: drill_link(id, column.unit.id), list }
            } else {
                let href = listed(column.unit.id);
                ColumnLinks { label: name.to_owned(), list: href.clone(), href }
            }
        })
        .collect()
}

/// A unit of the heat map at a glance, as a phone shows it: its name, its progress and red
/// count over every item, and a square per item in that item's light.
struct Glance {
    label: String,
    href: String,
    percent: String,
    light: &'static str,
    red: u32,
    /// (light, "GC-1 第一项工程 60%", the cell's list); light "none" where nothing is assigned.
    squares: Vec<(&'static str, String, String)>,
}

fn glances(board: &reports::Dashboard, t: Tr, id: i64) -> Vec<Glance> {
    column_links(board, t, id)
        .into_iter()
        .zip(&board.column_totals)
        .enumerate()
        .map(|(c, (links, total))| {
            let squares = board
                .rows
                .iter()
                .zip(&board.cells)
                .map(|(item, row)| {
                    let name =
                        format!("{}{}", item.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), item.title);
                    match row.get(c).copied().flatten() {
                        Some(cell) => {
                            let href = format!("{}&pillar={}", links.list, item.id.0);
                            (
                                cell.rolled.light.as_str(),
                                format!("{name} {}", charts::percent(cell.rolled.permille)),
                                href,
                            )
                        }
                        None => ("none", name, String::new()),
                    }
                })
                .collect();
            Glance {
                label: links.label,
                href: links.href,
                percent: total.map(|c| charts::percent(c.rolled.permille)).unwrap_or_default(),
                light: total.map_or("none", |c| c.rolled.light.as_str()),
                red: total.map_or(0, |c| c.lights.red),
                squares,
            }
        })
        .collect()
}

/// What a glance's squares are: the plan's items from the first to the last, by code.
fn glance_help(board: &reports::Dashboard, t: Tr) -> String {
    let name =
        |item: Option<&PlanItem>| item.map(|i| i.code.clone().unwrap_or_else(|| i.title.clone())).unwrap_or_default();
    t.f("dashboard.glance_help", &[("first", &name(board.rows.first())), ("last", &name(board.rows.last()))])
}

/// The heat map of top-level items × columns. The first column is every column together; a
/// click on a column goes a level down, or to the assignments where there is no level below;
/// a click on a cell lists exactly that item's assignments in that column's units.
fn heatmap(board: &reports::Dashboard, t: Tr, id: i64) -> String {
    let rows: Vec<String> = board
        .rows
        .iter()
        .map(|r| format!("{}{}", r.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), r.title))
        .collect();
    let mut columns = vec![charts::Column { label: t.t("dashboard.all").to_owned(), href: None }];
    let scope = board.focus.as_ref().map(|f| format!("&under={}", f.id.0)).unwrap_or_default();
    // Each column's assignments, to which a cell adds its row's item.
    let mut lists = vec![format!("/assignments?campaign={id}{scope}")];
    for links in column_links(board, t, id) {
        columns.push(charts::Column { label: links.label, href: Some(links.href) });
        lists.push(links.list);
    }
    let cell = |cell: &reports::DashboardCell, list: &String, item: &PlanItem| charts::Cell {
        permille: cell.rolled.permille,
        light: cell.rolled.light,
        href: format!("{list}&pillar={}", item.id.0),
        note: t.f(
            "dashboard.cell_lights",
            &[
                ("red", &cell.lights.red),
                ("yellow", &cell.lights.yellow),
                ("green", &cell.lights.green),
                ("done", &cell.lights.done),
            ],
        ),
    };
    let cells: Vec<Vec<Option<charts::Cell>>> = board
        .row_totals
        .iter()
        .zip(&board.cells)
        .zip(&board.rows)
        .map(|((total, row), item)| {
            std::iter::once(total).chain(row).zip(&lists).map(|(c, list)| c.map(|c| cell(&c, list, item))).collect()
        })
        .collect();
    charts::heatmap(&rows, &columns, &cells, t.t("dashboard.heatmap"))
}

/// Findings recorded against rectification items closed, per month of the campaign's year.
fn findings_trend(months: &[(i64, i64)], t: Tr) -> String {
    let month_labels: Vec<String> = (1..=12).map(|m| t.t(&format!("month.{m}")).to_owned()).collect();
    let (opened, closed): (Vec<u32>, Vec<u32>) =
        months.iter().map(|(f, c)| (u32::try_from(*f).unwrap_or(0), u32::try_from(*c).unwrap_or(0))).unzip();
    charts::grouped_bars(
        &month_labels,
        &[
            charts::Series { name: t.t("dashboard.findings_found"), values: &opened, colour: "#b42318" },
            charts::Series { name: t.t("dashboard.findings_closed"), values: &closed, colour: "#1e7b45" },
        ],
        t.t("dashboard.findings_trend"),
    )
}

pub async fn roll_over(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    Ok(match reports::roll_over(&state.app, &actor, CampaignId(id)).await {
        Ok(campaign) => Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response(),
        // Carried over before: the page of the campaign it became.
        Err(AppError::ConflictWith { code: "already_rolled_over", details }) => {
            Redirect::to(&format!("/campaigns/{}", details["campaign_id"])).into_response()
        }
        Err(error) => return Err(error.into()),
    })
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
pub async fn show_public_plan(
    State(state): State<AppState>,
    super::context::Anyone { ctx }: super::context::Anyone,
    Path(id): Path<i64>,
) -> PageResult {
    let (campaign, tree) = reports::public_plan(&state.app, CampaignId(id)).await?;
    let mut rows = Vec::new();
    flatten(&tree, ctx.t.locale, &mut rows);
    let as_of = format_date(campaign.today(pacesetter_domain::Timestamp::now()));
    Ok(render(&PublicPage { p: ctx.with_nav("public"), name: campaign.name, as_of, rows }))
}
