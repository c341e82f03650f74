//! Sign-in, sessions, tokens, throttling and immediate revocation.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::json;

backend_test! {
    async fn logout_ends_the_session_on_the_server(t) {
        let session = t.session("lhasa").await;
        assert_eq!(t.get("/units", &session).await.status, StatusCode::OK);
        let logout = t.form("/logout", &session, &[("csrf", session.csrf())]).await;
        assert_eq!(logout.status, StatusCode::SEE_OTHER);
        assert!(logout.header("set-cookie").unwrap().contains("Max-Age=0"));
        // Replaying the old cookie no longer works.
        let replay = t.get("/units", &session).await;
        assert_eq!(replay.status, StatusCode::SEE_OTHER);
        assert!(replay.header("location").unwrap().starts_with("/login"));
        assert_eq!(t.get("/api/v1/me", &session).await.status, StatusCode::UNAUTHORIZED);
    }
}

backend_test! {
    async fn session_cookies_are_http_only_and_same_site(t) {
        let login = t.form("/login", &Auth::None, &[("username", "office"), ("password", "pacesetter-demo")]).await;
        let cookie = login.header("set-cookie").unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
            "{cookie}"
        );
        let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
        assert_eq!(token.len(), 64, "256 random bits as hex");
    }
}

backend_test! {
    async fn unknown_users_and_wrong_passwords_look_the_same(t) {
        let wrong = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "lhasa", "password": "not-it-at-all"}),
            )
            .await;
        let unknown = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "nobody", "password": "not-it-at-all"}),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, unknown.status);
        assert_eq!(wrong.body, unknown.body);
        let page = t.form("/login", &Auth::None, &[("username", "lhasa"), ("password", "nope-nope")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.text().contains("用户名或密码错误"), "the form shows the error");
        assert!(page.text().contains("value=\"lhasa\""), "and keeps the username");
    }
}

backend_test! {
    async fn repeated_failures_from_one_address_are_throttled(backend: Backend) {
        // The throttle keys on the socket address; give requests one through ConnectInfo.
        let t = TestApp::new(backend).await;
        let attempt = |password: &'static str| {
            let mut request = axum::http::Request::post("/api/v1/auth/token")
                .header("content-type", "application/json")
                .header("x-forwarded-for", format!("10.0.0.{}", password.len()))
                .body(axum::body::Body::from(json!({"username": "viewer", "password": password}).to_string()))
                .unwrap();
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([192, 0, 2, 7], 4000))));
            request
        };
        let mut statuses = Vec::new();
        for _ in 0..11 {
            statuses.push(t.send(attempt("wrong-password")).await.status);
        }
        assert!(statuses[..3].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
        let limited = t.send(attempt("pacesetter-demo")).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "spoofed X-Forwarded-For does not reset the limit");
        assert!(limited.header("retry-after").is_some());
        assert_eq!(limited.json()["error"]["code"], "rate_limited");
        t.remove().await;
    }
}

backend_test! {
    async fn a_revoked_grant_stops_working_on_the_next_request(t) {
        let lhasa = t.token("lhasa").await;
        let lhasa_id = t.unit_id("540100").await;
        assert_eq!(t.get(&format!("/api/v1/units/{lhasa_id}"), &lhasa).await.status, StatusCode::OK);
        let admin = t.token("admin").await;
        let me = t.get("/api/v1/me", &lhasa).await.json();
        let user_id = me["id"].as_i64().unwrap();
        let detail = t.get(&format!("/api/v1/users/{user_id}"), &admin).await.json();
        let grant_id = detail["grants"][0]["id"].as_i64().unwrap();
        let revoked = t.json(Method::DELETE, &format!("/api/v1/grants/{grant_id}"), &admin, json!({})).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get(&format!("/api/v1/units/{lhasa_id}"), &lhasa).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/units", &lhasa).await.json()["total"], 0);
        // Granting it back works at once too.
        let granted = t
            .json(
                Method::POST,
                &format!("/api/v1/users/{user_id}/grants"),
                &admin,
                json!({"role": "liaison", "unit_id": lhasa_id}),
            )
            .await;
        assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text());
        assert_eq!(t.get(&format!("/api/v1/units/{lhasa_id}"), &lhasa).await.status, StatusCode::OK);
    }
}

