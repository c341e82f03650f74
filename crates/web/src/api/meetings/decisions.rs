//! A meeting's decisions (议定事项) and their follow-ups (督办): each decision is a key task of
//! the campaign's plan assigned to its lead unit and co-units (decision 0021); the lead unit's
//! assignment is the follow-up, reported and closed through `/api/v1/assignments/{id}`.

use pacesetter_app::meetings::decisions::{self, DecisionInput, FollowUp};
use pacesetter_domain::{
    assignment::AssignmentState,
    light::Light,
    meeting::{Checkpoint, CheckpointState},
    timestamp::format_date,
};

use super::*;

/// A day by which the lead unit reports back, and whether it did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointResponse {
    pub label: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub state: CheckpointState,
}

impl From<(Checkpoint, CheckpointState)> for CheckpointResponse {
    fn from((checkpoint, state): (Checkpoint, CheckpointState)) -> Self {
        Self { label: checkpoint.label, due_on: format_date(checkpoint.due_on), state }
    }
}

/// A decision with where its follow-up stands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FollowUpResponse {
    /// The decision's id.
    pub id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    /// The agenda item it was decided under.
    pub agenda_item_id: Option<i64>,
    /// What is to be done: the follow-up task's title.
    pub title: String,
    /// The decision in the minutes' words.
    pub text: String,
    /// The key task of the plan that follows it up.
    pub task_id: i64,
    pub lead_unit: MeetingUnitResponse,
    pub co_units: Vec<MeetingUnitResponse>,
    /// The deadline, YYYY-MM-DD.
    pub due_on: Option<String>,
    /// The lead unit's assignment of the task: the follow-up itself.
    pub assignment_id: Option<i64>,
    pub state: Option<AssignmentState>,
    pub percent: Option<u8>,
    pub light: Option<Light>,
    /// Closed once the office closed the lead unit's assignment after its report.
    pub closed: bool,
    /// Earliest first.
    pub checkpoints: Vec<CheckpointResponse>,
}

impl From<FollowUp> for FollowUpResponse {
    fn from(f: FollowUp) -> Self {
        let closed = f.is_closed();
        Self {
            id: f.decision.id.0,
            meeting_id: f.meeting.0.0,
            meeting_title: f.meeting.1,
            agenda_item_id: f.decision.agenda_item_id.map(|i| i.0),
            title: f.task.title,
            text: f.decision.text,
            task_id: f.task.id.0,
            lead_unit: f.lead.into(),
            co_units: f.co_units.into_iter().map(Into::into).collect(),
            due_on: f.task.due_on.map(format_date),
            assignment_id: f.assignment.as_ref().map(|a| a.id.0),
            state: f.assignment.as_ref().map(|a| a.state),
            percent: f.assignment.as_ref().map(|a| a.percent),
            light: f.light,
            closed,
            checkpoints: f.checkpoints.into_iter().map(Into::into).collect(),
        }
    }
}

/// A feedback checkpoint as it is recorded.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointRequest {
    /// What is due: "3日内首次反馈".
    pub label: String,
    /// YYYY-MM-DD, between the meeting's day and the deadline.
    pub due_on: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingDecisionRequest {
    /// What is to be done, short: the follow-up task's title.
    pub title: String,
    /// The decision in the minutes' words.
    #[serde(default)]
    pub text: String,
    /// The agenda item it was decided under.
    #[serde(default)]
    pub agenda_item_id: Option<i64>,
    pub lead_unit_id: i64,
    #[serde(default)]
    pub co_unit_ids: Vec<i64>,
    /// The deadline, YYYY-MM-DD, not before the meeting's day.
    pub due_on: String,
    /// At most 6, each by the deadline.
    #[serde(default)]
    pub checkpoints: Vec<CheckpointRequest>,
}

/// Records a decision of an open meeting and makes its follow-up: a key task of the plan
/// under "推进会议定事项", assigned to the lead unit and the co-units.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions", tag = "meetings", params(("id" = i64, Path)), request_body = MeetingDecisionRequest, security(("bearer" = [])),
    responses((status = 201, body = FollowUpResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MeetingDecisionRequest>,
) -> Result<Response, ApiError> {
    let input = DecisionInput {
        title: &body.title,
        text: &body.text,
        agenda_item: body.agenda_item_id.map(AgendaItemId),
        lead: UnitRef::Id(UnitId(body.lead_unit_id)),
        co_units: body.co_unit_ids.iter().map(|id| UnitRef::Id(UnitId(*id))).collect(),
        due_on: &body.due_on,
        checkpoints: body.checkpoints.iter().map(|c| (c.label.as_str(), c.due_on.as_str())).collect(),
    };
    let follow_up = decisions::decide(&state.app, &actor, MeetingId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(FollowUpResponse::from(follow_up))).into_response())
}

/// A meeting's decisions with where each follow-up stands.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/decisions", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [FollowUpResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_decisions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<FollowUpResponse>>, ApiError> {
    let follow_ups = decisions::list(&state.app, &actor, MeetingId(id)).await?;
    Ok(Json(follow_ups.into_iter().map(Into::into).collect()))
}
