//! The task-sheet reader without a database: the sheet read against an empty two-level plan
//! in which no unit is known, so every row is grouped and every cell parsed (unit names,
//! deadlines, codes) and nothing is looked up. The fuzz target of the reader runs this.

use std::collections::{HashMap, HashSet};

use pacesetter_domain::{
    Timestamp, UnitId, ids::CampaignId, light::Thresholds, plan::Campaign, table::Grid, timestamp::parse_date,
};

use super::{Context, UnitIndex, plan};
use crate::{AppError, Result, import::Preview};

/// The preview a task sheet would get in a 2023 campaign with an empty plan and no units.
pub fn preview_task_sheet_offline(grid: &Grid) -> Result<Preview> {
    let day = |text: &str| parse_date(text).ok_or_else(|| AppError::Internal(format!("bad date {text}")));
    let campaign = Campaign {
        id: CampaignId(1),
        name: String::new(),
        name_bo: None,
        year: 2023,
        starts_on: day("2023-01-01")?,
        ends_on: day("2023-12-31")?,
        office_unit_id: UnitId(1),
        thresholds: Thresholds::default(),
        approval_required: false,
        public_page: false,
        keep_photo_location: false,
        documents_language: Default::default(),
        as_of: None,
        carried_from: None,
        version: 1,
        created_at: Timestamp::now(),
    };
    let ctx = Context {
        today: campaign.starts_on,
        campaign,
        task_depth: 2,
        parent_level: "工程".to_owned(),
        parents: HashMap::new(),
        parents_by_code: HashMap::new(),
        tasks_by_code: HashMap::new(),
        tasks_by_title: HashMap::new(),
        other_codes: HashSet::new(),
        co_units: HashMap::new(),
        units: UnitIndex::new(Vec::new()),
    };
    Ok(plan(&ctx, grid, None)?.preview)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_sheet_is_read_without_a_database() {
        let row = |line: usize, cells: &[&str]| (line, cells.iter().map(|c| (*c).to_owned()).collect());
        let grid = Grid {
            rows: vec![
                row(1, &["工程", "重点任务", "牵头单位", "完成时限"]),
                row(2, &["文化润心工程", "办好论坛", "宣传部", "2023年6月底"]),
            ],
        };
        let preview = preview_task_sheet_offline(&grid).unwrap();
        assert_eq!(preview.row_count, 1);
        assert_eq!(preview.rows[0].errors[0].code, "unit_name_unknown", "{:?}", preview.rows[0].errors);
    }
}
