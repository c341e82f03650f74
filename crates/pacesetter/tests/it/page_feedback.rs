//! Feedback a person can see (issue 19, part 2): "已保存" at the top after a save, shown once;
//! a refused form summarised at the top with a link to each field, the input kept, and chosen
//! files named as needing to be chosen again.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::json;

use crate::plans::send_if_match;

/// A page fetched with the session and the notice cookie a redirect left.
async fn get_with_notice(
    t: &TestApp,
    path: &str,
    session: &Auth,
    set_cookie: &str,
) -> pacesetter_testkit::TestResponse {
    let Auth::Cookie { token, .. } = session else { panic!("a page session") };
    let notice = set_cookie.split(';').next().unwrap();
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, format!("pacesetter_session={token}; {notice}"))
        .body(Body::empty())
        .unwrap();
    t.send(request).await
}

backend_test! {
    async fn a_save_says_so_once_at_the_top(t) {
        let admin = t.session("admin").await;
        let id = t.unit_id("CY-JYT").await;
        let unit = t.get(&format!("/api/v1/units/{id}"), &t.token("admin").await).await.json();
        let version = unit["version"].to_string();
        let fields = [("csrf", admin.csrf()), ("version", &version), ("kind", "member_unit"), ("name", "自治区教育厅"),
            ("code", "CY-JYT"), ("aliases", "区教育厅")];
        let saved = t.form(&format!("/units/{id}"), &admin, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let cookie = saved.header("set-cookie").unwrap().to_owned();
        assert!(cookie.starts_with("notice=saved;") && cookie.contains("HttpOnly"), "{cookie}");

        let page = get_with_notice(&t, saved.header("location").unwrap(), &admin, &cookie).await;
        assert!(page.text().contains("class=\"alert alert-ok notice\" role=\"status\">已保存。"), "{}", page.text());
        assert!(page.header("set-cookie").unwrap().starts_with("notice=; Path=/; Max-Age=0"), "shown once");
        let plain = t.get(&format!("/units/{id}"), &admin).await.text();
        assert!(!plain.contains("已保存。"), "no notice without the cookie");

        // A value nobody set is not shown.
        let forged = get_with_notice(&t, &format!("/units/{id}"), &admin, "notice=<script>").await;
        assert!(!forged.text().contains("alert-ok notice"));
    }
}

backend_test! {
    async fn a_refused_report_is_summarised_at_the_top_with_the_input_kept(t) {
        let lhasa_api = t.token("lhasa").await;
        let list = t.get("/api/v1/assignments?state=in_progress", &lhasa_api).await.json();
        let assignment = &list["items"][0]["assignment"];
        let (id, version) = (assignment["id"].as_i64().unwrap(), assignment["version"].to_string());
        let lhasa = t.session("lhasa").await;
        let fields = [("csrf", lhasa.csrf()), ("version", &version), ("percent", "150"), ("comment", "已完成一半"),
            ("link_url", "https://example.org/report"), ("link_title", "报道")];
        let refused = t.upload(&format!("/assignments/{id}/update"), &lhasa, &fields, "进展.pdf", b"%PDF-1.4\n%%EOF\n").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text();
        let summary = page.find("error-summary").expect("a summary at the top");
        let form = page.find("name=\"percent\"").unwrap();
        assert!(summary < form, "the summary comes before the form");
        assert!(page[summary..].contains("<a href=\"#percent\">"), "it links to the field");
        assert!(page.contains("value=\"150\"") && page.contains("已完成一半"), "the input is kept");
        assert!(page.contains("value=\"https://example.org/report\"") && page.contains("value=\"报道\""), "the link too");
        assert!(page.contains("刚才选择的 1 个文件未上传，请重新选择。"), "the file must be chosen again");
        let now = t.get(&format!("/api/v1/assignments/{id}"), &lhasa_api).await.json();
        assert_eq!(now["assignment"]["version"].to_string(), version, "nothing was written");
    }
}

backend_test! {
    async fn a_returned_report_tells_the_unit_why_until_it_answers(t) {
        let (lhasa, office) = (t.token("lhasa").await, t.token("office").await);
        let list = t.get("/api/v1/assignments?state=in_progress", &lhasa).await.json();
        let id = list["items"][0]["assignment"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/assignments/{id}");
        let version = |v: &serde_json::Value| v["version"].to_string();
        let current = t.get(&path, &lhasa).await.json()["assignment"].clone();
        let report = json!({"percent": 80, "narrative": "已完成主体工作", "submit": true});
        let reported = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, &version(&current), report).await;
        assert_eq!(reported.json()["state"], "reported", "{}", reported.text());
        let back = json!({"step": "return", "comment": "缺少活动照片，请补充"});
        let returned = send_if_match(&t, Method::POST, &format!("{path}/steps"), &office, &version(&reported.json()), back).await;
        assert_eq!(returned.json()["state"], "returned", "{}", returned.text());

        // The liaison is told, with the reason and a link to the task.
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        let told = inbox.as_array().unwrap().iter().find(|n| n["kind"] == "returned").expect("a notification");
        assert!(told["body"].as_str().unwrap().contains("缺少活动照片，请补充"));
        assert_eq!(told["link"], format!("/assignments/{id}"));

        // The reason stands at the top of the task until the unit answers it.
        let session = t.session("lhasa").await;
        let page = t.get(&format!("/assignments/{id}"), &session).await.text();
        let banner = page.find("报送被退回，原因：").expect("the reason at the top");
        assert!(banner < page.find("name=\"percent\"").unwrap() && page[banner..].contains("缺少活动照片，请补充"));
        let answer = json!({"percent": 85, "narrative": "已补充照片"});
        let answered = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, &version(&returned.json()), answer).await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.text());
        assert!(!t.get(&format!("/assignments/{id}"), &session).await.text().contains("报送被退回，原因："));
    }
}
