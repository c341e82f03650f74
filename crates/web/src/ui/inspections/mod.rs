//! The inspection pages (调研督导): a campaign's rounds and its findings ledger (问题台账) with
//! counts by state and filters, each line leading to the finding's page (`findings`).

pub mod findings;
pub mod planning;
pub mod target_sheet;

use askama::Template;
use axum::{extract::State, response::IntoResponse};
use pacesetter_app::inspections::{self, LedgerQuery};
use pacesetter_domain::{
    Timestamp, UnitId,
    ids::CampaignId,
    inspection::{RectificationState, Severity, records::RoundId},
    timestamp::format_date,
};
use serde::Deserialize;

use crate::ui::named::Named;
use crate::ui::page::{PageQuery, PageResult};
use crate::{
    AppState,
    i18n::Tr,
    ui::context::{PageCtx, SignedIn, render},
};

const PER_PAGE: i64 = 20;

pub struct RoundRow {
    pub id: i64,
    pub name: Named,
    pub dates: String,
    pub status_key: String,
}

pub struct FindingRow {
    pub id: i64,
    pub unit: String,
    pub round: Named,
    pub severity: &'static str,
    pub category: Named,
    pub description: String,
    pub state: &'static str,
    pub due_on: String,
    pub overdue: bool,
    /// The rectification item's light, as for assignments; empty without an item.
    pub light: &'static str,
}

#[derive(Template)]
#[template(path = "inspections/index.html")]
struct IndexPage {
    p: PageCtx,
    campaigns: Vec<(i64, String)>,
    campaign: i64,
    /// Whether the caller runs the campaign: plans rounds, sees the burden meter.
    manages: bool,
    rounds: Vec<RoundRow>,
    /// The units below the office to filter on (prefectures, departments), and the one chosen.
    units: Vec<(i64, String)>,
    under: i64,
    /// Findings by the state of their rectification item, and how many are overdue.
    counts: Vec<(&'static str, i64)>,
    overdue_count: i64,
    rows: Vec<FindingRow>,
    total: i64,
    /// The round filtered on; 0 for all.
    round: i64,
    severity: String,
    state: String,
    overdue: bool,
    severities: Vec<&'static str>,
    states: Vec<&'static str>,
    /// The pager's links: the ledger with its filters, up to `page=`.
    pager_link: String,
    /// The same filters as the export's query.
    api_filters: String,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    campaign: Option<i64>,
    round: Option<i64>,
    under: Option<i64>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: Option<String>,
    page: Option<i64>,
}

pub(super) fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Minor => "minor",
        Severity::Major => "major",
        Severity::Serious => "serious",
    }
}

/// A unit's name in the page's language, or the placeholder for one the caller may not see.
pub(super) fn name_of(unit: Option<&pacesetter_domain::unit::Unit>, t: Tr) -> String {
    match unit {
        Some(found) => found.display_name(t.locale).to_owned(),
        None => t.t("inspection.unknown_unit").to_owned(),
    }
}

impl IndexPage {
    fn empty(p: PageCtx) -> Self {
        Self {
            p,
            campaigns: Vec::new(),
            campaign: 0,
            manages: false,
            rounds: Vec::new(),
            units: Vec::new(),
            under: 0,
            counts: Vec::new(),
            overdue_count: 0,
            rows: Vec::new(),
            total: 0,
            round: 0,
            severity: String::new(),
            state: String::new(),
            overdue: false,
            severities: Severity::ALL.iter().map(|s| severity_key(*s)).collect(),
            states: RectificationState::ALL.iter().map(|s| s.as_str()).collect(),
            pager_link: String::new(),
            api_filters: String::new(),
            page: 1,
            pages: 0,
        }
    }
}

/// A campaign's rounds and findings ledger; the newest campaign when none is asked for.
pub async fn list_rounds(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(q): PageQuery<IndexQuery>,
) -> PageResult {
    let mut page = IndexPage::empty(ctx.with_nav("inspections"));
    let (severity, state_asked, overdue) =
        (Severity::parse(&q.severity), RectificationState::parse(&q.state), q.overdue.as_deref() == Some("1"));
    let number = q.page.unwrap_or(1).max(1);
    let query = LedgerQuery {
        round: q.round.map(RoundId),
        under: q.under.map(UnitId),
        severity,
        state: state_asked,
        overdue,
        q: None,
        page: pacesetter_app::PageRequest::new(Some(number), Some(PER_PAGE)),
    };
    let Some(ledger) = inspections::ledger_page(&state.app, &actor, q.campaign.map(CampaignId), &query).await? else {
        return Ok(render(&page));
    };
    let t = page.p.t;
    page.rows = ledger.lines.iter().map(|(line, unit)| FindingRow::new(line, unit.as_ref(), &ledger, t)).collect();
    page.units = ledger.filter_units.iter().map(|u| (u.id.0, u.display_name(t.locale).to_owned())).collect();
    page.manages = ledger.manages;
    page.counts = ledger.counts.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    page.overdue_count = ledger.overdue;
    let (filters, api_filters) = ledger_filters(&q, severity, state_asked, overdue);
    page.api_filters = api_filters;
    page.campaigns = ledger.campaigns.iter().map(|c| (c.id.0, c.name.clone())).collect();
    page.campaign = ledger.campaign.id.0;
    page.rounds = ledger.rounds.iter().map(|r| RoundRow::new(r, t.locale)).collect();
    page.total = ledger.total;
    page.round = q.round.unwrap_or(0);
    page.under = q.under.unwrap_or(0);
    page.severity = severity.map(|s| s.as_str().to_owned()).unwrap_or_default();
    page.state = state_asked.map(|s| s.as_str().to_owned()).unwrap_or_default();
    page.overdue = overdue;
    page.pager_link = format!("/inspections?campaign={}{filters}&", ledger.campaign.id.0);
    page.page = number;
    page.pages = (ledger.total + PER_PAGE - 1) / PER_PAGE;
    Ok(render(&page))
}

