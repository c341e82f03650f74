//! What the route-inventory test (`authz_matrix`) aims its requests at: the places relative to
//! the caller's grant, and a campaign and an evaluation at each place for the routes that need
//! a record of their own.

use pacesetter_domain::{Timestamp, UserId};

/// Where a request is aimed, relative to the caller's grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Own,
    Sibling,
    OtherPrefecture,
}

/// Codes of the demo units used as targets: the grant sits on 城关区 (Lhasa).
pub(crate) fn code_of(place: Place) -> &'static str {
    match place {
        Place::Own => "540102",
        Place::Sibling => "540103",
        Place::OtherPrefecture => "540202",
    }
}

/// A campaign run by `unit`, with a project, a key task under it and the task's assignment to
/// `unit`: (place, campaign, task, assignment).
pub(crate) async fn plan_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    unit: &pacesetter_domain::unit::Unit,
) -> (Place, i64, i64, i64) {
    use pacesetter_domain::{
        plan::{CampaignFields, ItemFields, PlanLevel},
        rollup::RollupRule,
    };
    let day = |text: &str| pacesetter_domain::timestamp::parse_date(text).unwrap();
    let fields = CampaignFields {
        name: format!("活动{}", code_of(place)),
        name_bo: None,
        year: 2023,
        starts_on: day("2023-01-01"),
        ends_on: day("2023-12-31"),
        thresholds: Default::default(),
        approval_required: false,
        // Public, so that the public routes answer everyone.
        public_page: true,
        keep_photo_location: false,
        documents_language: Default::default(),
        as_of: Some(day("2023-06-30")),
    };
    let now = Timestamp::now();
    let campaign = pacesetter_store::campaigns::insert(tx, &fields, unit.id, None, now).await.unwrap();
    let levels = [
        PlanLevel { depth: 1, name: "项目".into(), name_bo: None, rollup: RollupRule::WeightedMean, is_task: false },
        PlanLevel {
            depth: 2, name: "重点任务".into(), name_bo: None, rollup: RollupRule::WeightedMean, is_task: true
        },
    ];
    pacesetter_store::campaigns::set_levels(tx, campaign.id, &levels).await.unwrap();
    let project = ItemFields {
        code: None,
        title: "项目".into(),
        title_bo: None,
        description: None,
        weight: 1,
        starts_on: None,
        due_on: None,
    };
    let project = pacesetter_store::plan_items::insert(tx, campaign.id, None, 1, &project, None, now).await.unwrap();
    let task = ItemFields {
        title: "任务".into(),
        starts_on: Some(day("2023-03-01")),
        due_on: Some(day("2023-09-30")),
        ..ItemFields {
            code: None,
            title: String::new(),
            title_bo: None,
            description: None,
            weight: 1,
            starts_on: None,
            due_on: None,
        }
    };
    let task = pacesetter_store::plan_items::insert(tx, campaign.id, Some(project.id), 2, &task, Some(unit.id), now)
        .await
        .unwrap();
    pacesetter_store::assignments::fan_out(tx, task.id, &[unit.id], day("2023-03-01"), day("2023-09-30"), now)
        .await
        .unwrap();
    let assignment = pacesetter_store::assignments::for_item(tx, task.id).await.unwrap()[0].id.0;
    (place, campaign.id.0, task.id.0, assignment)
}

/// An active evaluation scheme of the place's campaign ranking the place's county, with a
/// published run and an open appeal: (place, scheme, run, appeal).
pub(crate) async fn evaluation_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    campaign: i64,
    unit: &pacesetter_domain::unit::Unit,
    by: UserId,
) -> (Place, i64, i64, i64) {
    use pacesetter_domain::{
        evaluation::{
            Scheme, UnitInput, evaluate,
            records::{Member, RunKind, SchemeStatus},
            scorecard::FrozenUnit,
        },
        ids::CampaignId,
    };
    use pacesetter_store::{evaluation_run_rows, evaluation_runs, evaluations};
    let scheme: Scheme = serde_json::from_value(EVALUATION_SCHEME.clone()).unwrap();
    let now = Timestamp::now();
    let stored = evaluations::insert_scheme(tx, CampaignId(campaign), ("考评", None), &scheme, by, now).await.unwrap();
    evaluations::update_scheme(tx, stored.id, 1, ("考评", None), &scheme, SchemeStatus::Active, now).await.unwrap();
    let member =
        Member { unit_id: unit.id, category: "县区".into(), self_leaves: vec!["L1".into()], submitted_at: None };
    evaluations::set_members(tx, stored.id, &[member]).await.unwrap();
    let units = vec![UnitInput { unit: unit.id.0, category: "县区".into(), ..UnitInput::default() }];
    let results = evaluate(&scheme, &units).unwrap();
    let scheme_json = serde_json::to_string(&scheme).unwrap();
    let new = evaluation_runs::NewRun {
        scheme: stored.id,
        kind: RunKind::Published,
        version: Some(1),
        parent: None,
        scheme_json: &scheme_json,
        scheme_version: 2,
        by,
    };
    let run = evaluation_runs::insert_run(tx, &new, now).await.unwrap();
    let frozen =
        FrozenUnit { unit: unit.id.0, category: "县区".into(), scorecard: String::new(), extras: String::new() };
    evaluation_run_rows::insert_inputs(tx, run.id, &[frozen]).await.unwrap();
    let lines: Vec<_> = results.into_iter().map(|r| evaluation_run_rows::StoredLine::new(r.line)).collect();
    evaluation_run_rows::insert_results(tx, run.id, &lines).await.unwrap();
    let appeal = evaluation_runs::insert_appeal(tx, run.id, unit.id, "复核", by, now).await.unwrap();
    (place, stored.id.0, run.id.0, appeal.id.0)
}

