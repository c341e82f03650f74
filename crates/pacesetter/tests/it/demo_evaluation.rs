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
        let run = pages::run_page(&t.app, &lhasa, pacesetter_domain::evaluation::records::RunId(published)).await.unwrap();
        assert_eq!(run.answers_for, [lhasa_unit]);

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
