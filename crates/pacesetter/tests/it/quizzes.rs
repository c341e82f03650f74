//! A knowledge quiz run through the API and from the console: the example of `SCORING.md` §3
//! played answer by answer (T3 first, T1 and T4 level for second, T2 fourth), an answer sent
//! twice kept once, a voided answer counting for nothing while it stays on record, the playoff
//! deciding second place, and a quiz that cannot close while a podium place is tied.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::{
    contests::{first_event, hidden},
    plans::{campaign_with_task, send_if_match},
};

async fn standings(t: &TestApp, quiz: i64, auth: &Auth) -> Value {
    let standings = t.get(&format!("/api/v1/quizzes/{quiz}/standings"), auth).await;
    assert_eq!(standings.status, StatusCode::OK, "{}", standings.text());
    standings.json()
}

/// Team name, score, rank and whether a playoff is due, best first.
fn places(standings: &Value) -> Vec<(String, String, u64, bool)> {
    standings["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["team"]["name"].as_str().unwrap().to_owned(),
                s["score"].as_str().unwrap().to_owned(),
                s["rank"].as_u64().unwrap(),
                s["playoff_due"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A question's kind, how it went and the stake.
type Given<'a> = (&'a str, &'a str, Option<&'a str>);

fn place(name: &str, score: &str, rank: u64, playoff_due: bool) -> (String, String, u64, bool) {
    (name.to_owned(), score.to_owned(), rank, playoff_due)
}

async fn advance(t: &TestApp, office: &Auth, quiz: i64, movement: &str) -> pacesetter_testkit::TestResponse {
    let version = t.get(&format!("/api/v1/quizzes/{quiz}"), office).await.json()["quiz"]["version"].as_i64().unwrap();
    let path = format!("/api/v1/quizzes/{quiz}/advance");
    send_if_match(t, Method::POST, &path, office, &version.to_string(), json!({"move": movement})).await
}

backend_test! {
    async fn the_scoring_example_is_played_voided_and_played_off(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{campaign}/quizzes"), &office,
            json!({"name": "七地市知识竞赛", "plan_item_id": task})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let quiz = created.json();
        assert_eq!((quiz["base"].as_str(), quiz["risk_values"].clone()), (Some("100"), json!(["20", "40", "60"])));
        let quiz = quiz["id"].as_i64().unwrap();

        let bad = t.json(Method::POST, &format!("/api/v1/campaigns/{campaign}/quizzes"), &office,
            json!({"name": "竞赛", "risk_values": ["20", "20"]})).await;
        assert_eq!((bad.status, bad.json()["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
        assert_eq!(bad.json()["error"]["details"][0]["code"], "stake_twice", "{}", bad.text());

        let mut teams = Vec::new();
        for (name, code) in [("T1", "540100"), ("T2", "540200"), ("T3", "540300"), ("T4", "540400")] {
            let team = t.json(Method::POST, &format!("/api/v1/quizzes/{quiz}/teams"), &office,
                json!({"unit_id": t.unit_id(code).await, "name": name})).await;
            assert_eq!(team.status, StatusCode::CREATED, "{}", team.text());
            teams.push(team.json()["id"].as_i64().unwrap());
        }
        let again = t.json(Method::POST, &format!("/api/v1/quizzes/{quiz}/teams"), &office,
            json!({"unit_id": t.unit_id("540100").await})).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "one team per unit");

        let events = format!("/api/v1/quizzes/{quiz}/events");
        let early = t.json(Method::POST, &events, &office, json!({"team_id": teams[0], "question": 1,
            "kind": "compulsory", "outcome": "correct", "idempotency_key": "early"})).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "not before the quiz starts");
        assert_eq!(advance(&t, &office, quiz, "open").await.status, StatusCode::OK);

        // SCORING.md §3: base 100, compulsory +10, buzzer ±20, risk ±20/40/60.
        let answers: [(usize, &[Given]); 4] = [
            (0, &[("compulsory", "correct", None), ("compulsory", "correct", None), ("buzzer", "correct", None),
                  ("risk", "correct", Some("60"))]),
            (1, &[("compulsory", "correct", None), ("compulsory", "wrong", None), ("buzzer", "wrong", None),
                  ("buzzer", "correct", None)]),
            (2, &[("compulsory", "correct", None), ("buzzer", "correct", None), ("buzzer", "correct", None),
                  ("buzzer", "correct", None), ("risk", "correct", Some("60"))]),
            (3, &[("risk", "correct", Some("40")), ("risk", "correct", Some("60")), ("risk", "wrong", Some("20")),
                  ("buzzer", "correct", None)]),
        ];
        let mut question = 0;
        let mut kept = Vec::new();
        for (team, given) in answers {
            for (kind, outcome, stake) in given {
                question += 1;
                let body = json!({"team_id": teams[team], "question": question, "kind": kind, "outcome": outcome,
                    "stake": stake, "idempotency_key": format!("q{question}")});
                let recorded = t.json(Method::POST, &events, &office, body).await;
                assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text());
                kept.push(recorded.json()["id"].as_i64().unwrap());
            }
        }
        let expected = [place("T3", "230", 1, false), place("T1", "200", 2, true), place("T4", "200", 2, true),
            place("T2", "110", 4, false)];
        let lhasa = t.token("lhasa").await;
        assert_eq!(places(&standings(&t, quiz, &lhasa).await), expected, "everyone signed in sees the standings");

        // Sent again with its key, an answer is kept once.
        let repeat = json!({"team_id": teams[0], "question": 1, "kind": "compulsory", "outcome": "correct",
            "idempotency_key": "q1"});
        let resent = t.json(Method::POST, &events, &office, repeat).await;
        assert_eq!((resent.status, resent.json()["id"].as_i64()), (StatusCode::CREATED, Some(kept[0])));
        assert_eq!(t.get(&events, &office).await.json().as_array().unwrap().len(), kept.len());

        // Wrong stakes and kinds are said.
        for (body, code) in [
            (json!({"kind": "risk", "outcome": "correct", "stake": "50"}), "stake_not_offered"),
            (json!({"kind": "risk", "outcome": "correct"}), "stake_required"),
            (json!({"kind": "compulsory", "outcome": "early_buzz"}), "early_buzz_only_on_buzzer"),
            (json!({"kind": "playoff", "outcome": "correct"}), "playoff_not_due"),
        ] {
            let mut body = body;
            body["team_id"] = json!(teams[1]);
            body["question"] = json!(99);
            body["idempotency_key"] = json!(format!("bad-{code}"));
            let refused = t.json(Method::POST, &events, &office, body).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
            assert_eq!(refused.json()["error"]["details"][0]["code"], code);
        }
        let not_theirs = t.json(Method::POST, &events, &lhasa, json!({"team_id": teams[0], "question": 30,
            "kind": "compulsory", "outcome": "correct", "idempotency_key": "lhasa"})).await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN, "a liaison does not run the quiz");

        // T4's wrong risk answer (−20) voided: T4 220, alone in second; the answer stays on record.
        let wrong_risk = kept[15];
        let voided = t.json(Method::POST, &format!("/api/v1/quiz-events/{wrong_risk}/void"), &office,
            json!({"reason": "主持人误判"})).await;
        assert_eq!(voided.status, StatusCode::OK, "{}", voided.text());
        assert_eq!(voided.json()["void_reason"], "主持人误判");
        let twice = t.json(Method::POST, &format!("/api/v1/quiz-events/{wrong_risk}/void"), &office,
            json!({"reason": "再次"})).await;
        assert_eq!((twice.status, twice.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_voided")));
        assert_eq!(places(&standings(&t, quiz, &office).await)[..2], [place("T3", "230", 1, false), place("T4", "220", 2, false)]);
        let log = t.get(&events, &office).await.json();
        assert_eq!(log.as_array().unwrap().len(), kept.len(), "voided, never deleted");

        // A correcting answer puts T4 back level with T1; the quiz cannot finish with the tie.
        let level = t.json(Method::POST, &events, &office, json!({"team_id": teams[3], "question": 15,
            "kind": "buzzer", "outcome": "wrong", "idempotency_key": "fix"})).await;
        assert_eq!(level.status, StatusCode::CREATED, "{}", level.text());
        assert_eq!(places(&standings(&t, quiz, &office).await), expected);
        let closing = advance(&t, &office, quiz, "close").await;
        assert_eq!((closing.status, closing.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("playoff_due")));

        // The playoff: T4 answers right and takes second place.
        let playoff = t.json(Method::POST, &events, &office, json!({"team_id": teams[3], "question": 21,
            "kind": "playoff", "outcome": "correct", "idempotency_key": "playoff"})).await;
        assert_eq!(playoff.status, StatusCode::CREATED, "{}", playoff.text());
        let after = standings(&t, quiz, &office).await;
        assert_eq!(places(&after), [place("T3", "230", 1, false), place("T4", "200", 2, false),
            place("T1", "200", 3, false), place("T2", "110", 4, false)]);
        assert_eq!(after["latest"]["kind"], "playoff");
        assert_eq!(advance(&t, &office, quiz, "close").await.status, StatusCode::OK);
        let late = t.json(Method::POST, &events, &office, json!({"team_id": teams[1], "question": 22,
            "kind": "buzzer", "outcome": "correct", "idempotency_key": "late"})).await;
        assert_eq!((late.status, late.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("quiz_not_open")));

        // Every change is in the audit log.
        let mut conn = t.db.store.read().await.unwrap();
        let actions: Vec<String> =
            pacesetter_store::audit::page(&mut conn, 0, 10_000).await.unwrap().into_iter().map(|r| r.entry.action).collect();
        for action in ["quiz.create", "quiz.team.create", "quiz.advance", "quiz.answer", "quiz.answer.void", "assignment.close"] {
            assert!(actions.iter().any(|a| a == action), "{action} audited");
        }
        // Closed, the quiz is held: its plan task is done.
        let shares = pacesetter_store::assignments::for_item(&mut conn, pacesetter_domain::ids::PlanItemId(task)).await.unwrap();
        assert!(!shares.is_empty() && shares.iter().all(|s| s.state.is_closed()), "{shares:?}");
    }
}

backend_test! {
    async fn a_quiz_is_run_from_its_console_and_followed_on_the_big_screen(t) {
        let office = t.session("office").await;
        let (campaign, _) = campaign_with_task(&t, &t.token("office").await).await;
        let form = |name: &'static str, risk: &'static str| {
            vec![("campaign_id", campaign.to_string()), ("quiz_name", name.to_owned()), ("base", "100".into()),
                ("compulsory_points", "10".into()), ("compulsory_penalty", "0".into()), ("buzzer_points", "20".into()),
                ("risk_values", risk.to_owned())]
        };
        let send = |fields: Vec<(&'static str, String)>| {
            let (t, office) = (&t, &office);
            async move {
                let mut all = vec![("csrf", office.csrf().to_owned())];
                all.extend(fields);
                let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.form("/quizzes", office, &borrowed).await
            }
        };
        let garbled = send(form("七地市知识竞赛", "20 四十")).await;
        assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(garbled.text().contains("20 四十") && garbled.text().contains("七地市知识竞赛"), "said, input kept");
        let created = send(form("七地市知识竞赛", "20，40，60")).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let console = created.header("location").unwrap().to_owned();
        assert!(t.get("/contests", &office).await.text().contains("七地市知识竞赛"));

        let teams = format!("{console}/teams");
        for code in ["540100", "540200"] {
            let added = t.form(&teams, &office, &[("csrf", office.csrf()), ("unit_code", code)]).await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        }
        let unknown = t.form(&teams, &office, &[("csrf", office.csrf()), ("unit_code", "NOPE"), ("team_name", "无名队")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("找不到该单位") && unknown.text().contains("value=\"无名队\""));

        let page = t.get(&console, &office).await.text();
        let opened = t.form(&format!("{console}/advance"), &office,
            &[("csrf", office.csrf()), ("version", &hidden(&page, "version")), ("move", "open")]).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text());

        let page = t.get(&console, &office).await.text();
        assert!(page.contains("记录答题") && page.contains("拉萨市"), "{page}");
        let key = hidden(&page, "key");
        let team = page.split("name=\"team_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let answers = format!("{console}/answers");
        let no_stake = t.form(&answers, &office, &[("csrf", office.csrf()), ("key", &key), ("question", "1"),
            ("team_id", &team), ("kind", "risk"), ("outcome", "correct")]).await;
        assert_eq!(no_stake.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_stake.text().contains("风险题请选择该队所选的分值"), "said beside the field");
        let fields = [("csrf", office.csrf()), ("key", key.as_str()), ("question", "1"), ("team_id", team.as_str()),
            ("kind", "risk"), ("outcome", "correct"), ("stake", "40")];
        let recorded = t.form(&answers, &office, &fields).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text());
        assert!(recorded.header("location").unwrap().contains("question=1&kind=risk"), "the next answer starts from this question");
        // A double click: kept once.
        assert_eq!(t.form(&answers, &office, &fields).await.status, StatusCode::SEE_OTHER);

        let viewer = t.session("viewer").await;
        let screen = t.get(&format!("{console}/screen"), &viewer).await;
        assert_eq!(screen.status, StatusCode::OK);
        assert!(screen.text().contains("data-board-events") && screen.text().contains("140"), "{}", screen.text());
        let (status, kind, event) = first_event(&t, &format!("{console}/events"), &viewer).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/event-stream"));
        assert!(event.starts_with("event: board") && event.contains("140") && event.contains("风险题"), "{event}");

        let page = t.get(&console, &office).await.text();
        let answer = page.split("/quiz-events/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let quiz_id = console.rsplit('/').next().unwrap();
        let void = format!("/quiz-events/{answer}/void");
        let no_reason = t.form(&void, &office, &[("csrf", office.csrf()), ("quiz_id", quiz_id), ("reason", " ")]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text().contains("请填写作废原因"));
        let voided = t.form(&void, &office, &[("csrf", office.csrf()), ("quiz_id", quiz_id), ("reason", "计分员误录")]).await;
        assert_eq!(voided.status, StatusCode::SEE_OTHER, "{}", voided.text());
        let page = t.get(&console, &office).await.text();
        assert!(page.contains("已作废") && page.contains("计分员误录"), "the voided answer stays in the log");
        let viewer_page = t.get(&console, &viewer).await.text();
        assert!(!viewer_page.contains("记录答题"), "only the quiz master records");
    }
}

backend_test! {
    async fn the_demo_quiz_between_the_prefectures_is_half_played(t) {
        let quiz = pacesetter_app::demo::quiz::seed(&t.app).await.unwrap().0;
        let viewer = t.token("viewer").await;
        let standings = standings(&t, quiz, &viewer).await;
        assert_eq!(standings["quiz"]["status"], "open");
        let lines = standings["standings"].as_array().unwrap();
        assert_eq!(lines.len(), 7, "the 7 prefectures");
        let top: Vec<(&str, &str)> =
            lines[..3].iter().map(|l| (l["team"]["name"].as_str().unwrap(), l["score"].as_str().unwrap())).collect();
        assert_eq!(top, [("山南市", "180"), ("林芝市", "160"), ("昌都市", "140")], "{standings}");
        assert!(lines.iter().all(|l| l["playoff_due"] == false), "no podium tie mid-quiz");
        let log = t.get(&format!("/api/v1/quizzes/{quiz}/events"), &viewer).await.json();
        let voided: Vec<&Value> = log.as_array().unwrap().iter().filter(|e| !e["void_reason"].is_null()).collect();
        assert_eq!(voided.len(), 1, "one answer voided, with its reason");
        let page = t.get(&format!("/quizzes/{quiz}"), &t.session("office").await).await.text();
        assert!(page.contains("记录答题") && page.contains("计分员记错了参赛队"), "the console is ready for the next answer");
    }
}
