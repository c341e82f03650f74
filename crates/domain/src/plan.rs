//! Campaigns and their plans: levels named by the campaign, plan items with weights, key tasks
//! with a lead unit, co-units and dates, and assignments (one unit's share of a task).

use time::Date;

use crate::{
    FieldError, Timestamp, UnitId, ValidationError,
    assignment::{AssignmentState, Step},
    ids::{AssignmentId, CampaignId, PlanItemId},
    light::{self, Light, Thresholds},
    rollup::RollupRule,
    timestamp::parse_date,
    unit::parse_name,
};

/// A campaign year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub name_bo: Option<String>,
    pub year: i32,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub starts_on: Date,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub ends_on: Date,
    /// The office that runs it: coordinators whose grant covers it manage the plan.
    pub office_unit_id: UnitId,
    pub thresholds: Thresholds,
    pub approval_required: bool,
    pub public_page: bool,
    /// Whether photos of findings keep where they were taken (otherwise stripped on upload).
    pub keep_photo_location: bool,
    /// The language its documents (the bulletin) are issued in.
    pub documents_language: DocumentLanguage,
    /// The day lights are computed for, when pinned (the demo); otherwise today.
    #[serde(serialize_with = "crate::timestamp::iso_date_option")]
    pub as_of: Option<Date>,
    pub carried_from: Option<CampaignId>,
    pub version: i64,
    pub created_at: Timestamp,
}

impl Campaign {
    /// The day the campaign's lights are computed for.
    pub fn today(&self, now: Timestamp) -> Date {
        self.as_of.unwrap_or_else(|| now.date_cst())
    }
}

/// A level of the plan, named by the campaign (工程 → 项目 → 重点任务 → 节点).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanLevel {
    pub depth: u8,
    pub name: String,
    pub name_bo: Option<String>,
    pub rollup: RollupRule,
    /// Items at this level are key tasks: they have units, dates and assignments.
    pub is_task: bool,
}

pub const MAX_LEVELS: usize = 6;

/// Checks a campaign's levels: 1 to 6 in order, each named, and exactly one task level, the
/// deepest (milestones below tasks are not modelled yet).
pub fn check_levels(levels: &[PlanLevel]) -> Result<(), ValidationError> {
    let mut errors = ValidationError::new();
    if levels.is_empty() || levels.len() > MAX_LEVELS {
        errors.push("levels", "levels_count");
    }
    if levels.iter().enumerate().any(|(i, l)| usize::from(l.depth) != i + 1) {
        errors.push("levels", "levels_out_of_order");
    }
    if levels.iter().any(|l| l.name.trim().is_empty()) {
        errors.push("levels", "level_name_required");
    }
    // A name as any other: one line, not too long, no control characters.
    let names = levels.iter().flat_map(|l| std::iter::once(l.name.as_str()).chain(l.name_bo.as_deref()));
    if let Some(error) = names.filter_map(|name| crate::unit::parse_name("levels", name, false).err()).next() {
        errors.push("levels", error.code);
    }
    let task_levels: Vec<&PlanLevel> = levels.iter().filter(|l| l.is_task).collect();
    match task_levels.as_slice() {
        [only] if Some(only.depth) == levels.last().map(|l| l.depth) => {}
        _ => errors.push("levels", "one_task_level_last"),
    }
    errors.into_result()
}

/// `stored` levels with the names of `renamed`: a campaign's levels keep their number, rules
/// and task level once it exists (its items hang on them), but their Chinese and Tibetan names
/// may change.
pub fn rename_levels(stored: &[PlanLevel], renamed: &[PlanLevel]) -> Result<Vec<PlanLevel>, ValidationError> {
    let same_shape = stored.len() == renamed.len()
        && stored.iter().zip(renamed).all(|(s, r)| s.rollup == r.rollup && s.is_task == r.is_task);
    if !same_shape {
        let mut errors = ValidationError::new();
        errors.push("levels", "levels_fixed");
        return Err(errors);
    }
    let levels: Vec<PlanLevel> = stored
        .iter()
        .zip(renamed)
        .map(|(s, r)| PlanLevel {
            name: r.name.trim().to_owned(),
            name_bo: r.name_bo.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
            ..s.clone()
        })
        .collect();
    check_levels(&levels)?;
    Ok(levels)
}

