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
                let now = board(&t, round, &office).await;
                let line = now["lines"].as_array().unwrap().iter().find(|l| l["entry"]["id"] == entry).unwrap().clone();
                let complete = line["scored"] == line["eligible"];
                assert_eq!(line["score"].is_string(), complete, "a score only once every judge who may has scored");
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
            ("山南选手".to_owned(), "91.50".to_owned(), 1),
            ("拉萨选手".to_owned(), "91.00".to_owned(), 2),
            ("专项办选手".to_owned(), "86.00".to_owned(), 3),
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
            ("拉萨选手".to_owned(), "91.00".to_owned(), 1),
            ("山南选手".to_owned(), "89.50".to_owned(), 2),
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

/// The value of the hidden form field `name` on a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The first event of a Server-Sent Events stream, as text.
pub(crate) async fn first_event(t: &TestApp, path: &str, auth: &Auth) -> (StatusCode, String, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = match auth {
        Auth::Cookie { token, .. } => {
            axum::http::Request::get(path).header("cookie", format!("pacesetter_session={token}"))
        }
        _ => axum::http::Request::get(path),
    };
    let response = t.router.clone().oneshot(request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let mut body = response.into_body();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.unwrap().unwrap().unwrap();
    (status, kind, String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap())
}

backend_test! {
    async fn a_round_is_run_and_judged_from_the_pages(t) {
        let office = t.session("office").await;
        let (campaign, _) = campaign_with_task(&t, &t.token("office").await).await;
        let created = t.form("/contests", &office,
            &[("csrf", office.csrf()), ("campaign_id", &campaign.to_string()), ("name", "青年宣讲比赛"),
              ("trim_high", "0"), ("trim_low", "0")]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let contest = created.header("location").unwrap().to_owned();
        assert!(t.get("/contests", &office).await.text().contains("青年宣讲比赛"));

        let rounds = format!("{contest}/rounds");
        let garbled = t.form(&rounds, &office,
            &[("csrf", office.csrf()), ("name", "决赛"), ("stage", "final"), ("criteria", "内容 四十")]).await;
        assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(garbled.text().contains("分数应在 0 与该项满分之间") && garbled.text().contains("内容 四十"), "said, input kept");
        let added = t.form(&rounds, &office,
            &[("csrf", office.csrf()), ("name", "决赛"), ("stage", "final"), ("criteria", "内容 40\n表达 60")]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let round = added.header("location").unwrap().to_owned();
        let round_id: i64 = round.rsplit('/').next().unwrap().parse().unwrap();

        let seat = |username: &'static str| {
            let (t, office, path) = (&t, &office, format!("{round}/judges"));
            async move { t.form(&path, office, &[("csrf", office.csrf()), ("username", username)]).await }
        };
        assert_eq!(seat("judge1").await.status, StatusCode::SEE_OTHER);
        let refused = seat("lhasa").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("该账号没有评委角色"));
        let entries = format!("{round}/entries");
        for (name, code) in [("卓玛", "540100"), ("扎西", "540200"), ("次仁", "540300")] {
            let entered = t.multipart(&entries, &office, &[("csrf", office.csrf()), ("contestant", name), ("unit_code", code)], &[]).await;
            assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.text());
        }
        let unknown = t.multipart(&entries, &office, &[("csrf", office.csrf()), ("contestant", "无名"), ("unit_code", "NOPE")], &[]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("找不到该单位") && unknown.text().contains("value=\"无名\""));

        // One judge, so nothing is trimmed (the contest was set up so): a panel must be larger
        // than what the rule drops.
        for step in ["draw", "open"] {
            let page = t.get(&round, &office).await.text();
            let version = hidden(&page, "version");
            let path = if step == "draw" { format!("{round}/draw") } else { format!("{round}/advance") };
            let moved = t.form(&path, &office, &[("csrf", office.csrf()), ("version", &version), ("move", step)]).await;
            assert_eq!(moved.status, StatusCode::SEE_OTHER, "{step}: {}", moved.text());
        }
        let stale = t.form(&format!("{round}/advance"), &office, &[("csrf", office.csrf()), ("version", "1"), ("move", "next")]).await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.text().contains("本轮已有变化"), "a stale button is said, not an error page");

        let judge = t.session("judge1").await;
        let desk = t.get("/judging", &judge).await.text();
        assert!(desk.contains("满分 40") && desk.contains("1 号"), "the contestant on stage with the criteria: {desk}");
        let key = hidden(&desk, "key");
        let entry = desk.split("/contest-entries/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let path = format!("/contest-entries/{entry}/scores");
        let too_much = t.form(&path, &judge, &[("csrf", judge.csrf()), ("key", &key), ("c.内容", "41"), ("c.表达", "50")]).await;
        assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_much.text().contains("分数应在 0 与该项满分之间") && too_much.text().contains("value=\"41\""));
        let fields = [("csrf", judge.csrf()), ("key", key.as_str()), ("c.内容", "35.5"), ("c.表达", "50")];
        assert_eq!(t.form(&path, &judge, &fields).await.status, StatusCode::SEE_OTHER);
        // The phone sends the same form again: kept once.
        assert_eq!(t.form(&path, &judge, &fields).await.status, StatusCode::SEE_OTHER);
        let kept = t.get("/judging", &judge).await.text();
        assert!(kept.contains("您的评分已提交") && kept.contains("85.5"), "{kept}");
        let mut conn = t.db.store.read().await.unwrap();
        let scores = pacesetter_store::contests::scores_of_round(&mut conn, pacesetter_domain::ids::ContestRoundId(round_id)).await.unwrap();
        assert_eq!(scores.len(), 1, "one score for one judge");
        drop(conn);

        // The organiser corrects judge1's score with a reason; without one it is refused.
        let judge1 = t.get("/api/v1/me", &t.token("judge1").await).await.json()["id"].as_i64().unwrap().to_string();
        let page = t.get(&round, &office).await.text();
        let corrections = format!("{round}/corrections");
        let mut fields = vec![("csrf", office.csrf()), ("key", "fix-1"), ("entry_id", entry.as_str()),
            ("judge_id", judge1.as_str()), ("c.内容", "36"), ("c.表达", "50")];
        assert!(page.contains("更正评分"), "the organiser's correction form");
        let no_reason = t.form(&corrections, &office, &fields).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text().contains("更正原因："), "{}", no_reason.text());
        fields.push(("reason", "评委误填"));
        let corrected = t.form(&corrections, &office, &fields).await;
        assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.text());
        assert!(corrected.text().contains("已更正，新分数为 86"));
        let mut conn = t.db.store.read().await.unwrap();
        let scores = pacesetter_store::contests::scores_of_round(&mut conn, pacesetter_domain::ids::ContestRoundId(round_id)).await.unwrap();
        assert_eq!((scores.len(), scores[1].reason.as_deref()), (2, Some("评委误填")), "both kept, the reason with the new");
        drop(conn);

        let viewer = t.session("viewer").await;
        let screen = t.get(&format!("{round}/screen"), &viewer).await;
        assert_eq!(screen.status, StatusCode::OK);
        assert!(screen.text().contains("data-board-events") && screen.text().contains("86"));
        let (status, kind, event) = first_event(&t, &format!("{round}/events"), &viewer).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/event-stream"));
        assert!(event.starts_with("event: board") && event.contains("86"), "{event}");

        // Two screens watching share one feed: a change reaches both, and a screen that comes
        // after the others have gone sees the board as it is.
        let events = format!("{round}/events");
        let (mut hall, mut gallery) = (open_events(&t, &events, &viewer).await, open_events(&t, &events, &office).await);
        assert!(next_event(&mut hall).await.contains("86") && next_event(&mut gallery).await.contains("86"));
        let fields = [("csrf", office.csrf()), ("key", "fix-2"), ("entry_id", entry.as_str()), ("judge_id", judge1.as_str()),
            ("c.内容", "37"), ("c.表达", "50"), ("reason", "再次更正")];
        assert_eq!(t.form(&corrections, &office, &fields).await.status, StatusCode::OK);
        assert!(next_event(&mut hall).await.contains("87"));
        assert!(next_event(&mut gallery).await.contains("87"));
        drop((hall, gallery));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (_, _, event) = first_event(&t, &events, &viewer).await;
        assert!(event.contains("87"), "{event}");
    }
}

