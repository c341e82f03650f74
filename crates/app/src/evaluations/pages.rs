//! What a scheme's page and a run's page show, each gathered in one call so that a page makes
//! one request of this layer and an error anywhere is the page's error.

use pacesetter_domain::evaluation::records::{Run, RunId, SchemeId};

use super::{
    SchemeView,
    entries::{self, MemberLine},
    runs::{self, RunView},
};
use crate::{Actor, App, Result, plans};

/// A scheme with its campaign, its members' lines, its runs and the plan's item codes (the
/// rubrics name items by code).
#[derive(Debug, Clone)]
pub struct SchemePage {
    pub view: SchemeView,
    pub campaign: plans::CampaignView,
    pub members: Vec<MemberLine>,
    pub runs: Vec<Run>,
    pub item_codes: Vec<(i64, String)>,
}

pub async fn scheme_page(app: &App, actor: &Actor, id: SchemeId) -> Result<SchemePage> {
    let view = super::get(app, actor, id).await?;
    let campaign = plans::campaign(app, actor, view.scheme.campaign_id).await?;
    let members = entries::member_lines(app, actor, id).await?;
    let runs = runs::list(app, actor, id).await?;
    let item_codes = plans::item_codes(app, actor, view.scheme.campaign_id).await?;
    Ok(SchemePage { view, campaign, members, runs, item_codes })
}

/// A run's results with the scheme they came from and the members' lines (their names, and
/// which of them may appeal).
#[derive(Debug, Clone)]
pub struct RunPage {
    pub results: RunView,
    pub scheme: SchemeView,
    pub members: Vec<MemberLine>,
}

pub async fn run_page(app: &App, actor: &Actor, id: RunId) -> Result<RunPage> {
    let results = runs::results(app, actor, id).await?;
    let scheme = super::get(app, actor, results.run.scheme_id).await?;
    let members = entries::member_lines(app, actor, results.run.scheme_id).await?;
    Ok(RunPage { results, scheme, members })
}
