//! Following findings up, on every backend: photos taken on site (checked, stripped of where
//! they were taken unless the campaign keeps it, refused whole), reminders and escalation on
//! overdue rectification items, the burden meter, and the dashboard's counts and trend.

use axum::http::{Method, StatusCode};
use pacesetter_app::{
    Actor, AppError,
    inspections::{self, FindingInput, LedgerQuery, RoundInput},
    reminders,
};
use pacesetter_domain::{inspection::Severity, inspection::records::RoundId};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use time::macros::date;

const PHOTO: &[u8] = include_bytes!("../../../domain/fixtures/photo-gps.jpg");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The demo's rounds, and a round under way over Lhasa in the same month as the completed one.
async fn seeded(t: &TestApp) -> (RoundId, RoundId) {
    pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
    let rounds = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
    (rounds.completed, rounds.planned)
}

async fn second_visit_to_lhasa(t: &TestApp, office: &Actor) -> RoundId {
    let campaign = inspections::round(&t.app, office, seeded_round(t).await).await.unwrap().round.campaign_id;
    let input = RoundInput {
        name: "专项督查".into(),
        name_bo: String::new(),
        starts_on: date!(2023 - 05 - 20),
        ends_on: date!(2023 - 05 - 25),
        scheme_id: None,
    };
    let round = inspections::create_round(&t.app, office, campaign, &input).await.unwrap();
    let lhasa = t.unit_id("540100").await;
    inspections::set_targets(&t.app, office, round.id, &[(pacesetter_domain::UnitId(lhasa), None)]).await.unwrap();
    let round = inspections::update_round(
        &t.app,
        office,
        round.id,
        round.version,
        &input,
        pacesetter_domain::inspection::records::RoundStatus::Active,
    )
    .await
    .unwrap();
    round.id
}

/// The demo's completed round.
async fn seeded_round(t: &TestApp) -> RoundId {
    let office = t.actor("office").await;
    let campaign = pacesetter_app::plans::list_campaigns(&t.app, &office).await.unwrap()[0].id;
    inspections::rounds(&t.app, &office, campaign).await.unwrap().into_iter().map(|r| r.id).min().unwrap()
}

backend_test! {
    async fn photos_are_stripped_of_their_location_and_refused_whole(t) {
        seeded(&t).await;
        let office = t.actor("office").await;
        let inspector = t.actor("inspector").await;
        let round = second_visit_to_lhasa(&t, &office).await;
        let lhasa = pacesetter_domain::UnitId(t.unit_id("540100").await);
        let finding = |photos: Vec<Vec<u8>>| FindingInput {
            unit: lhasa,
            item: None,
            plan_item: None,
            indicator_code: None,
            severity: Severity::Minor,
            category: "阵地".into(),
            category_bo: None,
            description: "宣传栏破损".into(),
            rectification: None,
            photos,
        };
        let campaign = inspections::round(&t.app, &office, round).await.unwrap().round.campaign_id;
        let everything = LedgerQuery::default();
        let before = inspections::ledger(&t.app, &office, campaign, &everything).await.unwrap().1;

        // One photo that is not whole refuses them all, and nothing is recorded.
        let refused = inspections::record_finding(
            &t.app,
            &inspector,
            round,
            &finding(vec![PHOTO.to_vec(), PHOTO[..300].to_vec()]),
        )
        .await
        .unwrap_err();
        assert!(matches!(&refused, AppError::Invalid(e) if e.fields[0].code == "photo_damaged"), "{refused:?}");
        let too_many = inspections::record_finding(&t.app, &inspector, round, &finding(vec![PHOTO.to_vec(); 10])).await;
        assert!(matches!(too_many, Err(AppError::Invalid(e)) if e.fields[0].code == "too_many_photos"));
        let after = inspections::ledger(&t.app, &office, campaign, &everything).await.unwrap().1;
        assert_eq!(after, before, "no finding half-written");

        // A whole photo is stored once, by the hash of what is kept: no maker, no location.
        let view =
            inspections::record_finding(&t.app, &inspector, round, &finding(vec![PHOTO.to_vec(), PHOTO.to_vec()]))
                .await
                .unwrap();
        assert_eq!(view.finding.photos.len(), 1, "the same photo twice is kept once");
        let photo = &view.finding.photos[0];
        let (_, bytes) = inspections::photo(&t.app, &inspector, view.finding.id, &photo.sha256).await.unwrap();
        assert_eq!(pacesetter_domain::audit::sha256_hex(&bytes), photo.sha256);
        assert!(!contains(&bytes, b"PhoneMaker") && contains(PHOTO, b"PhoneMaker"));
        // The unit sees its finding's photo; another prefecture's liaison does not.
        let own = t.actor("lhasa").await;
        assert!(inspections::photo(&t.app, &own, view.finding.id, &photo.sha256).await.is_ok());
        let other = t.actor("shigatse").await;
        assert!(matches!(
            inspections::photo(&t.app, &other, view.finding.id, &photo.sha256).await,
            Err(AppError::NotFound(_))
        ));
        // Only the inspectors add photos.
        assert!(matches!(
            inspections::add_photos(&t.app, &own, view.finding.id, &[PHOTO.to_vec()]).await,
            Err(AppError::Forbidden)
        ));

        // A campaign that keeps where photos were taken stores them as taken, through the API.
        let token = t.token("office").await;
        let path = format!("/api/v1/campaigns/{}", campaign.0);
        let current = t.get(&path, &token).await.json();
        let body = serde_json::json!({
            "name": current["name"], "year": current["year"], "starts_on": current["starts_on"],
            "ends_on": current["ends_on"], "yellow_at": current["yellow_at"], "red_at": current["red_at"],
            "approval_required": current["approval_required"], "public_page": current["public_page"],
            "as_of": current["as_of"], "keep_photo_location": true,
        });
        let Auth::Bearer(bearer) = &token else { unreachable!("a token") };
        let request = axum::http::Request::builder()
            .method(Method::PUT)
            .uri(&path)
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-type", "application/json")
            .header("if-match", format!("\"{}\"", current["version"]))
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let saved = t.send(request).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(saved.json()["keep_photo_location"], true);
        let inspector_token = t.token("inspector").await;
        let photos_path = format!("/api/v1/findings/{}/photos", view.finding.id.0);
        let added = t.post_bytes(&photos_path, &inspector_token, PHOTO.to_vec()).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        let photos = added.json()["photos"].as_array().unwrap().clone();
        assert_eq!(photos.len(), 2);
        let kept = t
            .get(
                &format!("/api/v1/findings/{}/photos/{}", view.finding.id.0, photos[1]["sha256"].as_str().unwrap()),
                &inspector_token,
            )
            .await;
        assert_eq!(kept.body, PHOTO, "kept as taken");
        let refused = t.post_bytes(&photos_path, &inspector_token, b"%PDF-1.4".to_vec()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["code"], "photo_not_image", "{}", refused.text());
    }
}

