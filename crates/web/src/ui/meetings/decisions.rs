//! A meeting's decisions (议定事项) on its page: each with its follow-up's light, the lead unit
//! and co-units, the deadline and the feedback checkpoints; the organiser's form recording one;
//! and, on a meeting still open, the earlier meetings' follow-ups not yet closed.

use pacesetter_app::meetings::decisions::{self, DecisionInput, FollowUp};
use pacesetter_domain::{Locale, meeting::CheckpointState, timestamp::format_date};

use super::*;

/// A decision as the meeting page lists it.
pub struct DecisionRow {
    pub title: String,
    pub text: String,
    /// The meeting that decided it, for follow-ups carried from an earlier one: (id, title).
    pub meeting: (i64, String),
    pub lead: String,
    pub co_units: String,
    pub due_on: String,
    /// `done`, `green`, `yellow`, `red`; empty when the task has no lead assignment.
    pub light: &'static str,
    pub state_key: String,
    pub percent: u8,
    /// The lead unit's assignment: the follow-up's page.
    pub assignment_id: Option<i64>,
    /// (label, day, `met` / `due` / `missed`).
    pub checkpoints: Vec<(String, String, &'static str)>,
}

impl DecisionRow {
    pub(super) fn new(f: &FollowUp, locale: Locale) -> Self {
        Self {
            title: f.task.title.clone(),
            text: f.decision.text.clone(),
            meeting: (f.meeting.0.0, f.meeting.1.clone()),
            lead: f.lead.display_name(locale).to_owned(),
            co_units: f.co_units.iter().map(|u| u.display_name(locale)).collect::<Vec<_>>().join("、"),
            due_on: f.task.due_on.map(format_date).unwrap_or_default(),
            light: f.light.map(|l| l.as_str()).unwrap_or_default(),
            state_key: f.assignment.as_ref().map(|a| format!("state.{}", a.state.as_str())).unwrap_or_default(),
            percent: f.assignment.as_ref().map(|a| a.percent).unwrap_or(0),
            assignment_id: f.assignment.as_ref().map(|a| a.id.0),
            checkpoints: f
                .checkpoints
                .iter()
                .map(|(c, state)| (c.label.clone(), format_date(c.due_on), CheckpointState::as_str(*state)))
                .collect(),
        }
    }
}

/// How many checkpoint rows the form offers.
pub const CHECKPOINT_ROWS: usize = 3;

/// The organiser's form recording a decision; units typed by code or name. Its fields are named
/// `decision-…` because the page's other forms have a title and a text too ([`form_field`]).
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default, rename = "decision-title")]
    pub(super) title: String,
    #[serde(default, rename = "decision-text")]
    pub(super) text: String,
    #[serde(default, rename = "decision-item")]
    pub(super) agenda_item_id: String,
    #[serde(default, rename = "decision-lead")]
    pub(super) lead_unit: String,
    /// Codes or names, a line each or between commas.
    #[serde(default, rename = "decision-co-units")]
    pub(super) co_units: String,
    #[serde(default, rename = "decision-due")]
    pub(super) due_on: String,
    #[serde(default, rename = "checkpoint-label-1")]
    pub(super) checkpoint_label_1: String,
    #[serde(default, rename = "checkpoint-due-1")]
    pub(super) checkpoint_due_1: String,
    #[serde(default, rename = "checkpoint-label-2")]
    pub(super) checkpoint_label_2: String,
    #[serde(default, rename = "checkpoint-due-2")]
    pub(super) checkpoint_due_2: String,
    #[serde(default, rename = "checkpoint-label-3")]
    pub(super) checkpoint_label_3: String,
    #[serde(default, rename = "checkpoint-due-3")]
    pub(super) checkpoint_due_3: String,
}

impl DecisionForm {
    /// The checkpoint rows as typed: (number, label, day).
    pub fn checkpoint_rows(&self) -> [(usize, &str, &str); CHECKPOINT_ROWS] {
        [
            (1, &self.checkpoint_label_1, &self.checkpoint_due_1),
            (2, &self.checkpoint_label_2, &self.checkpoint_due_2),
            (3, &self.checkpoint_label_3, &self.checkpoint_due_3),
        ]
    }
}

/// The form's field named by an error of the app's input: the form's names differ because
/// the page's other forms have a title and a text too.
fn form_field(field: &'static str) -> &'static str {
    match field {
        "title" => "decision-title",
        "text" => "decision-text",
        "agenda_item_id" => "decision-item",
        "lead_unit_id" => "decision-lead",
        "co_unit_ids" => "decision-co-units",
        "due_on" => "decision-due",
        "checkpoints" => "checkpoint-label-1",
        other => other,
    }
}

/// Units typed in one field, a line each or between commas.
pub(super) fn typed_units(text: &str) -> Vec<UnitRef<'_>> {
    text.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(UnitRef::Typed)
        .collect()
}

pub async fn decide(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    let input = DecisionInput {
        title: &form.title,
        text: &form.text,
        agenda_item: form.agenda_item_id.trim().parse().ok().map(AgendaItemId),
        lead: UnitRef::Typed(&form.lead_unit),
        co_units: typed_units(&form.co_units),
        due_on: &form.due_on,
        checkpoints: form.checkpoint_rows().iter().map(|(_, label, day)| (*label, *day)).collect(),
    };
    match decisions::decide(&state.app, &actor, MeetingId(id), &input).await {
        Ok(_) => Ok(saved(&format!("/meetings/{id}#decisions"))),
        Err(error) => {
            let mut errors = field_errors(error)?;
            for refused in &mut errors.fields {
                refused.field = form_field(refused.field);
            }
            let forms = MeetingForms { decision: form, ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
}
