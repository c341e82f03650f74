//! The demo's evaluation on every backend: a 100-point scheme ranking the 7 prefectures and the
//! lead departments in their own categories, self and inspector scores, bonus and deduction
//! items, a draft trial run and a published run whose bulletin downloads.

use axum::http::StatusCode;
use pacesetter_testkit::backend_test;

backend_test! {
    async fn the_demo_has_an_evaluation_with_a_published_and_a_draft_run(t) {
        let (scheme, draft, published) = pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let viewer = t.token("viewer").await;

        let evaluation = t.get(&format!("/api/v1/evaluations/{}", scheme.0), &office).await.json();
        assert_eq!(evaluation["name"], pacesetter_app::demo::evaluation::SCHEME_NAME);
        assert_eq!(evaluation["scheme"]["total_points"], "100");
        let categories: Vec<&str> =
            evaluation["units"].as_array().unwrap().iter().map(|u| u["category"].as_str().unwrap()).collect();
        assert_eq!(categories.iter().filter(|c| **c == "地市").count(), 7);
        assert_eq!(categories.iter().filter(|c| **c == "牵头部门").count(), 9);

        let runs = t.get(&format!("/api/v1/evaluations/{}/runs", scheme.0), &office).await.json();
        let kinds: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["published", "draft"], "{runs}");
        assert_eq!(runs[1]["id"], draft);

        let results = t.get(&format!("/api/v1/evaluations/runs/{published}"), &office).await.json();
        let lines = results["results"].as_array().unwrap();
        assert_eq!(lines.len(), 16);
        assert!(lines.iter().any(|l| l["bonus"] != "0"), "bonus items count");
        assert!(lines.iter().any(|l| l["deductions"] != "0"), "deduction items count");
        assert!(lines.iter().any(|l| !l["flagged_leaves"].as_array().unwrap().is_empty()), "self and inspector differ");
        let firsts = lines.iter().filter(|l| l["rank"] == 1).count();
        assert!(firsts >= 2, "ranked within each category");
        let scores: Vec<f64> = lines.iter().map(|l| l["final_score"].as_str().unwrap().parse().unwrap()).collect();
        assert!(scores.iter().all(|s| (60.0..=100.0).contains(s)), "plausible scores: {scores:?}");

        // The published run's bulletin, for anyone signed in; the draft has none.
        let xlsx = t.get(&format!("/api/v1/evaluations/runs/{published}/bulletin.xlsx"), &viewer).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text());
        let pdf = t.get(&format!("/api/v1/evaluations/runs/{published}/bulletin.pdf"), &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        assert!(text.contains("2023年民族团结进步模范区创建工作计划") && text.contains("ལྷ་ས་གྲོང་ཁྱེར"));
        // Every part of a score with the scheme's 2 decimals, in the bulletin and on the run's page.
        let more_than_two = |text: &str| -> Vec<String> {
            text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter(|w| w.split_once('.').is_some_and(|(whole, part)| !whole.is_empty() && part.len() > 2))
                .map(str::to_owned)
                .collect()
        };
        let cells = pdf_extract::extract_text_from_mem(&pdf.body).unwrap();
        assert_eq!(more_than_two(&cells), Vec::<String>::new(), "the bulletin: {cells}");
        assert!(text.contains("97.38") && !text.contains("97.375"), "Lhasa's base as its final score is shown");
        assert!(text.contains("2023年6月30日发布"), "dated on the campaign's day, within its year: {text}");
        let run_page = t.get(&format!("/evaluations/runs/{published}"), &t.session("office").await).await.text();
        assert_eq!(more_than_two(&run_page), Vec::<String>::new(), "the run's page");
        let none = t.get(&format!("/api/v1/evaluations/runs/{draft}/bulletin.pdf"), &office).await;
        assert_eq!(none.status, StatusCode::CONFLICT);

        // Each unit's explanation shows its scores and sums with the scheme's 2 decimals, like
        // its final score (not 97.375 beside 99.38), and a computed leaf by how it was computed,
        // never as an exact quotient such as 0.9333333333333333333333333333. What a unit typed
        // (a rate of 0.962) stays as typed.
        let page = t.session("office").await;
        let mut long = Vec::new();
        for line in lines {
            let path = format!("/evaluations/runs/{published}/explain?unit_id={}", line["unit_id"]);
            let text = t.get(&path, &page).await.text();
            assert!(!text.contains("0.93333") && !text.contains("0.63333"), "{text}");
            let scores = text.split("<strong>").skip(1).chain(text.split("<dd class=\"mono\">").skip(1));
            let shown = scores.map(|s| s.split('<').next().unwrap_or_default().to_owned());
            long.extend(shown.flat_map(|s| {
                s.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .filter(|w| w.split_once('.').is_some_and(|(whole, part)| !whole.is_empty() && part.len() > 2))
                    .map(|w| format!("{}: {w}", line["unit_id"]))
                    .collect::<Vec<_>>()
            }));
        }
        assert!(long.is_empty(), "{long:?}");
    }
}

