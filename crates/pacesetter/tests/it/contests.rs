//! A speech contest judged live through the API: the organiser sets up a round, seats the
//! panel, enters contestants and draws the running order; judges score the contestant on stage
//! once each (a score sent twice is kept once), never one of their own unit; the board ranks by
//! the trimmed mean; a correction supersedes a score and both are kept.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::plans::{campaign_with_task, send_if_match};

/// A judge's sheet adding up to `total` (content 40, delivery 30, language 20, image 10).
fn sheet(total: i64) -> Value {
    json!([
        {"code": "content", "points": (total - 60).to_string()},
        {"code": "delivery", "points": "30"},
        {"code": "language", "points": "20"},
        {"code": "image", "points": "10"},
    ])
}

/// A judge homed at `home`, holding the judge role.
async fn judge(t: &TestApp, admin: &Auth, name: &str, home: &str) -> (i64, Auth) {
    let unit = t.unit_id(home).await;
    let password = pacesetter_app::demo::DEMO_PASSWORD;
    let body = json!({"username": name, "display_name": "评委", "password": password, "unit_id": unit});
    let user = t.json(Method::POST, "/api/v1/users", admin, body).await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text());
    let id = user.json()["id"].as_i64().unwrap();
    let grant = json!({"role": "judge", "unit_id": unit});
    let granted = t.json(Method::POST, &format!("/api/v1/users/{id}/grants"), admin, grant).await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text());
    (id, t.token(name).await)
}

/// Moves a round along; returns its new version.
async fn advance(t: &TestApp, office: &Auth, round: i64, version: i64, movement: &str) -> i64 {
    let path = format!("/api/v1/contest-rounds/{round}/advance");
    let moved = send_if_match(t, Method::POST, &path, office, &version.to_string(), json!({"move": movement})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    moved.json()["version"].as_i64().unwrap()
}

async fn board(t: &TestApp, round: i64, auth: &Auth) -> Value {
    let board = t.get(&format!("/api/v1/contest-rounds/{round}/board"), auth).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text());
    board.json()
}