backend_test! {
    async fn accounts_follow_the_password_policy_and_only_admins_grant_admin(t) {
        let office = t.token("office").await;
        let lhasa = t.unit_id("540100").await;
        let short = t
            .json(
                Method::POST,
                "/api/v1/users",
                &office,
                json!({"username": "nq1", "display_name": "那曲联络员", "password": "short", "unit_id": lhasa}),
            )
            .await;
        assert_eq!(short.json()["error"]["details"][0]["code"], "password_too_short");
        let common = t
            .json(
                Method::POST,
                "/api/v1/users",
                &office,
                json!({"username": "nq1", "display_name": "那曲联络员", "password": "password123", "unit_id": lhasa}),
            )
            .await;
        assert_eq!(common.json()["error"]["details"][0]["code"], "password_too_common");
        let created = t
            .json(
                Method::POST,
                "/api/v1/users",
                &office,
                json!({"username": "nq1", "display_name": "联络员", "password": "grassland-horse-7", "unit_id": lhasa}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let admin_grant = t
            .json(
                Method::POST,
                &format!("/api/v1/users/{id}/grants"),
                &office,
                json!({"role": "admin", "unit_id": lhasa}),
            )
            .await;
        assert_eq!(admin_grant.status, StatusCode::FORBIDDEN);
        let taken = t
            .json(
                Method::POST,
                "/api/v1/users",
                &office,
                json!({"username": "nq1", "display_name": "x", "password": "grassland-horse-7", "unit_id": lhasa}),
            )
            .await;
        assert_eq!(taken.json()["error"]["details"][0]["code"], "username_taken");
        let token = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "nq1", "password": "grassland-horse-7"}),
            )
            .await;
        assert_eq!(token.status, StatusCode::OK);
    }
}

backend_test! {
    async fn cross_site_form_posts_are_refused(t) {
        let session = t.session("office").await;
        let region = t.unit_id("540000").await;
        let token = match &session {
            Auth::Cookie { token, .. } => token.clone(),
            _ => unreachable!(),
        };
        let request = axum::http::Request::post("/units")
            .header("cookie", format!("pacesetter_session={token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body(axum::body::Body::from(format!(
                "csrf={}&parent_id={region}&kind=prefecture&name=evil",
                session.csrf()
            )))
            .unwrap();
        assert_eq!(t.send(request).await.status, StatusCode::FORBIDDEN);
        // Same site but without the form token: refused too.
        let missing = t
            .form("/units", &session, &[("parent_id", &region.to_string()), ("kind", "prefecture"), ("name", "evil")])
            .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        let admin = t.token("admin").await;
        assert_eq!(t.get("/api/v1/units?kind=prefecture", &admin).await.json()["total"], 7);
    }
}

backend_test! {
    async fn disabling_an_account_ends_its_sessions_and_tokens_at_once(t) {
        let session = t.session("lhasa").await;
        let token = t.token("lhasa").await;
        let user_id = t.get("/api/v1/me", &token).await.json()["id"].as_i64().unwrap();
        let office = t.token("office").await;
        let bearer = match &office {
            Auth::Bearer(value) => format!("Bearer {value}"),
            _ => unreachable!(),
        };
        let post = |path: String, etag: &'static str| {
            axum::http::Request::post(path)
                .header("authorization", bearer.clone())
                .header("if-match", etag)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let disabled = t.send(post(format!("/api/v1/users/{user_id}/disable"), "\"1\"")).await;
        assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text());
        assert_eq!(disabled.json()["disabled"], true);
        assert_eq!(t.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(t.get("/units", &session).await.status, StatusCode::SEE_OTHER);
        let login = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "lhasa", "password": "pacesetter-demo"}),
            )
            .await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED);
        let enabled = t.send(post(format!("/api/v1/users/{user_id}/enable"), "\"2\"")).await;
        assert_eq!(enabled.status, StatusCode::OK);
        assert_eq!(t.token("lhasa").await.csrf(), "", "signs in again");
    }
}

backend_test! {
    async fn a_password_reset_and_sign_out_everywhere_end_old_sessions(t) {
        let session = t.session("viewer").await;
        let admin = t.token("admin").await;
        let viewer_id = t.get("/api/v1/me", &t.token("viewer").await).await.json()["id"].as_i64().unwrap();
        let weak = t
            .json(Method::POST, &format!("/api/v1/users/{viewer_id}/password"), &admin, json!({"password": "12345678"}))
            .await;
        assert_eq!(weak.json()["error"]["details"][0]["code"], "password_too_common");
        let reset = t
            .json(
                Method::POST,
                &format!("/api/v1/users/{viewer_id}/password"),
                &admin,
                json!({"password": "yak-butter-tea-42"}),
            )
            .await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get("/units", &session).await.status, StatusCode::SEE_OTHER, "old session ended");
        let fresh = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "viewer", "password": "yak-butter-tea-42"}),
            )
            .await;
        assert_eq!(fresh.status, StatusCode::OK);
        let token = Auth::Bearer(fresh.json()["token"].as_str().unwrap().to_owned());
        // Anyone may sign themselves out everywhere; their tokens stop working too.
        let out =
            t.json(Method::POST, &format!("/api/v1/users/{viewer_id}/sign-out-everywhere"), &token, json!({})).await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.text());
        assert_eq!(t.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED);
    }
}

