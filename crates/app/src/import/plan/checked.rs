//! Task sheets checked by a preview, kept for the commit to reuse while nothing the check read
//! has changed.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use pacesetter_domain::{Permission, plan::Campaign};
use pacesetter_store::{Conn, plan_import};

use super::{Options, Planned};
use crate::{Actor, Result};

/// What a checked sheet depends on besides its own bytes: who imports it with which mapping,
/// the campaign's settings, its plan items and their co-units, and the units. A commit reuses
/// the preview's check when all of it is as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fingerprint {
    user: i64,
    scope: String,
    options: String,
    campaign_version: i64,
    items: plan_import::Version,
    co_units: i64,
    units: plan_import::Version,
}

impl Fingerprint {
    pub(super) async fn of(conn: &mut Conn, actor: &Actor, options: &Options, campaign: &Campaign) -> Result<Self> {
        let (items, co_units, units) = plan_import::versions(conn, campaign.id).await?;
        Ok(Self {
            user: actor.user.id.0,
            scope: format!("{:?}", actor.scope.roots(Permission::ViewUnits)),
            options: serde_json::to_string(options).unwrap_or_default(),
            campaign_version: campaign.version,
            items,
            co_units,
            units,
        })
    }
}

/// The last few task sheets checked by a preview, by import; a commit takes its own out. Each
/// server instance keeps its own: a commit on another instance checks the sheet again.
#[derive(Clone, Default)]
pub(crate) struct CheckedPlans(Arc<Mutex<VecDeque<(i64, Fingerprint, Planned)>>>);

impl std::fmt::Debug for CheckedPlans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept: Vec<i64> = self.0.lock().map(|k| k.iter().map(|(id, _, _)| *id).collect()).unwrap_or_default();
        f.debug_tuple("CheckedPlans").field(&kept).finish()
    }
}

impl CheckedPlans {
    /// A national sheet's check holds 100,000 tasks: keep a handful.
    const KEPT: usize = 4;

    pub(super) fn put(&self, import: i64, fingerprint: Fingerprint, planned: Planned) {
        let Ok(mut kept) = self.0.lock() else { return };
        kept.retain(|(id, _, _)| *id != import);
        if kept.len() >= Self::KEPT {
            kept.pop_front();
        }
        kept.push_back((import, fingerprint, planned));
    }

    /// The check kept for `import`, if it was made on what `fingerprint` describes.
    pub(super) fn take(&self, import: i64, fingerprint: &Fingerprint) -> Option<Planned> {
        let mut kept = self.0.lock().ok()?;
        let index = kept.iter().position(|(id, _, _)| *id == import)?;
        let (_, checked, planned) = kept.remove(index)?;
        (checked == *fingerprint).then_some(planned)
    }
}
