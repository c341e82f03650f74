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