backend_test! {
    async fn overdue_rectification_items_are_reminded_once_and_escalate(t) {
        seeded(&t).await;
        reminders::run(&t.app).await.unwrap();
        assert_eq!(reminders::run(&t.app).await.unwrap(), reminders::RunSummary::default(), "once a day");
        // On the demo's day (30 June 2023) Shannan's item is ten days overdue: its liaison, the
        // office and the inspector who found it are told.
        let about_findings = |inbox: serde_json::Value| -> Vec<serde_json::Value> {
            inbox
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["link"].as_str().unwrap_or("").starts_with("/findings/"))
                .cloned()
                .collect()
        };
        let shannan = about_findings(t.get("/api/v1/notifications", &t.token("shannan").await).await.json());
        assert_eq!(shannan.len(), 1, "{shannan:?}");
        assert_eq!(shannan[0]["kind"], "escalation");
        assert!(shannan[0]["title"].as_str().unwrap().contains("整改事项已超期10天"), "{shannan:?}");
        let inspector = about_findings(t.get("/api/v1/notifications", &t.token("inspector").await).await.json());
        assert_eq!(inspector.len(), 1, "the inspector who found it");
        let office = about_findings(t.get("/api/v1/notifications", &t.token("office").await).await.json());
        assert_eq!(office.len(), 1);
        // Items answered, closed or not yet due are left alone.
        for quiet in ["lhasa", "shigatse", "ngari"] {
            let inbox = about_findings(t.get("/api/v1/notifications", &t.token(quiet).await).await.json());
            assert!(inbox.is_empty(), "{quiet}: {inbox:?}");
        }
    }
}