/// The language a campaign issues its documents in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentLanguage {
    /// Chinese, with the Tibetan names of units beside theirs (the default).
    #[default]
    #[serde(rename = "zh")]
    Chinese,
    /// Tibetan; names without a Tibetan form stay in Chinese.
    #[serde(rename = "bo")]
    Tibetan,
    /// Both: each fixed wording in Chinese with the Tibetan under it.
    #[serde(rename = "both")]
    Both,
}

impl DocumentLanguage {
    pub const ALL: [Self; 3] = [Self::Chinese, Self::Tibetan, Self::Both];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chinese => "zh",
            Self::Tibetan => "bo",
            Self::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// The interface languages its fixed wording comes from, in print order.
    pub fn locales(self) -> &'static [crate::Locale] {
        match self {
            Self::Chinese => &[crate::Locale::ZhHans],
            Self::Tibetan => &[crate::Locale::Bo],
            Self::Both => &[crate::Locale::ZhHans, crate::Locale::Bo],
        }
    }
}

/// The editable fields of a campaign, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub name: String,
    pub name_bo: Option<String>,
    pub year: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub thresholds: Thresholds,
    pub approval_required: bool,
    pub public_page: bool,
    pub keep_photo_location: bool,
    pub documents_language: DocumentLanguage,
    pub as_of: Option<Date>,
}

/// The raw text of a campaign form.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput<'a> {
    pub name: &'a str,
    pub name_bo: &'a str,
    pub year: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub yellow_at: &'a str,
    pub red_at: &'a str,
    pub approval_required: bool,
    pub public_page: bool,
    pub keep_photo_location: bool,
    /// `zh`, `bo` or `both`; blank for Chinese.
    pub documents_language: &'a str,
    pub as_of: &'a str,
}

fn required_date(field: &'static str, text: &str) -> Result<Date, FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError { field, code: "required" });
    }
    parse_date(text).ok_or(FieldError { field, code: "invalid_date" })
}

fn optional_date(field: &'static str, text: &str) -> Result<Option<Date>, FieldError> {
    if text.trim().is_empty() { Ok(None) } else { required_date(field, text).map(Some) }
}

fn number(field: &'static str, text: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, FieldError> {
    match text.trim().parse::<i64>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(FieldError { field, code: "invalid_number" }),
    }
}

impl CampaignFields {
    pub fn parse(input: &CampaignInput<'_>) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::new();
        let name = errors.check(parse_name("name", input.name, true)).flatten();
        let name_bo = errors.check(parse_name("name_bo", input.name_bo, false));
        let year = errors.check(number("year", input.year, 2000..=2100));
        let starts_on = errors.check(required_date("starts_on", input.starts_on));
        let ends_on = errors.check(required_date("ends_on", input.ends_on));
        let yellow_at = errors.check(number("yellow_at", input.yellow_at, 0..=100));
        let red_at = errors.check(number("red_at", input.red_at, 0..=100));
        let as_of = errors.check(optional_date("as_of", input.as_of));
        let documents_language = match input.documents_language.trim() {
            "" => Some(DocumentLanguage::default()),
            text => DocumentLanguage::parse(text).or_else(|| {
                errors.push("documents_language", "invalid_documents_language");
                None
            }),
        };
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.push("ends_on", "ends_before_start");
        }
        let thresholds = match (yellow_at, red_at) {
            (Some(y), Some(r)) => {
                let thresholds = Thresholds::new(y as u32, r as u32);
                if thresholds.is_none() {
                    errors.push("red_at", "thresholds_out_of_order");
                }
                thresholds
            }
            _ => None,
        };
        match (name, name_bo, year, starts_on, ends_on, thresholds, as_of, documents_language) {
            (
                Some(name),
                Some(name_bo),
                Some(year),
                Some(starts_on),
                Some(ends_on),
                Some(thresholds),
                Some(as_of),
                Some(documents_language),
            ) if errors.is_empty() => Ok(Self {
                name,
                name_bo,
                year: year as i32,
                starts_on,
                ends_on,
                thresholds,
                approval_required: input.approval_required,
                public_page: input.public_page,
                keep_photo_location: input.keep_photo_location,
                documents_language,
                as_of,
            }),
            _ => Err(errors),
        }
    }
}

