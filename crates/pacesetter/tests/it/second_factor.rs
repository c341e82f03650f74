//! Two-step sign-in (decision 0018): where the deployment requires it, admins and coordinators
//! cannot sign in, hold a session or get a token without a code; a code is good once; five
//! wrong codes in a step lock the account's codes until the next step; recovery codes work
//! once; an admin resets a lost phone; anyone may turn it on where it is optional.

use axum::http::{Method, StatusCode, header};
use pacesetter::config::{Config, SecondFactor};
use pacesetter_app::auth::second_factor::{STEP_SECS, code_at};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::json;
use sqlx::Row;

fn required() -> Config {
    Config { second_factor: Some(SecondFactor::Required), ..Config::default() }
}

/// The value a response sets for cookie `name`, if it sets one.
fn set_cookie(response: &TestResponse, name: &str) -> Option<String> {
    response.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookie| {
        let (key, rest) = cookie.split_once('=')?;
        (key == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
    })
}

/// Signs in with the demo password; returns the waiting sign-in's cookie and where it leads.
async fn password(t: &TestApp, username: &str) -> (Auth, String) {
    let response = t
        .form("/login", &Auth::None, &[("username", username), ("password", pacesetter_app::demo::DEMO_PASSWORD)])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    assert_eq!(set_cookie(&response, "pacesetter_session"), None, "no session before the second step");
    let challenge = set_cookie(&response, "pacesetter_sign_in").expect("a waiting sign-in");
    let to = response.header("location").unwrap_or("").to_owned();
    (Auth::SignIn(challenge), to)
}

/// The app's code now, and `seconds` from now.
fn code(t: &TestApp, secret: &str, seconds: i64) -> String {
    code_at(secret, t.app.clock.now().plus_seconds(seconds)).expect("code")
}

/// Enrols `username` as the sign-in requires it; returns the secret, the recovery codes and
/// the session it ends in.
async fn enrol_at_sign_in(t: &TestApp, username: &str) -> (String, Vec<String>, Auth) {
    let (challenge, to) = password(t, username).await;
    assert!(to.starts_with("/login/enrol"), "{to}");
    let page = t.get(&to, &challenge).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("<svg"), "a QR code is drawn");
    let secret = text
        .split("class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key is shown")
        .replace(' ', "");
    let wrong = t.form("/login/enrol", &challenge, &[("code", "000000"), ("next", "/units")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("验证码不对或已用过"), "the refusal is said next to the field");
    let done = t.form("/login/enrol", &challenge, &[("code", &code(t, &secret, 0)), ("next", "/units")]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let codes: Vec<String> =
        done.text().split("<li><code>").skip(1).filter_map(|rest| rest.split('<').next().map(str::to_owned)).collect();
    assert_eq!(codes.len(), 10, "ten recovery codes are shown once");
    let token = set_cookie(&done, "pacesetter_session").expect("signed in");
    (secret, codes, Auth::Cookie { token, csrf: String::new() })
}

async fn audit_count(t: &TestApp, action: &str) -> i64 {
    let mut conn = t.db.store.read().await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = $1")
        .bind(action.to_owned())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    row.try_get("n").unwrap()
}

async fn token_with(t: &TestApp, username: &str, code: Option<&str>) -> TestResponse {
    let mut body = json!({"username": username, "password": pacesetter_app::demo::DEMO_PASSWORD});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    t.json(Method::POST, "/api/v1/auth/token", &Auth::None, body).await
}

backend_test! {
    config = required(),
    async fn an_office_account_enrols_before_it_can_sign_in_or_get_a_token(t) {
        t.app.clock.freeze();
        let refused = token_with(&t, "office", None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["error"]["code"], "second_factor_enrolment_required");
        // A liaison is not asked.
        assert_eq!(token_with(&t, "lhasa", None).await.status, StatusCode::OK);
        let expired = t.get("/login/enrol?next=/units", &Auth::None).await;
        assert_eq!(expired.status, StatusCode::SEE_OTHER, "no waiting sign-in: back to the password");

        let (_, _, session) = enrol_at_sign_in(&t, "office").await;
        assert_eq!(t.get("/units", &session).await.status, StatusCode::OK);
        assert_eq!(audit_count(&t, "auth.second_factor_enrolled").await, 1);
        let security = t.get("/account/security", &session).await;
        assert!(security.text().contains("剩余恢复码：10 个"), "{}", security.text());
    }
}

backend_test! {
    config = required(),
    async fn a_code_signs_in_once_and_five_wrong_codes_lock_until_the_next_step(t) {
        t.app.clock.freeze();
        let (secret, _, _) = enrol_at_sign_in(&t, "office").await;
        // The code that enrolled is spent.
        let (challenge, to) = password(&t, "office").await;
        assert!(to.starts_with("/login/verify"), "{to}");
        let reused = t.form("/login/verify", &challenge, &[("code", &code(&t, &secret, 0)), ("next", "/units")]).await;
        assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
        t.app.clock.advance(STEP_SECS);
        let fresh = code(&t, &secret, 0);
        let signed_in = t.form("/login/verify", &challenge, &[("code", &fresh), ("next", "/units")]).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.text());
        assert_eq!(signed_in.header("location"), Some("/units"));
        assert!(set_cookie(&signed_in, "pacesetter_session").is_some());
        // The waiting sign-in ended with it.
        let again = t.form("/login/verify", &challenge, &[("code", &fresh), ("next", "/units")]).await;
        assert!(again.header("location").unwrap_or("").starts_with("/login?expired=1"));

        // The API: no code, a used code, then five wrong codes and the lock.
        assert_eq!(token_with(&t, "office", None).await.json()["error"]["code"], "second_factor_required");
        assert_eq!(token_with(&t, "office", Some(&fresh)).await.json()["error"]["code"], "bad_second_factor");
        t.app.clock.advance(STEP_SECS);
        let right = code(&t, &secret, 0);
        // Not a code of this step or of those beside it, which would be right.
        let good: Vec<String> = [-STEP_SECS, 0, STEP_SECS].iter().map(|d| code(&t, &secret, *d)).collect();
        let wrong = ["123456", "654321", "111111"].into_iter().find(|c| !good.iter().any(|g| g == c)).expect("a wrong code");
        for _ in 0..5 {
            assert_eq!(token_with(&t, "office", Some(wrong)).await.status, StatusCode::UNAUTHORIZED);
        }
        let locked = token_with(&t, "office", Some(&right)).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.text());
        t.app.clock.advance(STEP_SECS);
        let token = token_with(&t, "office", Some(&code(&t, &secret, 0))).await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.text());
        assert!(audit_count(&t, "auth.second_factor_failed").await >= 5);
    }
}