backend_test! {
    async fn a_schemes_units_are_read_a_page_at_a_time_and_only_where_the_caller_sees(t) {
        use pacesetter_app::{
            PageRequest,
            evaluations::{self, entries, pages},
        };
        let (scheme, _, published) = pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let office = t.actor("office").await;
        let lhasa = t.actor("lhasa").await;
        let lhasa_unit = pacesetter_domain::UnitId(t.unit_id("540100").await);

        // 16 units, 5 a page: the second page holds the 6th to the 10th, in the scheme's order.
        let every = entries::every_member_line(&t.app, &office, scheme).await.unwrap();
        assert_eq!(every.len(), 16);
        let second = entries::member_lines(&t.app, &office, scheme, None, PageRequest::new(Some(2), Some(5))).await.unwrap();
        assert_eq!((second.total, second.page, second.items.len()), (16, 2, 5));
        let ids = |lines: &[entries::MemberLine]| lines.iter().map(|l| l.unit.id).collect::<Vec<_>>();
        assert_eq!(ids(&second.items), ids(&every[5..10]));
        // A page past the end is the last one; each line carries its leaves.
        let past = entries::member_lines(&t.app, &office, scheme, None, PageRequest::new(Some(99), Some(5))).await.unwrap();
        assert_eq!((past.page, ids(&past.items)), (4, ids(&every[15..])));
        assert!(past.items.iter().chain(&second.items).all(|l| !l.member.self_leaves.is_empty()));
        let whole = evaluations::members(&t.app, &office, scheme).await.unwrap();
        assert_eq!(whole.iter().map(|m| m.unit_id).collect::<Vec<_>>(), ids(&every));

        // A prefecture's liaison sees its own line only, and may fill it in.
        let own = entries::member_lines(&t.app, &lhasa, scheme, None, PageRequest::default()).await.unwrap();
        assert_eq!((own.total, ids(&own.items)), (1, vec![lhasa_unit]));
        assert!(own.items[0].can_self_assess && !own.items[0].can_inspect);
        let members = evaluations::members(&t.app, &lhasa, scheme).await.unwrap();
        assert_eq!(members.iter().map(|m| m.unit_id).collect::<Vec<_>>(), [lhasa_unit]);
        let published = pacesetter_domain::evaluation::records::RunId(published);
        let run = pages::run_page(&t.app, &lhasa, published, &Default::default(), &[]).await.unwrap();
        assert_eq!(run.answers_for.iter().map(|u| u.id).collect::<Vec<_>>(), [lhasa_unit]);
        assert_eq!((run.answers_for_total, run.results.results.total), (1, 1));

        // A search by name or code, on the page as well; an over-long one is refused.
        let found = entries::member_lines(&t.app, &office, scheme, Some(" 拉萨 "), PageRequest::default()).await.unwrap();
        assert_eq!((found.total, ids(&found.items)), (1, vec![lhasa_unit]));
        let by_code = entries::member_lines(&t.app, &office, scheme, Some("540100"), PageRequest::default()).await;
        assert_eq!(ids(&by_code.unwrap().items), [lhasa_unit]);
        let session = t.session("office").await;
        let page = t.get(&format!("/evaluations/{}?q=%E6%8B%89%E8%90%A8", scheme.0), &session).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("拉萨市") && !html.contains("日喀则市") && html.contains("共 1 个参评单位"), "{html}");
        let none = t.get(&format!("/evaluations/{}?q=%25_%25", scheme.0), &session).await.text();
        assert!(none.contains("没有名称或编码含此内容的参评单位"), "LIKE's wildcards are taken literally");
        let long = t.get(&format!("/evaluations/{}?q={}", scheme.0, "x".repeat(300)), &session).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The office's items page: every item once, in the units' order, a page at a time.
        let items = pages::items_page(&t.app, &office, scheme, PageRequest::new(Some(1), Some(2))).await.unwrap();
        assert!(items.items.total > 2, "the demo has items: {}", items.items.total);
        assert_eq!(items.items.items.len(), 2);
        assert_eq!(items.members.len(), 16);
        let position = |unit| every.iter().position(|l| l.unit.id == unit).unwrap();
        let (first, next) = (&items.items.items[0], &items.items.items[1]);
        assert!(position(first.1.id) <= position(next.1.id) && first.0.unit_id == first.1.id);
        let refused = pages::items_page(&t.app, &lhasa, scheme, PageRequest::default()).await;
        assert!(matches!(refused, Err(pacesetter_app::AppError::Forbidden)), "{refused:?}");
    }
}