backend_test! {
    async fn the_burden_meter_marks_a_second_visit_in_a_month(t) {
        seeded(&t).await;
        let office = t.actor("office").await;
        second_visit_to_lhasa(&t, &office).await;
        let token = t.token("office").await;
        let meter = t.get("/api/v1/burden?year=2023", &token).await;
        assert_eq!(meter.status, StatusCode::OK, "{}", meter.text());
        let meter = meter.json();
        let first = &meter["items"][0];
        assert_eq!(first["unit_name"], "拉萨市", "the unit over the line comes first: {meter}");
        assert_eq!(first["months_over_line"], 1);
        let may = &first["months"][4];
        assert_eq!((may["inspections"].as_i64(), may["over_line"].as_bool()), (Some(2), Some(true)));
        assert!(may["requests"].as_i64().unwrap() >= 8, "the checklist's requests for material");
        assert_eq!(first["months"][8]["inspections"], 1, "September's planned visit");
        assert!(first["total"]["forms"].as_i64().unwrap() > 0, "tasks to report on");
        let shigatse = meter["items"].as_array().unwrap().iter().find(|l| l["unit_name"] == "日喀则市").unwrap();
        assert_eq!(shigatse["months_over_line"], 0);
        // Within a prefecture, only its units; for a liaison, not at all.
        let within =
            t.get(&format!("/api/v1/burden?year=2023&under={}", t.unit_id("540200").await), &token).await.json();
        assert!(within["items"].as_array().unwrap().iter().all(|l| l["unit_name"] != "拉萨市"));
        assert_eq!(t.get("/api/v1/burden?year=2023", &t.token("lhasa").await).await.status, StatusCode::FORBIDDEN);
        let page = t.get("/inspections/burden?year=2023", &t.session("office").await).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("减负监测") && html.contains("拉萨市") && html.contains("burden-cell over"), "{html}");
        assert_eq!(t.get("/inspections/burden", &t.session("lhasa").await).await.status, StatusCode::FORBIDDEN);

        // Page by page, the meter's order is its rule applied to the months it shows, each unit
        // once; the tasks behind the rule are counted as they were created.
        let whole = meter["total"].as_i64().unwrap();
        let mut seen = Vec::new();
        for page in 1..=(whole + 3) / 4 + 1 {
            let shown = t.get(&format!("/api/v1/burden?year=2023&per_page=4&page={page}"), &token).await.json();
            assert_eq!(shown["total"].as_i64(), Some(whole), "page {page}: {shown}");
            seen.extend(shown["items"].as_array().unwrap().iter().map(|line| {
                let months = line["months"].as_array().unwrap();
                let sum = |kind: &str| months.iter().map(|m| m[kind].as_i64().unwrap()).sum::<i64>();
                assert_eq!(sum("forms"), line["total"]["forms"].as_i64().unwrap(), "{line}");
                let over = months.iter().filter(|m| m["over_line"] == true).count() as i64;
                let total = sum("inspections") + sum("requests") + sum("forms");
                (-over, -sum("inspections"), -total, line["unit_id"].as_i64().unwrap())
            }));
        }
        assert_eq!(seen.len() as i64, whole, "every unit once, and nothing past the last page");
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "ranked by the rule: {seen:?}");
        assignment_years_agree(&mut t.db.store.read().await.unwrap()).await;
    }
}

/// `assignment_years` holds, per year and unit, how many assignments start then.
pub(crate) async fn assignment_years_agree(conn: &mut sqlx::AnyConnection) {
    use sqlx::Row;
    let mut live = std::collections::BTreeMap::<(i64, i64), i64>::new();
    for row in sqlx::query("SELECT unit_id, starts_day FROM assignments").fetch_all(&mut *conn).await.unwrap() {
        let day = time::Date::from_julian_day(row.get::<i64, _>("starts_day") as i32).unwrap();
        *live.entry((i64::from(day.year()), row.get("unit_id"))).or_default() += 1;
    }
    let kept: std::collections::BTreeMap<(i64, i64), i64> =
        sqlx::query("SELECT year, unit_id, n FROM assignment_years")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|row| ((row.get("year"), row.get("unit_id")), row.get("n")))
            .collect();
    assert!(!live.is_empty());
    assert_eq!(kept, live);
}

backend_test! {
    async fn the_dashboard_counts_findings_and_draws_their_trend(t) {
        seeded(&t).await;
        let office = t.actor("office").await;
        let campaign = pacesetter_app::plans::list_campaigns(&t.app, &office).await.unwrap()[0].id;
        let months = inspections::ledger_trend(&t.app, &office, campaign, &LedgerQuery::default(), 2023).await.unwrap();
        assert_eq!(months[4].0, 7, "seven findings in May: {months:?}");
        assert_eq!(months.iter().map(|m| m.1).sum::<i64>(), 2, "two items closed");
        let page = t.get(&format!("/campaigns/{}/dashboard", campaign.0), &t.session("office").await).await.text();
        assert!(page.contains("督导检查问题") && page.contains("每月发现问题与整改销号"), "{page}");
        assert!(page.contains("/inspections?campaign=") && page.contains("&overdue=1"));
    }
}

backend_test! {
    async fn a_unit_sees_the_rounds_visiting_it_and_an_inspector_the_rounds_they_are_on(t) {
        let (done, planned) = seeded(&t).await;
        let office = t.actor("office").await;
        let campaign = inspections::round(&t.app, &office, done).await.unwrap().round.campaign_id;
        // Nyingchi is visited by the completed round only, and sees its own target in it.
        let nyingchi = t.actor("nyingchi").await;
        let theirs: Vec<RoundId> =
            inspections::rounds(&t.app, &nyingchi, campaign).await.unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(theirs, [done]);
        assert!(matches!(inspections::round(&t.app, &nyingchi, planned).await, Err(AppError::NotFound(_))));
        let seen = inspections::round(&t.app, &nyingchi, done).await.unwrap();
        assert_eq!(seen.targets.len(), 1, "not the other prefectures'");
        // The inspector leads every team and sees every target; the office sees everything.
        let inspector = t.actor("inspector").await;
        assert_eq!(inspections::round(&t.app, &inspector, done).await.unwrap().targets.len(), 7);
        assert_eq!(inspections::rounds(&t.app, &office, campaign).await.unwrap().len(), 3);
        let page = t.get(&format!("/inspection-rounds/{}", planned.0), &t.session("nyingchi").await).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
}
