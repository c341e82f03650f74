//! Sign-in as an outsider sees it: what a failed attempt may leave behind, and that every
//! failure answers the same.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, each_backend};
use serde_json::json;
use sqlx::Row;

/// The longest `actor_name` in the audit log and the longest key in the throttle table.
async fn longest_kept(t: &TestApp) -> (i64, i64) {
    let mut conn = t.app.store.read().await.unwrap();
    let longest = |sql: &'static str| sqlx::query(sql);
    let audit =
        longest("SELECT COALESCE(MAX(LENGTH(actor_name)), 0) AS n FROM audit_log").fetch_one(&mut *conn).await.unwrap();
    let throttle =
        longest("SELECT COALESCE(MAX(LENGTH(key)), 0) AS n FROM login_throttle").fetch_one(&mut *conn).await.unwrap();
    (audit.try_get::<i64, _>("n").unwrap(), throttle.try_get::<i64, _>("n").unwrap())
}

#[tokio::test]
async fn a_huge_username_is_refused_without_being_kept() {
    each_backend!(|t| {
        // Under the JSON body limit, far over any username.
        let name = "x".repeat(200_000);
        let api = t
            .json(Method::POST, "/api/v1/auth/token", &Auth::None, json!({"username": name, "password": "whatever-1"}))
            .await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.json()["error"]["code"], "bad_credentials");
        // Three failures in a row make the account wait; start the pages' pair afresh.
        let mut conn = t.app.store.read().await.unwrap();
        sqlx::query("DELETE FROM login_throttle").execute(&mut *conn).await.unwrap();
        drop(conn);
        let page = t.form("/login", &Auth::None, &[("username", &name), ("password", "whatever-1")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        let (audit, throttle) = longest_kept(&t).await;
        assert!(audit <= 40, "audit_log keeps a shortened name, not {audit} characters");
        assert!(throttle <= 64, "login_throttle keeps no key of {throttle} characters");
        // A too-long password is no way around it either.
        let long_password = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "viewer", "password": "p".repeat(100_000)}),
            )
            .await;
        assert_eq!(long_password.status, StatusCode::UNAUTHORIZED);
    });
}

#[tokio::test]
async fn a_disabled_account_answers_like_a_wrong_password() {
    each_backend!(|t| {
        let office = t.token("office").await;
        let lhasa = t.token("lhasa").await;
        let id = t.get("/api/v1/me", &lhasa).await.json()["id"].as_i64().unwrap();
        let bearer = match &office {
            Auth::Bearer(value) => format!("Bearer {value}"),
            _ => unreachable!(),
        };
        let disable = axum::http::Request::post(format!("/api/v1/users/{id}/disable"))
            .header("authorization", bearer)
            .header("if-match", "\"1\"")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(t.send(disable).await.status, StatusCode::OK);
        let attempt = |password: &'static str| {
            t.json(Method::POST, "/api/v1/auth/token", &Auth::None, json!({"username": "lhasa", "password": password}))
        };
        let right = attempt("pacesetter-demo").await;
        let wrong = attempt("not-the-password").await;
        assert_eq!(right.status, StatusCode::UNAUTHORIZED);
        assert_eq!((right.status, right.body.clone()), (wrong.status, wrong.body.clone()), "{}", right.text());
        // Three failures in a row make the account wait; start the pages' pair afresh.
        let mut conn = t.app.store.read().await.unwrap();
        sqlx::query("DELETE FROM login_throttle").execute(&mut *conn).await.unwrap();
        drop(conn);
        let page = t.form("/login", &Auth::None, &[("username", "lhasa"), ("password", "pacesetter-demo")]).await;
        let wrong_page =
            t.form("/login", &Auth::None, &[("username", "lhasa"), ("password", "not-the-password")]).await;
        assert_eq!(page.status, wrong_page.status);
        assert_eq!(page.text(), wrong_page.text());
        // The audit log still says why.
        let mut conn = t.app.store.read().await.unwrap();
        let reasons: Vec<String> =
            sqlx::query("SELECT after_json FROM audit_log WHERE action = 'auth.login_failed' ORDER BY seq")
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String, _>("after_json").unwrap())
                .collect();
        assert!(reasons[0].contains("account_disabled") && reasons[1].contains("wrong_password"), "{reasons:?}");
    });
}
