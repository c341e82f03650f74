//! The pages: languages, the unit forms with errors kept in place, and stale edits.

use axum::http::StatusCode;
use pacesetter_testkit::{Auth, backend_test};

backend_test! {
    async fn anonymous_visitors_are_sent_to_sign_in(t) {
        let response = t.get("/units", &Auth::None).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        assert_eq!(response.header("location"), Some("/login?next=/units"));
        let login = t.get("/login", &Auth::None).await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(login.text().contains("<html lang=\"zh-Hans\">"));
        assert!(login.text().contains("pacesetter-demo"), "the demo shows its accounts");
    }
}

backend_test! {
    async fn pages_follow_the_users_language_then_accept_language(t) {
        let english = t
            .send(
                axum::http::Request::get("/login")
                    .header("accept-language", "en-GB,en;q=0.9")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(english.text().contains("<html lang=\"en\">") && english.text().contains("Sign in"));
        let session = t.session("lhasa").await;
        let chinese = t.get("/units", &session).await.text();
        assert!(chinese.contains("组织与区划") && chinese.contains("拉萨市"));
        let switched = t.form("/settings/language", &session, &[("lang", "bo"), ("back", "/units")]).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        let tibetan = t.get("/units", &session).await.text();
        assert!(tibetan.contains("<html lang=\"bo\">"), "the choice is stored on the account");
        assert!(tibetan.contains("ཐོ་སུབ་པ།"), "attested Tibetan for sign out");
        assert!(tibetan.contains("ལྷ་ས་གྲོང་ཁྱེར"), "Lhasa shows its Tibetan name");
    }
}

backend_test! {
    async fn the_unit_form_keeps_input_and_shows_errors_next_to_fields(t) {
        let session = t.session("office").await;
        let region = t.unit_id("540000").await.to_string();
        let bad = t
            .form(
                "/units",
                &session,
                &[
                    ("csrf", session.csrf()),
                    ("parent_id", &region),
                    ("kind", "prefecture"),
                    ("name", ""),
                    ("name_bo", "ལྷོ་ཁ"),
                    ("code", "bad code"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text();
        assert!(html.contains("此项为必填项"), "the name error");
        assert!(html.contains("编码只能包含字母"), "the code error");
        assert!(html.contains("value=\"ལྷོ་ཁ\""), "input kept");
        let good = t
            .form(
                "/units",
                &session,
                &[
                    ("csrf", session.csrf()),
                    ("parent_id", &region),
                    ("kind", "prefecture"),
                    ("name", "示范市"),
                    ("code", "T-9"),
                ],
            )
            .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER);
        let location = good.header("location").unwrap().to_owned();
        let page = t.get(&location, &session).await.text();
        assert!(page.contains("示范市") && page.contains("T-9"));
    }
}

backend_test! {
    async fn a_stale_edit_shows_the_other_change_instead_of_overwriting_it(t) {
        let session = t.session("office").await;
        let id = t.unit_id("540100").await;
        let edit = |name: &'static str| {
            let csrf = session.csrf().to_owned();
            let path = format!("/units/{id}");
            let t = &t;
            let session = session.clone();
            async move {
                t.form(
                    &path,
                    &session,
                    &[("csrf", &csrf), ("version", "1"), ("kind", "prefecture"), ("name", name), ("code", "540100")],
                )
                .await
            }
        };
        assert_eq!(edit("拉萨市（甲）").await.status, StatusCode::SEE_OTHER);
        let second = edit("拉萨市（乙）").await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        let html = second.text();
        assert!(html.contains("该记录已被其他人修改"));
        assert!(html.contains("拉萨市（甲）"), "shows the other person's version");
        assert!(html.contains("name=\"version\" value=\"2\""), "saving again is a deliberate choice");
        assert!(html.contains("value=\"拉萨市（乙）\""), "keeps what this person typed");
    }
}

backend_test! {
    async fn a_unit_page_shows_its_subtree_and_people(t) {
        let session = t.session("viewer").await;
        let lhasa = t.unit_id("540100").await;
        let html = t.get(&format!("/units/{lhasa}"), &session).await.text();
        assert!(html.contains("城关区") && html.contains("拉萨市联络员") && html.contains("联络员"));
        assert!(!html.contains("/edit"), "a viewer gets no edit button");
        let liaison = t.session("lhasa").await;
        let shigatse = t.unit_id("540200").await;
        assert_eq!(t.get(&format!("/units/{shigatse}"), &liaison).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn moving_a_unit_from_its_edit_page(t) {
        let session = t.session("admin").await;
        let county = t.unit_id("540102").await;
        let path = format!("/units/{county}/move");
        let nowhere =
            t.form(&path, &session, &[("csrf", session.csrf()), ("version", "1"), ("parent_code", "NOPE")]).await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nowhere.text().contains("找不到上级单位") && nowhere.text().contains("value=\"NOPE\""));
        let wrong_kind =
            t.form(&path, &session, &[("csrf", session.csrf()), ("version", "1"), ("parent_code", "540000")]).await;
        assert!(wrong_kind.text().contains("该类型的单位不能放在这个上级单位下面"));
        let moved =
            t.form(&path, &session, &[("csrf", session.csrf()), ("version", "1"), ("parent_code", "540200")]).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER);
        let page = t.get(&format!("/units/{county}"), &session).await.text();
        assert!(page.contains("日喀则市"), "the breadcrumb shows the new parent");
    }
}

backend_test! {
    async fn the_list_narrows_to_a_subtree_and_keeps_it_while_searching(t) {
        let session = t.session("office").await;
        let shigatse = t.unit_id("540200").await;
        let html = t.get(&format!("/units?under={shigatse}&kind=county"), &session).await.text();
        assert!(html.contains("共 18 个单位"), "the 18 counties of Shigatse");
        assert!(html.contains(&format!("name=\"under\" value=\"{shigatse}\"")));
        let liaison = t.session("lhasa").await;
        assert_eq!(t.get(&format!("/units?under={shigatse}"), &liaison).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn each_role_lands_where_its_work_is(t) {
        let campaign = t.get("/api/v1/campaigns", &t.token("office").await).await.json()[0]["id"].clone();
        for (user, to) in [
            ("office", format!("/campaigns/{campaign}/dashboard")),
            ("lhasa", "/assignments".to_owned()),
            ("judge1", "/judging".to_owned()),
            ("admin", "/units".to_owned()),
            ("viewer", format!("/campaigns/{campaign}/dashboard")),
        ] {
            let session = t.session(user).await;
            let home = t.get("/", &session).await;
            assert_eq!((home.status, home.header("location")), (StatusCode::SEE_OTHER, Some(to.as_str())), "{user}");
        }
        // An inspector on no round reads the dashboard; on the demo's rounds, they land on the
        // one under way rather than the one being prepared or the one done.
        let inspector = t.session("inspector").await;
        let before = t.get("/", &inspector).await;
        assert_eq!(before.header("location"), Some(format!("/campaigns/{campaign}/dashboard").as_str()));
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let active = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap().active;
        let after = t.get("/", &inspector).await;
        assert_eq!(after.header("location"), Some(format!("/inspection-rounds/{}", active.0).as_str()));
        // A visitor is asked to sign in.
        assert!(t.get("/", &pacesetter_testkit::Auth::None).await.header("location").unwrap().starts_with("/login"));
    }
}

backend_test! {
    async fn a_task_list_says_whose_tasks_and_which_filter(t) {
        let lhasa = t.unit_id("540100").await;
        let office = t.session("office").await;
        let page = t.get(&format!("/assignments?unit={lhasa}&overdue=1"), &office).await.text();
        assert!(page.contains("<h1>任务清单 · 拉萨市 · 已超期</h1>"), "{page}");
        let liaison = t.session("lhasa").await;
        assert!(t.get("/assignments?light=red", &liaison).await.text().contains("<h1>我的任务 · 红灯</h1>"));
    }
}

backend_test! {
    async fn the_menu_shows_what_the_role_uses(t) {
        let nav = |html: String| {
            let start = html.find("<nav class=\"mainnav\"").unwrap();
            html[start..start + html[start..].find("</nav>").unwrap()].to_owned()
        };
        let judge = nav(t.get("/judging", &t.session("judge1").await).await.text());
        assert!(judge.contains("href=\"/contests\"") && !judge.contains("href=\"/assignments\""), "{judge}");
        let liaison = nav(t.get("/assignments", &t.session("lhasa").await).await.text());
        assert!(liaison.contains("href=\"/assignments\"") && liaison.contains("href=\"/inspections\""));
        assert!(!liaison.contains("href=\"/users\"") && !liaison.contains("href=\"/api/docs\""), "{liaison}");
        let office = nav(t.get("/assignments", &t.session("office").await).await.text());
        assert!(office.contains("href=\"/api/docs\"") && office.contains("href=\"/contests\""));
    }
}

backend_test! {
    async fn one_search_finds_units_tasks_findings_and_people_in_scope(t) {
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let office = t.session("office").await;
        let by_alias = t.get("/search?q=%E5%8C%BA%E5%8F%91%E6%94%B9%E5%A7%94", &office).await;
        assert_eq!(by_alias.status, StatusCode::OK);
        assert!(by_alias.text().contains("自治区发展和改革委员会"), "区发改委 finds the unit by its alias");
        let speech = t.get(&format!("/search?q={}", urlencode("演讲比赛")), &office).await.text();
        assert!(speech.contains("举办青年演讲比赛") && speech.contains("href=\"/assignments/"), "tasks");
        let people = t.get(&format!("/search?q={}", urlencode("联络员")), &office).await.text();
        assert!(people.contains("拉萨市联络员") && people.contains("href=\"/users/"), "people");
        let findings = t.get(&format!("/search?q={}", urlencode("台账")), &office).await.text();
        assert!(findings.contains("href=\"/findings/"), "findings: {findings}");
        // A liaison finds only what is theirs.
        let lhasa = t.session("lhasa").await;
        let elsewhere = t.get(&format!("/search?q={}", urlencode("日喀则")), &lhasa).await.text();
        assert!(!elsewhere.contains("href=\"/units/") && !elsewhere.contains("href=\"/assignments/"), "{elsewhere}");
        let long = t.get(&format!("/search?q={}", "a".repeat(300)), &office).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