/// A node of the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanItem {
    pub id: PlanItemId,
    pub campaign_id: CampaignId,
    pub parent_id: Option<PlanItemId>,
    pub depth: u8,
    pub code: Option<String>,
    pub title: String,
    pub title_bo: Option<String>,
    pub description: Option<String>,
    pub weight: u32,
    pub lead_unit_id: Option<UnitId>,
    #[serde(serialize_with = "crate::timestamp::iso_date_option")]
    pub starts_on: Option<Date>,
    #[serde(serialize_with = "crate::timestamp::iso_date_option")]
    pub due_on: Option<Date>,
    pub position: i64,
    pub version: i64,
}

/// The editable fields of a plan item, validated. Tasks also need dates and a lead unit,
/// which the app layer checks against the level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub code: Option<String>,
    pub title: String,
    pub title_bo: Option<String>,
    pub description: Option<String>,
    pub weight: u32,
    pub starts_on: Option<Date>,
    pub due_on: Option<Date>,
}

#[derive(Debug, Clone, Default)]
pub struct ItemInput<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub title_bo: &'a str,
    pub description: &'a str,
    pub weight: &'a str,
    pub starts_on: &'a str,
    pub due_on: &'a str,
}

pub const TITLE_MAX_CHARS: usize = crate::text::TextKind::Title.max_chars();
pub const DESCRIPTION_MAX_CHARS: usize = crate::text::TextKind::Text.max_chars();

fn title(field: &'static str, text: &str, required: bool) -> Result<Option<String>, FieldError> {
    crate::unit::parse_text(field, text, required, TITLE_MAX_CHARS)
}

impl ItemFields {
    pub fn parse(input: &ItemInput<'_>) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::new();
        let code = errors.check(crate::unit::parse_code(input.code));
        let title_text = errors.check(title("title", input.title, true)).flatten();
        let title_bo = errors.check(title("title_bo", input.title_bo, false));
        let description = crate::text::normalise(input.description);
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            errors.push("description", "too_long");
        }
        let weight = if input.weight.trim().is_empty() {
            Some(1)
        } else {
            errors.check(number("weight", input.weight, 0..=10_000))
        };
        let starts_on = errors.check(optional_date("starts_on", input.starts_on));
        let due_on = errors.check(optional_date("due_on", input.due_on));
        if let (Some(Some(start)), Some(Some(due))) = (starts_on, due_on)
            && due < start
        {
            errors.push("due_on", "ends_before_start");
        }
        match (code, title_text, title_bo, weight, starts_on, due_on) {
            (Some(code), Some(title), Some(title_bo), Some(weight), Some(starts_on), Some(due_on))
                if errors.is_empty() =>
            {
                Ok(Self {
                    code,
                    title,
                    title_bo,
                    description: (!description.is_empty()).then_some(description),
                    weight: weight as u32,
                    starts_on,
                    due_on,
                })
            }
            _ => Err(errors),
        }
    }
}

/// One unit's share of a key task.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub id: AssignmentId,
    pub item_id: PlanItemId,
    pub unit_id: UnitId,
    pub state: AssignmentState,
    pub percent: u8,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub starts_on: Date,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub due_on: Date,
    pub last_update_at: Option<Timestamp>,
    pub version: i64,
}

impl Assignment {
    pub fn light(&self, today: Date, thresholds: Thresholds) -> Light {
        let progress = light::Progress {
            start: self.starts_on,
            deadline: self.due_on,
            percent: self.percent,
            closed: self.state.is_closed(),
        };
        light::light(&progress, today, thresholds)
    }

    /// Whole days until the deadline (negative when overdue).
    pub fn days_left(&self, today: Date) -> i64 {
        (self.due_on - today).whole_days()
    }
}