backend_test! {
    async fn a_runs_results_are_read_a_page_at_a_time_in_rank_order(t) {
        use pacesetter_app::{
            PageRequest,
            evaluations::{entries, runs},
        };
        let (scheme, _, published) = pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let published = pacesetter_domain::evaluation::records::RunId(published);
        let office = t.actor("office").await;
        // A veto leaves a unit of each category out of the ranking (after the published run,
        // items are added only for a unit under appeal): each category then has a ranked part
        // and an unranked one, which a page reads one after the other.
        let every = entries::every_member_line(&t.app, &office, scheme).await.unwrap();
        for category in ["地市", "牵头部门"] {
            let unit = every.iter().find(|l| l.member.category == category).unwrap().unit.id;
            pacesetter_app::evaluations::appeals::file(&t.app, &office, published, unit, "复核").await.unwrap();
            let veto = serde_json::json!({"kind": "veto", "effect": {"kind": "exclude_from_ranking"}});
            let item = entries::ItemInput { unit, effect: veto, source: "一票否决".into(), source_link: None };
            entries::add_item(&t.app, &office, scheme, &item).await.unwrap();
        }
        let run = runs::run(&t.app, &office, scheme).await.unwrap();
        let all: Vec<i64> = run.results.iter().map(|l| l.unit).collect();
        assert_eq!(run.results.iter().filter(|l| l.rank.is_none()).count(), 2, "{:?}", run.results);
        let id = run.run.id;

        // Five a page: every line once, in the order of the whole, across both categories.
        let wanted = |category: Option<&str>, search: Option<&str>, page: i64| runs::ResultsQuery {
            category: category.map(str::to_owned),
            search: search.map(str::to_owned),
            page: PageRequest::new(Some(page), Some(5)),
        };
        let mut paged = Vec::new();
        for page in 1..=4 {
            let shown = runs::results(&t.app, &office, id, &wanted(None, None, page)).await.unwrap();
            assert_eq!((shown.results.total, shown.results.page), (16, page));
            paged.extend(shown.results.items.iter().map(|l| l.unit));
        }
        assert_eq!(paged, all);
        let first = runs::results(&t.app, &office, id, &wanted(None, None, 1)).await.unwrap();
        let counts: Vec<(&str, i64, i64)> =
            first.categories.iter().map(|c| (c.category.as_str(), c.lines, c.ranked)).collect();
        assert_eq!(counts, [("地市", 7, 6), ("牵头部门", 9, 8)]);

        // One category; a page past the end is the last one.
        let departments = runs::results(&t.app, &office, id, &wanted(Some("牵头部门"), None, 9)).await.unwrap();
        assert_eq!((departments.results.total, departments.results.page), (9, 2));
        let shown: Vec<i64> = departments.results.items.iter().map(|l| l.unit).collect();
        assert_eq!(shown, all[12..]);
        assert_eq!(departments.categories.len(), 2, "the filter still offers every category");

        // A search by name keeps the unit's true rank.
        let lhasa = t.unit_id("540100").await;
        let found = runs::results(&t.app, &office, id, &wanted(None, Some("拉萨"), 1)).await.unwrap();
        let line = run.results.iter().find(|l| l.unit == lhasa).unwrap();
        assert_eq!(found.results.items.iter().map(|l| (l.unit, l.rank)).collect::<Vec<_>>(), [(lhasa, line.rank)]);
        let long = runs::results(&t.app, &office, id, &wanted(None, Some(&"x".repeat(300)), 1)).await;
        assert!(matches!(long, Err(pacesetter_app::AppError::Unprocessable { code: "search_too_long", .. })));

        // A prefecture's liaison reads only its own line of the published run.
        let liaison = t.actor("lhasa").await;
        let own = runs::results(&t.app, &liaison, published, &wanted(None, None, 1)).await.unwrap();
        assert_eq!(own.results.items.iter().map(|l| l.unit).collect::<Vec<_>>(), [lhasa]);
        assert_eq!(own.categories.iter().map(|c| (c.category.as_str(), c.lines)).collect::<Vec<_>>(), [("地市", 1)]);
        let appealed = |page: &runs::ResultsPage| page.appeals.iter().map(|a| a.unit_id.0).collect::<Vec<_>>();
        assert_eq!(appealed(&own), [lhasa], "the appeals of its own units only");
        let everything = runs::results(&t.app, &office, published, &wanted(None, None, 1)).await.unwrap();
        assert_eq!(appealed(&everything).len(), 2);

        // Over the API: the page, its counts and the categories; a bad search is a 422.
        let token = t.token("office").await;
        let body = t.get(&format!("/api/v1/evaluations/runs/{id}?per_page=5&page=2"), &token).await.json();
        let units: Vec<i64> = body["results"].as_array().unwrap().iter().map(|l| l["unit_id"].as_i64().unwrap()).collect();
        assert_eq!(units, all[5..10]);
        assert_eq!((body["total"].as_i64(), body["page"].as_i64(), body["per_page"].as_i64()), (Some(16), Some(2), Some(5)));
        assert_eq!(body["categories"][1], serde_json::json!({"name": "牵头部门", "units": 9, "ranked": 8}));
        let one = t.get(&format!("/api/v1/evaluations/runs/{id}?category=%E5%9C%B0%E5%B8%82"), &token).await.json();
        assert_eq!(one["total"], 7);
        let long = t.get(&format!("/api/v1/evaluations/runs/{id}?q={}", "x".repeat(300)), &token).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.json()["error"]["code"], "search_too_long");

        // On the page: the filter keeps what was chosen, and the count says how many matched.
        let session = t.session("office").await;
        let html = t.get(&format!("/evaluations/runs/{id}?category=%E7%89%B5%E5%A4%B4%E9%83%A8%E9%97%A8&q="), &session).await.text();
        assert!(html.contains("<option value=\"牵头部门\" selected>") && html.contains("共 9 个参评单位"), "{html}");
        assert!(!html.contains("拉萨市"), "another category's units are not shown");
        let html = t.get(&format!("/evaluations/runs/{id}?q=%E6%8B%89%E8%90%A8"), &session).await.text();
        assert!(html.contains("拉萨市") && html.contains("共 1 个参评单位") && !html.contains("class=\"pager\""), "{html}");
        let none = t.get(&format!("/evaluations/runs/{id}?q=%25_%25"), &session).await.text();
        assert!(none.contains("没有名称或编码含此内容的参评单位"), "{none}");

        // An appeal naming a unit that cannot be found comes back with the reason kept.
        let liaison = t.session("lhasa").await;
        let fields = [("csrf", liaison.csrf()), ("unit_code", "没有这个单位"), ("reason", "加分事项漏计")];
        let refused = t.form(&format!("/evaluations/runs/{}/appeals", published.0), &liaison, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains(">加分事项漏计</textarea>"), "{}", refused.text());
    }
}