/// A screen's stream, open.
async fn open_events(t: &TestApp, path: &str, auth: &Auth) -> axum::body::Body {
    use tower::ServiceExt;
    let Auth::Cookie { token, .. } = auth else { panic!("screens sign in") };
    let request = axum::http::Request::get(path).header("cookie", format!("pacesetter_session={token}"));
    let response = t.router.clone().oneshot(request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body()
}

/// The next event of an open stream, skipping keep-alive comments.
async fn next_event(body: &mut axum::body::Body) -> String {
    use http_body_util::BodyExt;
    loop {
        let frame =
            tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.unwrap().unwrap().unwrap();
        let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
        if text.starts_with("event:") {
            return text;
        }
    }
}

backend_test! {
    async fn the_demo_has_a_finished_final_and_a_final_under_way(t) {
        let (farmers, youth) = pacesetter_app::demo::contests::seed(&t.app).await.unwrap();
        let viewer = t.token("viewer").await;
        let done = board(&t, farmers.0, &viewer).await;
        assert_eq!((done["round"]["status"].as_str(), done["judges"].as_u64()), (Some("closed"), Some(13)));
        let lines = done["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 50);
        assert!(lines.iter().all(|l| l["score"].is_string() && l["rank"].is_u64()), "every finalist has a score");
        let best: f64 = lines[0]["score"].as_str().unwrap().parse().unwrap();
        assert!((80.0..=100.0).contains(&best), "plausible scores: {best}");
        // Its final published, the farmers' contest is held: task RW-03 is done.
        let task = pacesetter_domain::ids::PlanItemId(done["contest"]["plan_item_id"].as_i64().unwrap());
        let mut conn = t.db.store.read().await.unwrap();
        let shares = pacesetter_store::assignments::for_item(&mut conn, task).await.unwrap();
        assert!(!shares.is_empty() && shares.iter().all(|s| s.state.is_closed()), "{shares:?}");
        drop(conn);

        let live = board(&t, youth.0, &viewer).await;
        assert_eq!((live["round"]["status"].as_str(), live["on_stage"]["running_order"].as_u64()), (Some("open"), Some(3)));
        assert_eq!(live["lines"].as_array().unwrap().len(), 14, "the best two of each of the seven heats");
        let desk = t.get("/api/v1/judging", &t.token("judge1").await).await.json();
        let desk = desk.as_array().unwrap().iter().find(|d| d["round"]["id"] == youth.0).unwrap().clone();
        assert!(desk["on_stage"]["id"].is_i64() && desk["my_score"].is_null(), "judge1 has the third contestant to score");
    }
}

backend_test! {
    async fn a_heats_best_go_on_to_the_next_round_once(t) {
        let (_, youth_final) = pacesetter_app::demo::contests::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let contest = board(&t, youth_final.0, &office).await["contest"]["id"].as_i64().unwrap();
        let rounds = t.get(&format!("/api/v1/contests/{contest}"), &office).await.json()["rounds"].clone();
        let heat = rounds.as_array().unwrap().iter().find(|r| r["stage"] == "heat").unwrap()["id"].as_i64().unwrap();
        let semifinal = t.json(Method::POST, &format!("/api/v1/contests/{contest}/rounds"), &office,
            json!({"name": "复赛", "stage": "semifinal", "criteria": [{"code": "内容", "name": "内容", "max": "100"}]})).await;
        let semifinal = semifinal.json()["id"].as_i64().unwrap();

        let path = format!("/api/v1/contest-rounds/{heat}/promote");
        let sent = t.json(Method::POST, &path, &office, json!({"to_round_id": semifinal})).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
        let best: Vec<String> = board(&t, heat, &office).await["lines"].as_array().unwrap()[..2]
            .iter().map(|l| l["entry"]["contestant"].as_str().unwrap().to_owned()).collect();
        let went: Vec<String> = sent.json().as_array().unwrap().iter().map(|e| e["contestant"].as_str().unwrap().to_owned()).collect();
        assert_eq!(went, best, "the heat's best two, in their order");
        let again = t.json(Method::POST, &path, &office, json!({"to_round_id": semifinal})).await;
        assert_eq!(again.json().as_array().map(Vec::len), Some(0), "not entered twice");
        let open = t.json(Method::POST, &path, &office, json!({"to_round_id": youth_final.0})).await;
        assert_eq!((open.status, open.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("round_not_in_setup")));
    }
}

backend_test! {
    async fn the_organiser_gives_units_awards_with_certificates_and_takes_one_back(t) {
        let (farmers, _) = pacesetter_app::demo::contests::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let contest = board(&t, farmers.0, &office).await["contest"]["id"].as_i64().unwrap();
        let detail = t.get(&format!("/api/v1/contests/{contest}"), &t.token("viewer").await).await.json();
        let demo: Vec<&str> = detail["awards"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
        assert_eq!(demo, ["优秀组织奖"; 3], "the demo's three prefectures");

        // Through the API: given once, refused twice, and a blank title is a field error.
        let awards = format!("/api/v1/contests/{contest}/awards");
        let nyingchi = t.unit_id("540400").await;
        let given = t.json(Method::POST, &awards, &office, json!({"unit_id": nyingchi, "title": "最佳组织奖"})).await;
        assert_eq!(given.status, StatusCode::CREATED, "{}", given.text());
        let award = given.json()["id"].as_i64().unwrap();
        let twice = t.json(Method::POST, &awards, &office, json!({"unit_id": nyingchi, "title": "最佳组织奖"})).await;
        assert_eq!((twice.status, twice.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("award_exists")));
        let blank = t.json(Method::POST, &awards, &office, json!({"unit_id": nyingchi, "title": "  "})).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", blank.text());
        let viewer = t.token("viewer").await;
        let not_theirs = t.json(Method::POST, &awards, &viewer, json!({"unit_id": nyingchi, "title": "奖"})).await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

        // Its certificate names the unit and the award, with the contest.
        let pdf = t.get(&format!("/api/v1/contest-awards/{award}/certificate.pdf"), &viewer).await;
        assert_eq!((pdf.status, pdf.header("content-type")), (StatusCode::OK, Some("application/pdf")), "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        for wanted in ["荣誉证书", "最佳组织奖", "林芝市", "农牧民宣讲比赛"] {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }

        // From the page: the form keeps what was typed beside the error, then takes it back.
        let page = t.session("office").await;
        let path = format!("/contests/{contest}/awards");
        let unknown = t.form(&path, &page, &[("csrf", page.csrf()), ("award_unit", "不存在"), ("award_title", "优秀组织奖")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("value=\"不存在\"") && unknown.text().contains("找不到该单位"), "{}", unknown.text());
        let again = t.form(&path, &page, &[("csrf", page.csrf()), ("award_unit", "540400"), ("award_title", "最佳组织奖")]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text().contains("该单位已获得此奖项"), "{}", again.text());
        let shown = t.get(&format!("/contests/{contest}"), &page).await.text();
        assert!(shown.contains("最佳组织奖") && shown.contains(&format!("/api/v1/contest-awards/{award}/certificate.pdf")));
        let removed = t.form(&format!("/contest-awards/{award}/delete"), &page,
            &[("csrf", page.csrf()), ("contest_id", &contest.to_string())]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.text());
        assert!(!t.get(&format!("/contests/{contest}"), &page).await.text().contains("最佳组织奖"));
        let gone = t.get(&format!("/api/v1/contest-awards/{award}/certificate.pdf"), &viewer).await;
        assert_eq!((gone.status, gone.json()["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("contest_award_not_found")));

        let mut conn = t.db.store.read().await.unwrap();
        let actions: Vec<String> =
            pacesetter_store::audit::page(&mut conn, 0, 100_000).await.unwrap().into_iter().map(|r| r.entry.action).collect();
        assert!(["contest.award.create", "contest.award.delete"].iter().all(|a| actions.iter().any(|x| x == a)));
    }
}