/// One leaf worth everything: enough for every evaluation route to do its work.
pub(crate) static EVALUATION_SCHEME: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    serde_json::json!({
        "total_points": "100", "aggregation": "points",
        "nodes": [{"code": "L1", "parent": null, "name": "达标", "points": "100", "rubric": {"kind": "binary"}}],
        "combine": {"kind": "inspector_overrides", "self_when_uninspected": true},
        "discrepancy_pct": "10", "evidence_gate": false, "bonus_cap": "5", "deduction_cap": null,
        "bands": [{"name": "合格", "min": "60"}, {"name": "不合格", "min": "0"}],
        "quotas": [], "tie_overflow": false, "tie_breakers": [], "rank_style": "competition",
        "rounding": "half_up", "precision": 2
    })
});

/// An active inspection round of the place's campaign visiting the place's county, with one
/// checklist point and a finding whose rectification item is open:
/// (place, round, item, finding, rectification).
pub(crate) async fn inspection_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    campaign: i64,
    unit: &pacesetter_domain::unit::Unit,
    by: UserId,
) -> (Place, i64, i64, i64, i64) {
    use pacesetter_domain::{ids::CampaignId, inspection::Severity, inspection::records::RoundStatus};
    use pacesetter_store::inspections as store;
    let day = |text: &str| pacesetter_domain::timestamp::parse_date(text).unwrap();
    let now = Timestamp::now();
    let fields = store::RoundFields {
        name: "调研督导",
        name_bo: None,
        starts_on: day("2023-05-01"),
        ends_on: day("2023-05-31"),
        scheme_id: None,
    };
    let round = store::insert_round(tx, CampaignId(campaign), &fields, by, now).await.unwrap();
    let round = store::update_round(tx, round.id, round.version, &fields, RoundStatus::Active, now).await.unwrap();
    store::set_targets(tx, round.id, &[(unit.id, None)]).await.unwrap();
    let point = store::NewItem {
        title: "要点".into(),
        title_bo: None,
        plan_item_id: None,
        indicator_code: None,
        evidence_request: None,
    };
    let item = store::replace_items(tx, round.id, &[point]).await.unwrap().remove(0);
    let new = store::NewFinding {
        round: round.id,
        unit: unit.id,
        item: Some(item.id),
        plan_item: None,
        indicator_code: None,
        severity: Severity::Minor,
        category: "台账",
        category_bo: None,
        description: "缺失",
        by,
    };
    let finding = store::insert_finding(tx, &new, now).await.unwrap();
    let photo = pacesetter_domain::inspection::records::Photo {
        sha256: pacesetter_domain::audit::sha256_hex(crate::authz_matrix::PHOTO),
        content_type: "image/jpeg".into(),
        size_bytes: crate::authz_matrix::PHOTO.len() as i64,
    };
    store::add_photo(tx, finding.id, &photo).await.unwrap();
    let dates = (day("2023-05-10"), day("2023-06-10"));
    let item_due = store::insert_rectification(tx, finding.id, unit.id, "补齐", dates, now).await.unwrap();
    (place, round.id.0, item.id.0, finding.id.0, item_due.id.0)
}