backend_test! {
    async fn editing_an_account_in_the_page_keeps_input_and_detects_a_stale_version(t) {
        let session = t.session("office").await;
        let lhasa = t.get("/api/v1/me", &t.token("lhasa").await).await.json();
        let id = lhasa["id"].as_i64().unwrap();
        let path = format!("/users/{id}");
        let bad = t
            .form(
                &path,
                &session,
                &[("csrf", session.csrf()), ("version", "1"), ("display_name", "联络员"), ("unit_code", "NOPE")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("找不到该单位") && bad.text().contains("value=\"NOPE\""));
        let good = t
            .form(
                &path,
                &session,
                &[
                    ("csrf", session.csrf()),
                    ("version", "1"),
                    ("display_name", "拉萨市联络员（新）"),
                    ("unit_code", "540100"),
                ],
            )
            .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER);
        let stale = t
            .form(
                &path,
                &session,
                &[("csrf", session.csrf()), ("version", "1"), ("display_name", "旧"), ("unit_code", "540100")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.text().contains("该记录已被其他人修改") && stale.text().contains("name=\"version\" value=\"2\""));
    }
}

backend_test! {
    async fn a_script_can_revoke_its_own_token(t) {
        let token = t.token("inspector").await;
        assert_eq!(t.get("/api/v1/me", &token).await.json()["username"], "inspector");
        let revoked = t.json(Method::DELETE, "/api/v1/auth/token", &token, json!({})).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            t.json(Method::DELETE, "/api/v1/auth/token", &Auth::None, json!({})).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

backend_test! {
    async fn a_password_reset_ends_api_tokens_too(t) {
        let token = t.token("viewer").await;
        let session = t.session("viewer").await;
        let viewer_id = t.get("/api/v1/me", &token).await.json()["id"].as_i64().unwrap();
        let admin = t.token("admin").await;
        let reset = t
            .json(
                Method::POST,
                &format!("/api/v1/users/{viewer_id}/password"),
                &admin,
                json!({"password": "yak-butter-tea-42"}),
            )
            .await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get("/api/v1/me", &token).await.status, StatusCode::UNAUTHORIZED, "the old token is revoked");
        assert_eq!(t.get("/api/v1/me", &session).await.status, StatusCode::UNAUTHORIZED, "the old session is ended");
        assert_eq!(t.get("/api/v1/me", &admin).await.status, StatusCode::OK, "others keep theirs");
    }
}

backend_test! {
    async fn sessions_end_when_idle_or_too_old_and_tokens_when_they_expire(t) {
        let page = |auth: &pacesetter_testkit::Auth| {
            let (t, auth) = (&t, auth.clone());
            async move { t.get("/assignments", &auth).await.status }
        };
        let signed_out = axum::http::StatusCode::SEE_OTHER;
        let minutes = |n: i64| t.app.clock.advance(n * 60);

        // Idle: 30 minutes without a request end a session; a request in time keeps it.
        let session = t.session("lhasa").await;
        minutes(29);
        assert_eq!(page(&session).await, axum::http::StatusCode::OK);
        minutes(29);
        assert_eq!(page(&session).await, axum::http::StatusCode::OK, "the last request counted");
        minutes(31);
        assert_eq!(page(&session).await, signed_out, "idle too long");

        // Absolute: 12 hours after sign-in, however busy.
        let busy = t.session("lhasa").await;
        for _ in 0..28 {
            minutes(25);
            assert_eq!(page(&busy).await, axum::http::StatusCode::OK);
        }
        minutes(25);
        assert_eq!(page(&busy).await, signed_out, "12 hours after sign-in");

        // An API token lasts 30 days.
        let token = t.token("lhasa").await;
        minutes(29 * 24 * 60);
        assert_eq!(t.get("/api/v1/me", &token).await.status, axum::http::StatusCode::OK);
        minutes(2 * 24 * 60);
        assert_eq!(t.get("/api/v1/me", &token).await.status, axum::http::StatusCode::UNAUTHORIZED);
    }
}