backend_test! {
    async fn a_round_runs_from_the_draw_to_the_ranking(t) {
        let (office, admin) = (t.token("office").await, t.token("admin").await);
        let (campaign, task) = campaign_with_task(&t, &office).await;

        let body = json!({"name": "农牧民宣讲比赛", "plan_item_id": task, "tie_criterion": "content"});
        let contest = t.json(Method::POST, &format!("/api/v1/campaigns/{campaign}/contests"), &office, body).await;
        assert_eq!(contest.status, StatusCode::CREATED, "{}", contest.text());
        let contest = contest.json()["id"].as_i64().unwrap();
        let criteria = json!([
            {"code": "content", "name": "内容", "max": "40"}, {"code": "delivery", "name": "表达", "max": "30"},
            {"code": "language", "name": "语言", "max": "20"}, {"code": "image", "name": "形象", "max": "10"},
        ]);
        let round = t
            .json(Method::POST, &format!("/api/v1/contests/{contest}/rounds"), &office,
                json!({"name": "决赛", "stage": "final", "criteria": criteria}))
            .await;
        assert_eq!(round.status, StatusCode::CREATED, "{}", round.text());
        let round = round.json()["id"].as_i64().unwrap();

        // Four judges: the demo's judge1 of the office, and three of prefectures.
        let judge1 = t.get("/api/v1/me", &t.token("judge1").await).await.json()["id"].as_i64().unwrap();
        let mut judges = vec![(judge1, t.token("judge1").await, "ZXB")];
        for (name, home) in [("judge2", "540100"), ("judge3", "540200"), ("judge4", "540400")] {
            let (id, auth) = judge(&t, &admin, name, home).await;
            judges.push((id, auth, home));
        }
        for (id, _, _) in &judges {
            let seated = t.json(Method::POST, &format!("/api/v1/contest-rounds/{round}/judges"), &office,
                json!({"user_id": id})).await;
            assert_eq!(seated.status, StatusCode::CREATED, "{}", seated.text());
        }
        let liaison = t.get("/api/v1/me", &t.token("lhasa").await).await.json()["id"].as_i64().unwrap();
        let not_a_judge = t.json(Method::POST, &format!("/api/v1/contest-rounds/{round}/judges"), &office,
            json!({"user_id": liaison})).await;
        assert_eq!(not_a_judge.status, StatusCode::UNPROCESSABLE_ENTITY, "only those holding the judge role sit");

        // Three contestants; each judge's planned total for each.
        let plan: HashMap<&str, [Option<i64>; 4]> = HashMap::from([
            ("拉萨选手", [Some(90), None, Some(92), Some(91)]),
            ("山南选手", [Some(88), Some(95), Some(90), Some(93)]),
            ("专项办选手", [None, Some(85), Some(87), Some(86)]),
        ]);
        let mut entries = Vec::new();
        for (name, home) in [("拉萨选手", "540100"), ("山南选手", "540500"), ("专项办选手", "ZXB")] {
            let entry = t.json(Method::POST, &format!("/api/v1/contest-rounds/{round}/entries"), &office,
                json!({"contestant": name, "unit_id": t.unit_id(home).await})).await;
            assert_eq!(entry.status, StatusCode::CREATED, "{}", entry.text());
            entries.push(entry.json()["id"].as_i64().unwrap());
        }

        // The draw keeps its seed, and the seed alone gives the order.
        let version = board(&t, round, &office).await["round"]["version"].as_i64().unwrap();
        let drawn = send_if_match(&t, Method::POST, &format!("/api/v1/contest-rounds/{round}/draw"), &office,
            &version.to_string(), json!({})).await;
        assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.text());
        let seed: u64 = drawn.json()["draw_seed"].as_str().unwrap().parse().unwrap();
        let order = pacesetter_domain::contest::draw_order(entries.len(), seed);
        let lines = board(&t, round, &office).await["lines"].as_array().unwrap().clone();
        for (place, index) in order.iter().enumerate() {
            let line = lines.iter().find(|l| l["entry"]["id"] == entries[*index]).unwrap();
            assert_eq!(line["entry"]["running_order"], place + 1);
        }

        let mut version = drawn.json()["version"].as_i64().unwrap();
        version = advance(&t, &office, round, version, "open").await;
        let lhasa = t.token("lhasa").await;
        for turn in 0..entries.len() {
            let on_stage = board(&t, round, &office).await["on_stage"].clone();
            let (entry, name) = (on_stage["id"].as_i64().unwrap(), on_stage["contestant"].as_str().unwrap().to_owned());
            let path = format!("/api/v1/contest-entries/{entry}/scores");
            let outsider = t.json(Method::POST, &path, &lhasa, json!({"criteria": sheet(90), "idempotency_key": "x1"})).await;
            assert_eq!(outsider.status, StatusCode::NOT_FOUND, "only the panel scores");
            for (seat, (_, auth, _)) in judges.iter().enumerate() {
                let desk = t.get("/api/v1/judging", auth).await.json();
                let desk = desk.as_array().unwrap().iter().find(|d| d["round"]["id"] == round).unwrap().clone();
                let key = format!("t{turn}-s{seat}");
                let Some(total) = plan[name.as_str()][seat] else {
                    assert_eq!(desk["excused"], true, "a judge is not given their own unit's contestant");
                    assert!(desk["on_stage"].is_null());
                    let own = t.json(Method::POST, &path, auth, json!({"criteria": sheet(90), "idempotency_key": key})).await;
                    assert_eq!(own.status, StatusCode::CONFLICT);
                    assert_eq!(own.json()["error"]["code"], "own_unit");
                    continue;
                };
                assert_eq!(desk["on_stage"]["id"], entry);
                let too_much = t.json(Method::POST, &path, auth,
                    json!({"criteria": sheet(101), "idempotency_key": format!("{key}-x")})).await;
                assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "content over 40");
                let body = json!({"criteria": sheet(total), "idempotency_key": key});
                let first = t.json(Method::POST, &path, auth, body.clone()).await;
                assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
                // The phone lost the answer and sends again: the same score, kept once.
                let again = t.json(Method::POST, &path, auth, body).await;
                assert_eq!(again.status, StatusCode::CREATED);
                assert_eq!(again.json()["id"], first.json()["id"]);
                let twice = t.json(Method::POST, &path, auth,
                    json!({"criteria": sheet(total), "idempotency_key": format!("{key}-2")})).await;
                assert_eq!(twice.json()["error"]["code"], "already_scored");
                assert_eq!(t.get("/api/v1/judging", auth).await.json()[0]["my_score"]["total"], total.to_string());
            }
            if turn + 1 < entries.len() {
                version = advance(&t, &office, round, version, "next").await;
                let late = t.json(Method::POST, &path, &judges[2].1,
                    json!({"criteria": sheet(80), "idempotency_key": format!("late-{turn}")})).await;
                assert_eq!(late.json()["error"]["code"], "not_on_stage", "only the contestant on stage is scored");
            }
        }
        advance(&t, &office, round, version, "close").await;

        let ranked = |board: &Value| -> Vec<(String, String, u64)> {
            board["lines"].as_array().unwrap().iter().map(|l| {
                (l["entry"]["contestant"].as_str().unwrap().to_owned(), l["score"].as_str().unwrap().to_owned(),
                 l["rank"].as_u64().unwrap())
            }).collect()
        };
        let viewer = t.token("viewer").await;
        let result = board(&t, round, &viewer).await;
        assert_eq!(ranked(&result), [
            ("山南选手".to_owned(), "91.5".to_owned(), 1),
            ("拉萨选手".to_owned(), "91".to_owned(), 2),
            ("专项办选手".to_owned(), "86".to_owned(), 3),
        ]);
        let office_line = result["lines"].as_array().unwrap().iter().find(|l| l["entry"]["contestant"] == "专项办选手").unwrap();
        assert_eq!((office_line["scored"].as_u64(), office_line["judge_scores"][0].is_null()), (Some(3), true),
            "the office's judge is left out of the office's contestant");

        // judge4 typed 93 for 山南选手 but meant 89: the organiser corrects it, with a reason.
        let scores = t.json(Method::POST, "/api/v1/contest-entries/0/scores", &judges[3].1, json!({"criteria": sheet(1), "idempotency_key": format!("t0-s3")})).await;
        assert_eq!(scores.status, StatusCode::CONFLICT, "a key names one score");
        let mistaken = find_score(&t, round, judges[3].0, "山南选手").await;
        let path = format!("/api/v1/judge-scores/{mistaken}/corrections");
        let no_reason = t.json(Method::POST, &path, &office, json!({"criteria": sheet(89), "idempotency_key": "fix-1", "reason": " "})).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let by_judge = t.json(Method::POST, &path, &judges[3].1, json!({"criteria": sheet(89), "idempotency_key": "fix-2", "reason": "录入有误"})).await;
        assert_eq!(by_judge.status, StatusCode::FORBIDDEN, "a judge cannot change a submitted score");
        let fixed = t.json(Method::POST, &path, &office, json!({"criteria": sheet(89), "idempotency_key": "fix-3", "reason": "录入有误"})).await;
        assert_eq!(fixed.status, StatusCode::CREATED, "{}", fixed.text());
        assert_eq!(fixed.json()["supersedes_id"], mistaken);
        let again = t.json(Method::POST, &path, &office, json!({"criteria": sheet(88), "idempotency_key": "fix-4", "reason": "再改"})).await;
        assert_eq!(again.json()["error"]["code"], "score_superseded", "a correction corrects the score in force");
        assert_eq!(ranked(&board(&t, round, &viewer).await)[..2], [
            ("拉萨选手".to_owned(), "91".to_owned(), 1),
            ("山南选手".to_owned(), "89.5".to_owned(), 2),
        ]);
        // Both scores are kept.
        let mut conn = t.db.store.read().await.unwrap();
        let kept = pacesetter_store::contests::scores_of_round(&mut conn, pacesetter_domain::ids::ContestRoundId(round)).await.unwrap();
        assert_eq!(kept.iter().filter(|s| s.judge_id.0 == judges[3].0).count(), 4, "three scores and one correction");
    }
}

/// The id of the score `judge` gave `contestant`, as kept.
async fn find_score(t: &TestApp, round: i64, judge: i64, contestant: &str) -> i64 {
    let mut conn = t.db.store.read().await.unwrap();
    let round = pacesetter_domain::ids::ContestRoundId(round);
    let entries = pacesetter_store::contests::entries(&mut conn, round).await.unwrap();
    let entry = entries.iter().find(|e| e.contestant == contestant).unwrap().id;
    let scores = pacesetter_store::contests::scores_of_round(&mut conn, round).await.unwrap();
    scores.iter().find(|s| s.entry_id == entry && s.judge_id.0 == judge).unwrap().id.0
}