/// At a place: a contest of its campaign with an open round (the first contestant, from the
/// place's prefecture, on stage), `by` and `judge` (if any) on the panel, and one score by `by`.
pub(crate) async fn contest_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    campaign: i64,
    unit: &pacesetter_domain::unit::Unit,
    by: (UserId, pacesetter_domain::UnitId),
    judge: Option<(UserId, pacesetter_domain::UnitId)>,
) -> (Place, i64, i64, i64, i64) {
    use pacesetter_domain::{
        contest::{Criterion, Image, Kind, RoundStatus, Rules, Stage},
        ids::CampaignId,
    };
    use pacesetter_store::contests as store;
    let now = Timestamp::now();
    let rules = Rules::default();
    let fields =
        store::ContestFields {
            name: "演讲比赛", name_bo: None, kind: Kind::Speech, plan_item_id: None, rules: &rules
        };
    let contest = store::insert_contest(tx, CampaignId(campaign), &fields, by.0, now).await.unwrap();
    let criteria = [
        Criterion { code: "content".into(), name: "内容".into(), max: 40.into() },
        Criterion { code: "delivery".into(), name: "表达".into(), max: 60.into() },
    ];
    let new = store::NewRound {
        name: "决赛",
        stage: Stage::Final,
        unit_id: None,
        advance: 0,
        criteria: &criteria,
        prizes: &[1, 2, 3],
    };
    let round = store::insert_round(tx, contest.id, &new).await.unwrap();
    store::seat_judge(tx, round.id, by.0, by.1).await.unwrap();
    if let Some((user, home)) = judge {
        store::seat_judge(tx, round.id, user, home).await.unwrap();
    }
    let from = unit.parent_id.unwrap_or(unit.id);
    // A picture, as an exhibition's works have: the photo every test world's file store holds.
    let image = Image {
        sha256: pacesetter_domain::audit::sha256_hex(crate::authz_matrix::PHOTO),
        content_type: "image/jpeg".into(),
    };
    let entry = store::insert_entry(tx, round.id, "选手", from, "", Some(&image)).await.unwrap();
    let round = store::set_draw(tx, round.id, round.version, 7, &[(entry.id, 1)]).await.unwrap();
    store::set_round_state(tx, round.id, round.version, RoundStatus::Open, Some(1)).await.unwrap();
    let points = [("content".to_owned(), 30.into()), ("delivery".to_owned(), 50.into())];
    let key = format!("fixture-{place:?}");
    let score = store::NewScore {
        entry: entry.id,
        judge: by.0,
        criteria: &points,
        total: 80.into(),
        idempotency_key: &key,
        supersedes: None,
    };
    let score = store::insert_score(tx, &score, by.0, now).await.unwrap();
    (place, contest.id.0, round.id.0, entry.id.0, score.id.0)
}

/// At a place: an open quiz of its campaign with two teams (the place's unit and its parent) and
/// one answer; returns (place, quiz, the first team, the answer).
pub(crate) async fn quiz_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    campaign: i64,
    unit: &pacesetter_domain::unit::Unit,
    by: UserId,
) -> (Place, i64, i64, i64) {
    use pacesetter_domain::{
        ids::CampaignId,
        quiz::{Outcome, QuestionKind, QuizStatus, Rules},
    };
    use pacesetter_store::quizzes as store;
    let now = Timestamp::now();
    let quiz =
        store::insert_quiz(tx, CampaignId(campaign), "知识竞赛", None, &Rules::default(), by, now).await.unwrap();
    let team = store::insert_team(tx, quiz.id, unit.id, "一队").await.unwrap();
    store::insert_team(tx, quiz.id, unit.parent_id.unwrap(), "二队").await.unwrap();
    store::set_status(tx, quiz.id, quiz.version, QuizStatus::Open, now).await.unwrap();
    let key = format!("fixture-{place:?}");
    let answer = store::NewAnswer {
        quiz: quiz.id,
        team: team.id,
        question: 1,
        kind: QuestionKind::Compulsory,
        outcome: Outcome::Correct,
        stake: None,
        points: 10.into(),
        idempotency_key: &key,
    };
    let answer = store::insert_answer(tx, &answer, by, now).await.unwrap();
    (place, quiz.id.0, team.id.0, answer.id.0)
}

/// At a place: a progress meeting of its campaign, by `by`, with a branch venue hosted by the
/// place's unit and expecting it, and an agenda item; returns (place, meeting, venue, item).
pub(crate) async fn meeting_fixture(
    tx: &mut pacesetter_store::Conn,
    place: Place,
    campaign: i64,
    unit: &pacesetter_domain::unit::Unit,
    by: UserId,
) -> (Place, i64, i64, i64) {
    use pacesetter_store::meetings as store;
    let fields = store::MeetingFields {
        title: "推进会",
        title_bo: None,
        starts_at: Timestamp::parse("2023-04-02T02:00:00Z").unwrap(),
        mode: pacesetter_domain::meeting::Mode::Video,
        chair: "组长",
    };
    let campaign = pacesetter_domain::ids::CampaignId(campaign);
    let meeting = store::insert_meeting(tx, campaign, &fields, by, Timestamp::now()).await.unwrap();
    let venue = store::NewVenue {
        kind: pacesetter_domain::meeting::VenueKind::Branch,
        name: "分会场",
        host_unit_id: unit.id,
        positions: "",
        expected: &[unit.id],
    };
    let venue = store::insert_venue(tx, meeting.id, &venue).await.unwrap();
    let item = store::NewAgendaItem { title: "部署", title_bo: None, presenter: "专项办", minutes: 20 };
    let item = store::insert_agenda_item(tx, meeting.id, &item).await.unwrap();
    (place, meeting.id.0, venue.id.0, item.id.0)
}
