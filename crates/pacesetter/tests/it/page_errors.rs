//! How pages refuse: a wrong form token, a body that is not the form, and an error page that
//! keeps the signed-in person's menu and language.

use axum::http::StatusCode;
use pacesetter_testkit::backend_test;

backend_test! {
    async fn an_error_page_keeps_the_menu_of_the_signed_in_person(t) {
        let session = t.session("office").await;
        let missing = t.get("/units/999999", &session).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let html = missing.text();
        assert!(html.contains("找不到"), "says what is missing: {html}");
        assert!(html.contains("action=\"/logout\""), "shows the menu of whoever is signed in");
    }
}

backend_test! {
    async fn an_address_whose_query_cannot_be_read_is_an_error_page_in_the_visitors_language(t) {
        let session = t.session("office").await;
        for path in ["/assignments?page=abc", "/units?page=-", "/inbox?page=1.5"] {
            let refused = t.get(path, &session).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
            let html = refused.text();
            assert!(html.contains("网址中的参数无法识别") && html.contains("action=\"/logout\""), "{path}: {html}");
            assert!(!html.contains("Failed to deserialize"), "{path}: not the framework's English");
        }
    }
}

backend_test! {
    async fn a_form_with_a_wrong_token_or_a_garbled_field_changes_nothing(t) {
        let session = t.session("admin").await;
        let id = t.unit_id("540100").await;
        let path = format!("/units/{id}/archive");
        let forged = t.form(&path, &session, &[("csrf", "forged"), ("version", "1")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.text().contains("表单已过期"));
        let garbled = t.form(&path, &session, &[("csrf", session.csrf()), ("version", "one")]).await;
        assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(garbled.text().contains("action=\"/logout\""), "an error page, not plain text");
        let page = t.get(&format!("/units/{id}"), &session).await.text();
        assert!(!page.contains("已归档"), "the unit is not archived");
    }
}

backend_test! {
    async fn every_form_of_a_signed_in_page_checks_its_token(t) {
        let session = t.session("admin").await;
        let routes = pacesetter_web::authz::matrix().unwrap();
        let forms = routes.iter().filter(|r| {
            // Forms before a session exists carry no form token (Fetch Metadata guards them).
            r.method == "POST"
                && !r.path.starts_with("/api/")
                && !matches!(r.access, pacesetter_web::authz::Access::Public | pacesetter_web::authz::Access::SignInStep)
        });
        let mut checked = 0;
        for route in forms {
            let path = route.path.replace("{id}", "1").replace("{unit}", "1");
            let fields = [("csrf", "forged"), ("version", "1")];
            let mut refused = t.form(&path, &session, &fields).await;
            if refused.status != StatusCode::FORBIDDEN {
                // A form that sends files is read as multipart only.
                refused = t.multipart(&path, &session, &fields, &[]).await;
            }
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "POST {} takes a forged form token", route.path);
            assert!(refused.text().contains("表单已过期"), "POST {} says why", route.path);
            checked += 1;
        }
        assert!(checked > 50, "the inventory lists the page forms ({checked})");
    }
}

backend_test! {
    async fn a_unit_typed_into_a_form_that_is_not_there_is_said_next_to_the_field(t) {
        let session = t.session("admin").await;
        let huge = "拉".repeat(1_000); // longer than any search
        for typed in ["NOPE", huge.as_str()] {
            let fields = [
                ("csrf", session.csrf()),
                ("username", "new-liaison"),
                ("display_name", "新联络员"),
                ("password", "a long enough password"),
                ("unit_code", typed),
            ];
            let refused = t.form("/users", &session, &fields).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            let html = refused.text();
            assert!(html.contains("找不到该单位"), "says the unit is not found");
            assert!(html.contains("value=\"new-liaison\""), "keeps the input");
        }
        let users = t.get("/api/v1/users?q=new-liaison", &t.token("admin").await).await.json();
        assert_eq!(users["total"], 0, "no account was made");
    }
}

backend_test! {
    async fn a_form_past_the_limit_is_an_error_page_before_and_after_signing_in(t) {
        let huge = "码".repeat(400_000);
        let login = t.form("/login", &pacesetter_testkit::Auth::None, &[("username", "office"), ("password", &huge)]).await;
        assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(login.text().contains("提交的内容过大"), "{}", login.text());
        assert!(login.text().contains("<html"), "a page, not plain text");
        let session = t.session("office").await;
        let form = t.form("/logout", &session, &[("csrf", session.csrf()), ("x", &huge)]).await;
        assert_eq!(form.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(form.text().contains("提交的内容过大"));
    }
}