backend_test! {
    config = required(),
    async fn a_recovery_code_works_once_and_an_admin_resets_a_lost_phone(t) {
        t.app.clock.freeze();
        let (_, codes, office_session) = enrol_at_sign_in(&t, "office").await;
        let (challenge, _) = password(&t, "office").await;
        let typed = codes[0].to_uppercase();
        let first = t.form("/login/verify", &challenge, &[("code", &typed), ("next", "/units")]).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "a recovery code as typed, in capitals");
        let (challenge, _) = password(&t, "office").await;
        let second = t.form("/login/verify", &challenge, &[("code", &codes[0]), ("next", "/units")]).await;
        assert_eq!(second.status, StatusCode::UNAUTHORIZED, "a recovery code works once");

        // The admin enrols too, then resets the office's factor.
        let (admin_secret, _, _) = enrol_at_sign_in(&t, "admin").await;
        t.app.clock.advance(STEP_SECS);
        let admin = token_with(&t, "admin", Some(&code(&t, &admin_secret, 0))).await;
        let admin = Auth::Bearer(admin.json()["token"].as_str().expect("token").to_owned());
        let office_id = t.get("/api/v1/users?q=office", &admin).await.json()["items"]
            .as_array()
            .and_then(|items| items.iter().find(|u| u["username"] == "office"))
            .and_then(|u| u["id"].as_i64())
            .expect("office's id");
        let detail = t.get(&format!("/api/v1/users/{office_id}"), &admin).await;
        assert_eq!(detail.json()["second_factor"], true);
        let reset = t.json(Method::DELETE, &format!("/api/v1/users/{office_id}/second-factor"), &admin, json!({})).await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text());
        assert_eq!(t.get("/units", &office_session).await.status, StatusCode::SEE_OTHER, "signed out everywhere");
        let (_, to) = password(&t, "office").await;
        assert!(to.starts_with("/login/enrol"), "enrols again: {to}");
        let twice = t.json(Method::DELETE, &format!("/api/v1/users/{office_id}/second-factor"), &admin, json!({})).await;
        assert_eq!(twice.json()["error"]["code"], "second_factor_not_enrolled");
        assert_eq!(audit_count(&t, "auth.second_factor_reset").await, 1);
        // A liaison may not reset anyone's.
        let lhasa = t.token("lhasa").await;
        let refused = t.json(Method::DELETE, &format!("/api/v1/users/{office_id}/second-factor"), &lhasa, json!({})).await;
        assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", refused.status);
    }
}