/// A step taken on an assignment, for its history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssignmentEvent {
    pub id: crate::ids::EventId,
    pub step: Step,
    pub from_state: AssignmentState,
    pub to_state: AssignmentState,
    pub percent: Option<u8>,
    pub comment: Option<String>,
    pub actor_id: crate::UserId,
    pub actor_name: String,
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(depth: u8, is_task: bool) -> PlanLevel {
        PlanLevel { depth, name: format!("L{depth}"), name_bo: None, rollup: RollupRule::WeightedMean, is_task }
    }

    #[test]
    fn levels_need_one_task_level_at_the_bottom() {
        assert!(check_levels(&[level(1, false), level(2, true)]).is_ok());
        assert_eq!(
            check_levels(&[level(1, true), level(2, false)]).unwrap_err().code_for("levels"),
            Some("one_task_level_last")
        );
        assert!(check_levels(&[]).is_err());
        assert!(check_levels(&[level(1, false), level(3, true)]).is_err());
    }

    #[test]
    fn levels_are_renamed_but_keep_their_shape() {
        let stored = [level(1, false), level(2, true)];
        let named = |name: &str, bo: &str, is_task| PlanLevel {
            name: name.into(),
            name_bo: Some(bo.into()),
            ..level(1, is_task)
        };
        let renamed = rename_levels(&stored, &[named(" 工程 ", "ལས་གཞི", false), named("任务", " ", true)]).unwrap();
        assert_eq!((renamed[0].name.as_str(), renamed[0].name_bo.as_deref()), ("工程", Some("ལས་གཞི")));
        assert_eq!((renamed[1].depth, renamed[1].name_bo.as_ref()), (2, None), "depth kept, a blank Tibetan dropped");
        let fixed = |r: &[PlanLevel]| rename_levels(&stored, r).unwrap_err().code_for("levels");
        assert_eq!(fixed(&[named("工程", "", false)]), Some("levels_fixed"), "one level fewer");
        assert_eq!(fixed(&[named("工程", "", true), named("任务", "", false)]), Some("levels_fixed"), "task moved");
        assert_eq!(fixed(&[named("工程", "", false), named("", "", true)]), Some("level_name_required"));
        assert_eq!(fixed(&[named("工\u{0}程", "", false), named("任务", "", true)]), Some("control_characters"));
        assert_eq!(fixed(&[named("工程", &"ཀ".repeat(500), false), named("任务", "", true)]), Some("too_long"));
    }

    #[test]
    fn campaign_fields_name_every_problem() {
        let input = CampaignInput {
            name: "",
            year: "1999",
            starts_on: "2023-12-31",
            ends_on: "2023-01-01",
            yellow_at: "40",
            red_at: "30",
            ..Default::default()
        };
        let errors = CampaignFields::parse(&input).unwrap_err();
        assert_eq!(errors.code_for("name"), Some("required"));
        assert_eq!(errors.code_for("year"), Some("invalid_number"));
        assert_eq!(errors.code_for("ends_on"), Some("ends_before_start"));
        assert_eq!(errors.code_for("red_at"), Some("thresholds_out_of_order"));
        let ok = CampaignFields::parse(&CampaignInput {
            name: "2023年创建工作",
            year: "2023",
            starts_on: "2023-01-01",
            ends_on: "2023-12-31",
            yellow_at: "10",
            red_at: "30",
            as_of: "2023-06-30",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.as_of, Some(time::macros::date!(2023 - 06 - 30)));
    }

    #[test]
    fn item_fields_default_the_weight_and_check_dates() {
        let ok = ItemFields::parse(&ItemInput { title: "青年演讲比赛", ..Default::default() }).unwrap();
        assert_eq!(ok.weight, 1);
        let bad = ItemFields::parse(&ItemInput {
            title: "x",
            starts_on: "2023-05-01",
            due_on: "2023-04-01",
            weight: "-1",
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(bad.code_for("due_on"), Some("ends_before_start"));
        assert_eq!(bad.code_for("weight"), Some("invalid_number"));
    }
}