impl FindingRow {
    fn new(
        line: &inspections::LedgerLine,
        unit: Option<&pacesetter_domain::unit::Unit>,
        ledger: &inspections::LedgerPage,
        t: Tr,
    ) -> Self {
        let (f, today) = (&line.finding, ledger.today);
        let round = ledger
            .rounds
            .iter()
            .find(|r| r.id == f.round_id)
            .map(|r| Named::of(&r.name, r.name_bo.as_deref(), t.locale))
            .unwrap_or_default();
        let rectification = line.rectification.as_ref();
        Self {
            id: f.id.0,
            unit: name_of(unit, t),
            round,
            severity: severity_key(f.severity),
            category: Named::of(&f.category, f.category_bo.as_deref(), t.locale),
            description: f.description.clone(),
            state: rectification.map_or("none", |r| r.state.as_str()),
            due_on: rectification.map(|r| format_date(r.due_on)).unwrap_or_default(),
            overdue: rectification.is_some_and(|r| r.state.is_overdue(r.due_on, today)),
            light: rectification
                .map_or("", |r| r.state.light(r.given_on, r.due_on, today, ledger.campaign.thresholds).as_str()),
        }
    }
}

impl RoundRow {
    fn new(r: &pacesetter_domain::inspection::records::Round, locale: pacesetter_domain::Locale) -> Self {
        Self {
            id: r.id.0,
            name: Named::of(&r.name, r.name_bo.as_deref(), locale),
            dates: format!("{} — {}", format_date(r.starts_on), format_date(r.ends_on)),
            status_key: format!("inspection.round_status.{}", r.status.as_str()),
        }
    }
}

/// The ledger's filters as the page's own links carry them (after `campaign=`) and as the
/// export link to the API does.
fn ledger_filters(
    q: &IndexQuery,
    severity: Option<Severity>,
    state: Option<RectificationState>,
    overdue: bool,
) -> (String, String) {
    let mut filters = String::new();
    let mut api_filters = Vec::new();
    if let Some(round) = q.round {
        filters.push_str(&format!("&round={round}"));
        api_filters.push(format!("round_id={round}"));
    }
    if let Some(under) = q.under {
        filters.push_str(&format!("&under={under}"));
        api_filters.push(format!("under={under}"));
    }
    if let Some(s) = severity {
        filters.push_str(&format!("&severity={}", s.as_str()));
        api_filters.push(format!("severity={}", s.as_str()));
    }
    if let Some(s) = state {
        filters.push_str(&format!("&state={}", s.as_str()));
        api_filters.push(format!("state={}", s.as_str()));
    }
    if overdue {
        filters.push_str("&overdue=1");
        api_filters.push("overdue=true".to_owned());
    }
    (filters, api_filters.join("&"))
}

/// One unit's line on the burden meter: each month's total, with its parts for the tooltip.
pub struct BurdenRow {
    pub unit: String,
    /// (total, inspections, requests, forms, over the line) for January to December.
    pub months: Vec<(i64, i64, i64, i64, bool)>,
    pub inspections: i64,
    pub requests: i64,
    pub forms: i64,
    pub months_over: usize,
}

#[derive(Template)]
#[template(path = "inspections/burden.html")]
struct BurdenPage {
    p: PageCtx,
    year: i32,
    years: Vec<i32>,
    /// January to December, in the page's language.
    month_names: Vec<&'static str>,
    units: Vec<(i64, String)>,
    under: i64,
    /// The pager's links, up to `page=`.
    pager_link: String,
    rows: Vec<BurdenRow>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
pub struct BurdenQueryForm {
    year: Option<i32>,
    under: Option<i64>,
    page: Option<i64>,
}

/// The burden meter (减负监测): what each unit received per month of a year, for the office.
pub async fn show_burden(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(q): PageQuery<BurdenQueryForm>,
) -> PageResult {
    let t = ctx.t;
    let page = pacesetter_app::PageRequest::new(q.page, Some(PER_PAGE));
    let view = inspections::burden_view(&state.app, &actor, q.year, q.under.map(UnitId), page).await?;
    let (year, found, this_year) = (view.year, view.lines, Timestamp::now().date_cst().year());
    let units: Vec<(i64, String)> =
        view.filter_units.iter().map(|u| (u.id.0, u.display_name(t.locale).to_owned())).collect();
    let pages = found.pages();
    let rows = found
        .items
        .into_iter()
        .map(|line| BurdenRow {
            unit: line.unit.display_name(t.locale).to_owned(),
            months: line
                .months
                .iter()
                .map(|m| (m.total(), m.inspections, m.requests, m.forms, m.over_line()))
                .collect(),
            inspections: line.total.inspections,
            requests: line.total.requests,
            forms: line.total.forms,
            months_over: line.months_over,
        })
        .collect();
    let page = BurdenPage {
        year,
        years: (year.min(this_year) - 3..=year.max(this_year) + 1).rev().collect(),
        month_names: (1..=12).map(|m| t.t(&format!("month.{m}"))).collect(),
        units,
        under: q.under.unwrap_or(0),
        pager_link: format!(
            "/inspections/burden?year={year}{}&",
            q.under.map(|u| format!("&under={u}")).unwrap_or_default()
        ),
        rows,
        total: found.total,
        page: found.page,
        pages,
        p: ctx.with_nav("inspections"),
    };
    Ok(render(&page).into_response())
}
