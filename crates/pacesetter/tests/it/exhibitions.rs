//! An exhibition (作品展览) judged through the API and the pages: a category's works each need a
//! picture, cleaned of its metadata, before judging opens; the jury scores the works in any order,
//! never its own unit's; the board ranks them with their prizes once the category closes, and
//! the results are published once.

use axum::http::{Method, StatusCode};
use pacesetter_domain::{
    assignment::{AssignmentState, Step},
    ids::PlanItemId,
};
use pacesetter_testkit::{TestApp, backend_test};
use serde_json::{Value, json};

use crate::{
    authz_matrix::PHOTO,
    plans::{campaign_with_task, send_if_match},
};

/// A juror homed at `home`.
async fn juror(t: &TestApp, name: &str, home: &str) -> (i64, pacesetter_testkit::Auth) {
    let admin = t.token("admin").await;
    let unit = t.unit_id(home).await;
    let body = json!({"username": name, "display_name": "评委", "password": pacesetter_app::demo::DEMO_PASSWORD,
        "unit_id": unit});
    let id = t.json(Method::POST, "/api/v1/users", &admin, body).await.json()["id"].as_i64().unwrap();
    let granted = t
        .json(Method::POST, &format!("/api/v1/users/{id}/grants"), &admin, json!({"role": "judge", "unit_id": unit}))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text());
    (id, t.token(name).await)
}

fn sheet(total: i64) -> Value {
    json!([{"code": "艺术性", "points": (total - 50).to_string()}, {"code": "技法", "points": "50"}])
}