backend_test! {
    async fn where_it_is_optional_anyone_turns_it_on_and_off_through_the_api(t) {
        t.app.clock.freeze();
        let viewer = t.token("viewer").await;
        let other = t.token("viewer").await;
        let status = t.get("/api/v1/me/second-factor", &viewer).await.json();
        assert_eq!(status, json!({"enrolled": false, "pending": false, "recovery_codes_left": 0, "required": false}));
        let begun = t.json(Method::POST, "/api/v1/me/second-factor", &viewer, json!({})).await;
        assert_eq!(begun.status, StatusCode::CREATED);
        let secret = begun.json()["secret"].as_str().expect("secret").replace(' ', "");
        assert!(begun.json()["uri"].as_str().unwrap_or("").starts_with("otpauth://totp/Pacesetter:viewer?"));
        let confirm = |code: String| t.json(Method::POST, "/api/v1/me/second-factor/confirm", &viewer, json!({"code": code}));
        assert_eq!(confirm("12345".into()).await.json()["error"]["code"], "bad_second_factor");
        let confirmed = confirm(code(&t, &secret, 0)).await;
        assert_eq!(confirmed.json()["recovery_codes"].as_array().map(Vec::len), Some(10), "{}", confirmed.text());
        // The token in use stays; the others issued on the password alone end.
        assert_eq!(t.get("/api/v1/me", &viewer).await.status, StatusCode::OK);
        assert_eq!(t.get("/api/v1/me", &other).await.status, StatusCode::UNAUTHORIZED);
        let (_, to) = password(&t, "viewer").await;
        assert!(to.starts_with("/login/verify"), "{to}");
        let again = t.json(Method::POST, "/api/v1/me/second-factor", &viewer, json!({})).await;
        assert_eq!(again.json()["error"]["code"], "second_factor_enrolled");

        t.app.clock.advance(STEP_SECS);
        let renewed = t
            .json(Method::POST, "/api/v1/me/second-factor/recovery-codes", &viewer, json!({"code": code(&t, &secret, 0)}))
            .await;
        assert_eq!(renewed.json()["recovery_codes"].as_array().map(Vec::len), Some(10));
        t.app.clock.advance(STEP_SECS);
        let off = t
            .json(Method::POST, "/api/v1/me/second-factor/disable", &viewer, json!({"code": code(&t, &secret, 0)}))
            .await;
        assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text());
        assert_eq!(token_with(&t, "viewer", None).await.status, StatusCode::OK, "the password alone again");
        assert_eq!(audit_count(&t, "auth.second_factor_disabled").await, 1);
    }
}

backend_test! {
    config = required(),
    async fn the_office_cannot_turn_off_what_the_deployment_requires(t) {
        t.app.clock.freeze();
        let (secret, _, session) = enrol_at_sign_in(&t, "office").await;
        let page = t.get("/account/security", &session).await;
        assert!(!page.text().contains("/account/security/disable"), "no button to turn it off");
        // A wrong code for new recovery codes is said beside that form.
        let csrf = page.text().split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
        let Auth::Cookie { token, .. } = &session else { unreachable!() };
        let session = Auth::Cookie { token: token.clone(), csrf: csrf.clone() };
        let refused = t.form("/account/security/recovery-codes", &session, &[("csrf", &csrf), ("code", "000000")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("id=\"renew-code-error\" role=\"alert\">验证码不对"), "{}", refused.text());
        t.app.clock.advance(STEP_SECS);
        let token = token_with(&t, "office", Some(&code(&t, &secret, 0))).await;
        let office = Auth::Bearer(token.json()["token"].as_str().expect("token").to_owned());
        t.app.clock.advance(STEP_SECS);
        let off = t
            .json(Method::POST, "/api/v1/me/second-factor/disable", &office, json!({"code": code(&t, &secret, 0)}))
            .await;
        assert_eq!(off.status, StatusCode::CONFLICT);
        assert_eq!(off.json()["error"]["code"], "second_factor_required_for_role");
    }
}
