//! Sign-in as an outsider sees it: what a failed attempt may leave behind, and that every
//! failure answers the same.

use axum::http::{Method, StatusCode};
use pacesetter_store::throttle;
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::json;
use sqlx::Row;

/// The longest `actor_name` in the audit log and the longest key in the throttle table.
async fn longest_kept(t: &TestApp) -> (i64, i64) {
    let mut conn = t.db.store.read().await.unwrap();
    let longest = |sql: &'static str| sqlx::query(sql);
    let audit =
        longest("SELECT COALESCE(MAX(LENGTH(actor_name)), 0) AS n FROM audit_log").fetch_one(&mut *conn).await.unwrap();
    let throttle =
        longest("SELECT COALESCE(MAX(LENGTH(key)), 0) AS n FROM login_throttle").fetch_one(&mut *conn).await.unwrap();
    (audit.try_get::<i64, _>("n").unwrap(), throttle.try_get::<i64, _>("n").unwrap())
}

backend_test! {
    async fn a_huge_username_is_refused_without_being_kept(t) {
        // Under the JSON body limit, far over any username.
        let name = "x".repeat(200_000);
        let api = t
            .json(Method::POST, "/api/v1/auth/token", &Auth::None, json!({"username": name, "password": "whatever-1"}))
            .await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.json()["error"]["code"], "bad_credentials");
        // Three failures in a row make the account wait; start the pages' pair afresh.
        let mut conn = t.db.store.read().await.unwrap();
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
    }
}

backend_test! {
    async fn a_disabled_account_answers_like_a_wrong_password(t) {
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
        let mut conn = t.db.store.read().await.unwrap();
        sqlx::query("DELETE FROM login_throttle").execute(&mut *conn).await.unwrap();
        drop(conn);
        let page = t.form("/login", &Auth::None, &[("username", "lhasa"), ("password", "pacesetter-demo")]).await;
        let wrong_page =
            t.form("/login", &Auth::None, &[("username", "lhasa"), ("password", "not-the-password")]).await;
        assert_eq!(page.status, wrong_page.status);
        assert_eq!(page.text(), wrong_page.text());
        // The audit log still says why.
        let mut conn = t.db.store.read().await.unwrap();
        let reasons: Vec<String> =
            sqlx::query("SELECT after_json FROM audit_log WHERE action = 'auth.login_failed' ORDER BY seq")
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String, _>("after_json").unwrap())
                .collect();
        assert!(reasons[0].contains("account_disabled") && reasons[1].contains("wrong_password"), "{reasons:?}");
    }
}

/// A sign-in from `address` (as the socket address; no header can change it).
fn token_request(address: [u8; 4], username: &str, password: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = axum::http::Request::post("/api/v1/auth/token")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"username": username, "password": password}).to_string()))
        .unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((address, 4000))));
    request
}

fn login_form_request(address: [u8; 4], username: &str, password: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(axum::body::Body::from(format!("username={username}&password={password}&next=%2Funits")))
        .unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((address, 4000))));
    request
}

backend_test! {
    async fn an_address_over_its_limit_still_lets_in_accounts_known_there(t) {
        let office = [192, 0, 2, 20];
        // Yesterday's sign-ins from the office's proxy address.
        assert_eq!(t.send(token_request(office, "viewer", "pacesetter-demo")).await.status, StatusCode::OK);
        assert_eq!(t.send(login_form_request(office, "lhasa", "pacesetter-demo")).await.status, StatusCode::SEE_OTHER);
        // Someone behind the same proxy fails ten times, each time with another name.
        for n in 0..10 {
            let failed = t.send(token_request(office, &format!("guess{n}"), "not-the-password")).await;
            assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
        }
        let stranger = t.send(token_request(office, "guess10", "not-the-password")).await;
        assert_eq!(stranger.status, StatusCode::TOO_MANY_REQUESTS, "the address is over its limit");
        let first_time = t.send(token_request(office, "office", "pacesetter-demo")).await;
        assert_eq!(first_time.status, StatusCode::TOO_MANY_REQUESTS, "an account new to the address waits");
        // Accounts that signed in from there before still get in, by the API and the page.
        let known = t.send(token_request(office, "viewer", "pacesetter-demo")).await;
        assert_eq!(known.status, StatusCode::OK, "{}", known.text());
        let page = t.send(login_form_request(office, "lhasa", "pacesetter-demo")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
        // A known account's wrong password still fails and counts against it.
        let wrong = t.send(token_request(office, "viewer", "not-the-password")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        // Another address is not affected at all.
        let elsewhere = t.send(token_request([198, 51, 100, 1], "office", "pacesetter-demo")).await;
        assert_eq!(elsewhere.status, StatusCode::OK);
        // A month without signing in from there, and the address is forgotten.
        let later = pacesetter_domain::Timestamp::now().plus_seconds(31 * 86_400);
        assert!(pacesetter_app::auth::throttle::sweep(&t.app, later).await.unwrap() >= 3);
    }
}

backend_test! {
    async fn a_known_account_that_keeps_failing_waits_like_everyone_at_its_address(t) {
        let office = [192, 0, 2, 21];
        assert_eq!(t.send(token_request(office, "viewer", "pacesetter-demo")).await.status, StatusCode::OK);
        for n in 0..10 {
            t.send(token_request(office, &format!("guess{n}"), "not-the-password")).await;
        }
        // Five failures of its own in the last minutes, the latest past the account's pause.
        let now = pacesetter_domain::Timestamp::now();
        let counter = throttle::Counter {
            window_start: now.plus_seconds(-120),
            failures: 5,
            last_failure_at: now.plus_seconds(-30),
        };
        let mut tx = t.db.store.write().await.unwrap();
        throttle::put(&mut tx, "user:viewer", counter).await.unwrap();
        tx.commit().await.unwrap();
        let refused = t.send(token_request(office, "viewer", "pacesetter-demo")).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text());
    }
}