backend_test! {
    async fn a_category_is_judged_in_any_order_ranked_with_prizes_and_published(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{campaign}/contests"), &office,
            json!({"name": "书画摄影展", "kind": "exhibition", "plan_item_id": task, "trim_high": 0, "trim_low": 0})).await;
        assert_eq!((created.status, created.json()["kind"].as_str()), (StatusCode::CREATED, Some("exhibition")));
        let contest = created.json()["id"].as_i64().unwrap();
        let category = t.json(Method::POST, &format!("/api/v1/contests/{contest}/rounds"), &office,
            json!({"name": "摄影", "stage": "final", "prizes": [1, 1],
                "criteria": [{"code": "艺术性", "name": "艺术性", "max": "50"}, {"code": "技法", "name": "技法", "max": "50"}]})).await;
        assert_eq!(category.status, StatusCode::CREATED, "{}", category.text());
        assert_eq!(category.json()["prizes"], json!([1, 1]));
        let round = category.json()["id"].as_i64().unwrap();

        let mut works = Vec::new();
        for (title, code) in [("雪域新貌", "540100"), ("牧场晨光", "540200"), ("圣湖之畔", "540300")] {
            let entry = t.json(Method::POST, &format!("/api/v1/contest-rounds/{round}/entries"), &office,
                json!({"contestant": "作者", "title": title, "unit_id": t.unit_id(code).await})).await;
            assert_eq!(entry.status, StatusCode::CREATED, "{}", entry.text());
            works.push(entry.json()["id"].as_i64().unwrap());
        }
        let (judges, mut auths) = (["judge-a", "judge-b"], Vec::new());
        for (name, home) in judges.iter().zip(["540100", "ZXB"]) {
            let (id, auth) = juror(&t, name, home).await;
            let seated = t.json(Method::POST, &format!("/api/v1/contest-rounds/{round}/judges"), &office,
                json!({"user_id": id})).await;
            assert_eq!(seated.status, StatusCode::CREATED, "{}", seated.text());
            auths.push(auth);
        }
        let version = |body: &Value| body["round"]["version"].as_i64().unwrap().to_string();
        let board = t.get(&format!("/api/v1/contest-rounds/{round}/board"), &office).await.json();
        let advance = format!("/api/v1/contest-rounds/{round}/advance");
        let early = send_if_match(&t, Method::POST, &advance, &office, &version(&board), json!({"move": "open"})).await;
        assert_eq!((early.status, early.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("image_missing")));

        // Pictures: a damaged one is refused; a phone's photo is kept without its location.
        let put = |id: i64, bytes: &'static [u8]| {
            let t = &t;
            let token = match &office { pacesetter_testkit::Auth::Bearer(token) => token.clone(), _ => unreachable!() };
            async move {
                let request = axum::http::Request::put(format!("/api/v1/contest-entries/{id}/image"))
                    .header("authorization", format!("Bearer {token}"));
                t.send(request.body(axum::body::Body::from(bytes)).unwrap()).await
            }
        };
        let damaged = put(works[0], &PHOTO[..200]).await;
        assert_eq!(damaged.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", damaged.text());
        for work in &works {
            let kept = put(*work, PHOTO).await;
            assert_eq!(kept.status, StatusCode::OK, "{}", kept.text());
        }
        let image = t.get(&format!("/api/v1/contest-entries/{}/image", works[0]), &auths[1]).await;
        assert_eq!((image.status, image.header("content-type")), (StatusCode::OK, Some("image/jpeg")));
        assert!(image.body.len() < PHOTO.len(), "the metadata is stripped");

        let board = t.get(&format!("/api/v1/contest-rounds/{round}/board"), &office).await.json();
        let opened = send_if_match(&t, Method::POST, &advance, &office, &version(&board), json!({"move": "open"})).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
        assert!(opened.json()["current_order"].is_null(), "nobody is on stage in an exhibition");

        // The jury scores in any order; judge-a (of Lhasa) does not see or score Lhasa's work.
        let desks = t.get("/api/v1/judging", &auths[0]).await;
        assert_eq!(desks.status, StatusCode::OK);
        let plan = [[None, Some(80), Some(70)], [Some(90), Some(85), Some(75)]];
        for (judge, auth) in auths.iter().enumerate() {
            for at in [2, 0, 1] {
                let body = json!({"idempotency_key": format!("w{judge}-{at}"), "criteria": sheet(plan[judge][at].unwrap_or(60))});
                let scored = t.json(Method::POST, &format!("/api/v1/contest-entries/{}/scores", works[at]), auth, body).await;
                let expected = if plan[judge][at].is_some() { StatusCode::CREATED } else { StatusCode::CONFLICT };
                assert_eq!(scored.status, expected, "judge {judge}, work {at}: {}", scored.text());
            }
        }
        let board = t.get(&format!("/api/v1/contest-rounds/{round}/board"), &office).await.json();
        let closed = send_if_match(&t, Method::POST, &advance, &office, &version(&board), json!({"move": "close"})).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text());
        let board = t.get(&format!("/api/v1/contest-rounds/{round}/board"), &t.token("viewer").await).await.json();
        let lines: Vec<(i64, Option<&str>, Value)> = board["lines"].as_array().unwrap().iter()
            .map(|l| (l["entry"]["id"].as_i64().unwrap(), l["score"].as_str(), l["prize"].clone())).collect();
        assert_eq!(lines, [(works[0], Some("90.00"), json!(1)), (works[1], Some("82.50"), json!(2)), (works[2], Some("72.50"), Value::Null)]);
        assert!(board["lines"][0]["entry"]["image_url"].as_str().unwrap().ends_with("/image"));

        let publish = format!("/api/v1/contest-rounds/{round}/publish");
        let published = send_if_match(&t, Method::POST, &publish, &office, &version(&board), json!({})).await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.text());
        assert!(published.json()["published_at"].is_string());
        let again = send_if_match(&t, Method::POST, &publish, &office, &published.json()["version"].to_string(), json!({})).await;
        assert_eq!((again.status, again.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_published")));

        // Its only category published, the exhibition is held: its plan task is done.
        let mut conn = t.db.store.read().await.unwrap();
        let shares = pacesetter_store::assignments::for_item(&mut conn, PlanItemId(task)).await.unwrap();
        assert!(!shares.is_empty());
        for share in shares {
            assert_eq!((share.state, share.percent), (AssignmentState::Closed, 100), "{share:?}");
            let events = pacesetter_store::assignments::history(&mut conn, share.id).await.unwrap().events;
            let last = events.last().unwrap();
            assert_eq!((last.step, last.comment.as_deref()), (Step::Close, Some("书画摄影展：摄影")));
        }
    }
}

backend_test! {
    async fn a_work_is_entered_with_its_picture_from_the_console(t) {
        let office = t.session("office").await;
        let (campaign, _) = campaign_with_task(&t, &t.token("office").await).await;
        let created = t.form("/contests", &office, &[("csrf", office.csrf()), ("campaign_id", &campaign.to_string()),
            ("name", "书法展"), ("kind", "exhibition")]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let contest = created.header("location").unwrap().to_owned();
        let page = t.get(&contest, &office).await.text();
        assert!(page.contains("添加类别") && !page.contains("id=\"advance\""), "an exhibition has categories");
        let added = t.form(&format!("{contest}/rounds"), &office, &[("csrf", office.csrf()), ("name", "藏文书法"),
            ("stage", "final"), ("criteria", "艺术性 50\n技法 50"), ("prizes", "1 2 3")]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let round = added.header("location").unwrap().to_owned();
        let entries = format!("{round}/entries");
        let fields = [("csrf", office.csrf()), ("contestant", "次旦"), ("title", "团结奋进"), ("unit_code", "540100")];
        let not_a_picture = t.multipart(&entries, &office, &fields, &[("image", "work.jpg", b"not a picture")]).await;
        assert_eq!(not_a_picture.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(not_a_picture.text().contains("value=\"团结奋进\""), "the input is kept");
        let entered = t.multipart(&entries, &office, &fields, &[("image", "work.jpg", PHOTO)]).await;
        assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.text());
        let console = t.get(&round, &office).await.text();
        assert!(console.contains("class=\"work-thumb\"") && console.contains("《团结奋进》"), "{console}");
        assert!(console.contains("一等奖 1 · 二等奖 2 · 三等奖 3"));
    }
}

backend_test! {
    async fn the_demo_exhibition_has_four_categories_two_published(t) {
        pacesetter_app::demo::contests::seed(&t.app).await.unwrap();
        let (_, categories) = pacesetter_app::demo::exhibition::seed(&t.app).await.unwrap();
        let viewer = t.token("viewer").await;
        let mut states = Vec::new();
        for round in &categories {
            let board = t.get(&format!("/api/v1/contest-rounds/{}/board", round.0), &viewer).await.json();
            states.push((board["round"]["status"].as_str().unwrap().to_owned(), board["round"]["published_at"].is_string()));
            assert_eq!(board["lines"].as_array().unwrap().len(), 6);
        }
        let expected = [("closed", true), ("closed", true), ("closed", false), ("open", false)].map(|(s, p)| (s.to_owned(), p));
        assert_eq!(states, expected);
        let judge = t.session("judge4").await;
        let desk = t.get("/judging", &judge).await.text();
        assert!(desk.contains("class=\"work-image\"") && desk.contains("美术"), "the fine art still to judge: {desk}");
    }
}

backend_test! {
    async fn published_prizes_become_bonus_items_once_and_the_results_download(t) {
        pacesetter_app::demo::contests::seed(&t.app).await.unwrap();
        let (_, categories) = pacesetter_app::demo::exhibition::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let campaign = t.get(&format!("/api/v1/contest-rounds/{}/board", categories[0].0), &office).await.json()["contest"]
            ["campaign_id"].as_i64().unwrap();
        // An open evaluation of the campaign ranking the 7 prefectures.
        let scheme: Value = serde_json::from_str(include_str!("../../../../examples/evaluation/scheme.json")).unwrap();
        let prefectures = t.get("/api/v1/units?kind=prefecture", &office).await.json();
        let units: Vec<Value> = prefectures["items"].as_array().unwrap().iter()
            .map(|u| json!({"unit_id": u["id"], "category": "地（市）"})).collect();
        let created = t.json(Method::POST, "/api/v1/evaluations", &office,
            json!({"campaign_id": campaign, "name": "年度考评", "scheme": scheme, "units": units})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let evaluation = created.json()["id"].as_i64().unwrap();
        let version = created.json()["version"].to_string();
        let opened = send_if_match(&t, Method::PUT, &format!("/api/v1/evaluations/{evaluation}"), &office, &version,
            json!({"name": "年度考评", "status": "active", "scheme": scheme, "units": units})).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());

        let path = format!("/api/v1/contest-rounds/{}/bonus-items", categories[0].0);
        let body = json!({"evaluation_id": evaluation, "points": ["3", "2", "1"]});
        let made = t.json(Method::POST, &path, &office, body.clone()).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let items = made.json();
        let items = items.as_array().unwrap();
        assert!(!items.is_empty(), "prize-winners' units the evaluation ranks get bonus items");
        assert!(items.iter().all(|i| i["effect"]["kind"] == "bonus" && i["source"].as_str().unwrap().contains("藏文书法")), "{items:?}");
        let again = t.json(Method::POST, &path, &office, body.clone()).await;
        assert_eq!((again.status, again.json().as_array().map(Vec::len)), (StatusCode::CREATED, Some(0)), "counted once");
        let unpublished = format!("/api/v1/contest-rounds/{}/bonus-items", categories[2].0);
        let refused = t.json(Method::POST, &unpublished, &office, body).await;
        assert_eq!((refused.status, refused.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("results_not_published")));

        // The first prize's certificate, once published: Chinese, with the unit's Tibetan name.
        let board = t.get(&format!("/api/v1/contest-rounds/{}/board", categories[0].0), &office).await.json();
        let winner = &board["lines"][0];
        let pdf = t.get(&format!("/api/v1/contest-entries/{}/certificate.pdf", winner["entry"]["id"]), &t.token("viewer").await).await;
        assert_eq!((pdf.status, pdf.header("content-type")), (StatusCode::OK, Some("application/pdf")), "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        let contestant = winner["entry"]["contestant"].as_str().unwrap();
        for wanted in ["荣誉证书", "一等奖", contestant, "藏文书法"] {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }
        let unpublished = t.get(&format!("/api/v1/contest-rounds/{}/board", categories[2].0), &office).await.json();
        let none = t.get(&format!("/api/v1/contest-entries/{}/certificate.pdf", unpublished["lines"][0]["entry"]["id"]), &office).await;
        assert_eq!((none.status, none.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("no_certificate")));

        // Issued in both languages: the citation in Chinese and, from the deployment's reviewed
        // translation, in Tibetan around the contest's Tibetan name; the heading and the prize,
        // still Chinese stand-ins, once. The Tibetan is the test's own, not shipped text.
        crate::evaluation_bulletin::documents_in_both(&t, campaign).await;
        let contest = t.get(&format!("/api/v1/contests/{}", board["contest"]["id"]), &office).await.json()["contest"].clone();
        let rename = format!("/api/v1/contests/{}/name", contest["id"]);
        let tibetan = json!({"name": contest["name"], "name_bo": "གྲོང་ཁྱེར་ཚད།"});
        let renamed = crate::plans::send_if_match(&t, Method::PUT, &rename, &office, &contest["version"].to_string(), tibetan).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
        t.tibetan_reader("translator", pacesetter_domain::Role::Admin, "ZXB").await;
        let (admin, translator) = (t.token("admin").await, t.token("translator").await);
        let edit = "/api/v1/translations/bo/certificate.citation";
        let drafted = t.json(Method::PUT, edit, &admin, json!({"text": "{contest}{round}ནང་{work}བྱ་དགའ་ཐོབ།"})).await;
        assert_eq!(drafted.status, StatusCode::OK, "{}", drafted.text());
        let reviewed = t.json(Method::POST, &format!("{edit}/review"), &translator, json!({})).await;
        assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text());
        let pdf = t.get(&format!("/api/v1/contest-entries/{}/certificate.pdf", winner["entry"]["id"]), &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        let chinese_name = contest["name"].as_str().unwrap();
        // Dated in both: "2023年…日" and CLDR's long Tibetan date, "སྤྱི་ལོ་2023 …".
        for wanted in [chinese_name, "གྲོང་ཁྱེར་ཚད།", "ཐོབ།", "一等奖", "སྤྱི་ལོ་2023"] {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }
        assert_eq!((text.matches("荣誉证书").count(), text.matches("一等奖").count()), (1, 1), "{text}");
        // The big screen opened in Tibetan names the contest in Tibetan.
        let screen = t.get(&format!("/contest-rounds/{}/screen", categories[0].0), &t.session("translator").await).await;
        assert!(screen.text().contains(r#"<h1 lang="bo">གྲོང་ཁྱེར་ཚད།</h1>"#), "{}", screen.text());

        let workbook = t.get(&format!("/contest-rounds/{}/results.xlsx", categories[0].0), &t.session("viewer").await).await;
        assert_eq!(workbook.status, StatusCode::OK);
        let grid = pacesetter_export::read_sheet(&workbook.body).unwrap();
        let text: Vec<String> = grid.rows.iter().flat_map(|(_, cells)| cells.clone()).collect();
        assert!(text.iter().any(|c| c == "一等奖") && text.iter().any(|c| c == "作者 · 作品" || c == "选手"), "{text:?}");
    }
}
