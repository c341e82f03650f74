#![expect(clippy::expect_used, reason = "test support: a fixture that cannot be built must stop the test loudly")]

//! Test support: a fresh database per test on each backend (SQLite always; PostgreSQL when
//! `PACESETTER_TEST_POSTGRES` names a server), the demo organisation as the fixture world,
//! and an in-process client for the router.

use std::path::PathBuf;

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use pacesetter::{Config, server};
use pacesetter_app::App;
use pacesetter_app::demo;
pub use pacesetter_store::Backend;
use pacesetter_store::Store;
use rand::RngCore;
use tower::ServiceExt;

fn postgres_url() -> Option<String> {
    std::env::var("PACESETTER_TEST_POSTGRES").ok().filter(|u| !u.is_empty())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A database made for one test and removed after it.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        Self::upgraded_from(backend, None).await
    }

    /// A database first migrated only up to `version` (as the release that stopped there left
    /// it), then opened by this build, which upgrades it; `None` starts from nothing.
    pub async fn upgraded_from(backend: Backend, version: Option<i64>) -> Self {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("pacesetter-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                (Store::sqlite_url(&dir), Cleanup::Dir(dir))
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("PACESETTER_TEST_POSTGRES");
                let name = format!("pacesetter_test_{}", random_suffix());
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .expect("postgres admin connection");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                (replace_database(&admin_url, &name), Cleanup::Database { admin_url, name })
            }
        };
        if let Some(version) = version {
            Store::migrate_only_to(&url, version).await.expect("the older migrations");
        }
        let store = Store::connect(&url).await.expect("store");
        Self { store, url, _cleanup: cleanup }
    }

    /// Closes the pool and removes the database (which dropping it does too, less politely).
    pub async fn remove(self) {
        self.store.close().await;
    }
}

/// Removes a test's database when the test ends, also when it panics: synchronously, so that
/// it happens before the test's runtime goes away.
impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // A runtime of its own on a thread of its own: this may run inside the test's.
                let dropped = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    runtime.block_on(async {
                        if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
                            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
                        }
                    });
                });
                let _ = dropped.join();
            }
        }
    }
}

/// A directory removed when the test ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `postgres://u@h:5432/db?x` with the database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{name}{query}"),
    }
}

/// The app on a fresh database with the demo organisation loaded, and its router.
pub struct TestApp {
    pub db: TestDb,
    /// The data directory (uploaded files).
    pub data_dir: PathBuf,
    pub app: App,
    pub router: Router,
    pub backend: Backend,
    _files: TempDir,
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, Config::default()).await
    }

    pub async fn with_config(backend: Backend, mut config: Config) -> Self {
        let db = TestDb::new(backend).await;
        let data_dir = std::env::temp_dir().join(format!("pacesetter-files-{}", random_suffix()));
        config.data_dir = data_dir.clone();
        // As in the demo: tests that need the requirement set it.
        config.second_factor.get_or_insert(pacesetter::config::SecondFactor::Optional);
        let app = server::app(&config, db.store.clone());
        demo::seed(&app).await.expect("demo seed");
        let router = server::router(&config, app.clone(), true).expect("router");
        Self { db, _files: TempDir(data_dir.clone()), data_dir, app, router, backend }
    }

    /// Closes the pool; the database and the files go when the app is dropped.
    pub async fn remove(self) {
        self.db.store.close().await;
    }

    /// Sends one request through the router, as a browser on the same origin would for
    /// forms, or as a script for JSON.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: bytes.to_vec() }
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> TestResponse {
        self.send(auth.apply(Request::builder().method(Method::GET).uri(path)).body(Body::empty()).expect("request"))
            .await
    }

    /// A GET whose answer is read up to its headers: for a stream that does not end.
    pub async fn get_head(&self, path: &str, auth: &Auth) -> TestResponse {
        let request =
            auth.apply(Request::builder().method(Method::GET).uri(path)).body(Body::empty()).expect("request");
        let response = self.router.clone().oneshot(request).await.expect("router never fails");
        TestResponse { status: response.status(), headers: response.headers().clone(), body: Vec::new() }
    }

    pub async fn json(&self, method: Method, path: &str, auth: &Auth, body: serde_json::Value) -> TestResponse {
        let builder =
            auth.apply(Request::builder().method(method).uri(path)).header(header::CONTENT_TYPE, "application/json");
        self.send(builder.body(Body::from(body.to_string())).expect("request")).await
    }

    /// A form POST from a page of this site.
    pub async fn form(&self, path: &str, auth: &Auth, fields: &[(&str, &str)]) -> TestResponse {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let builder = auth
            .apply(Request::builder().method(Method::POST).uri(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        self.send(builder.body(Body::from(body)).expect("request")).await
    }

    /// A POST whose body is the bytes of a file, as the import API takes it.
    pub async fn post_bytes(&self, path: &str, auth: &Auth, bytes: Vec<u8>) -> TestResponse {
        let builder = auth.apply(Request::builder().method(Method::POST).uri(path));
        self.send(builder.body(Body::from(bytes)).expect("request")).await
    }

    /// A multipart form POST from a page of this site, with one file field named `file`.
    pub async fn upload(
        &self,
        path: &str,
        auth: &Auth,
        fields: &[(&str, &str)],
        filename: &str,
        file: &[u8],
    ) -> TestResponse {
        self.multipart(path, auth, fields, &[("file", filename, file)]).await
    }

    /// A multipart form with text `fields` and `files` as (field, file name, content).
    pub async fn multipart(
        &self,
        path: &str,
        auth: &Auth,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        let boundary = "pacesetter-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (field, filename, file) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(file);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let builder = auth
            .apply(Request::builder().method(Method::POST).uri(path))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header("sec-fetch-site", "same-origin");
        self.send(builder.body(Body::from(body)).expect("request")).await
    }

    /// An API token for a demo account.
    pub async fn token(&self, username: &str) -> Auth {
        let response = self
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                serde_json::json!({"username": username, "password": demo::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "token for {username}: {}", response.text());
        Auth::Bearer(response.json()["token"].as_str().expect("token").to_owned())
    }

    /// A demo account signed in, as the application layer sees it.
    pub async fn actor(&self, username: &str) -> pacesetter_app::Actor {
        use pacesetter_app::{Origin, auth};
        let session = auth::login(&self.app, username, demo::DEMO_PASSWORD, &Origin::default())
            .await
            .expect("sign in")
            .into_session()
            .expect("no second step");
        auth::session_actor(&self.app, &session.token, Origin::default()).await.expect("actor").0
    }

    /// A signed-in browser session (cookie and form token) for a demo account.
    pub async fn session(&self, username: &str) -> Auth {
        let response = self
            .form(
                "/login",
                &Auth::None,
                &[("username", username), ("password", demo::DEMO_PASSWORD), ("next", "/units")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "login {username}: {}", response.text());
        let cookie = response.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cookie");
        let token =
            cookie.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()).expect("token");
        let page = self.get("/units", &Auth::Cookie { token: token.clone(), csrf: String::new() }).await;
        let csrf = page
            .text()
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        Auth::Cookie { token, csrf }
    }

    /// An account beside the demo's, whose interface is in Tibetan: `role` on the unit coded
    /// `unit_code`, home at the office, signed in with the demo's password.
    pub async fn tibetan_reader(&self, username: &str, role: pacesetter_domain::Role, unit_code: &str) {
        use pacesetter_store::{grants, units, users};
        let hash = pacesetter_app::hash_password(demo::DEMO_PASSWORD).expect("hash");
        let now = pacesetter_domain::Timestamp::now();
        let mut tx = self.db.store.write().await.expect("write");
        let office = units::find_by_code(&mut tx, "ZXB").await.expect("query").expect("the office");
        let on = units::find_by_code(&mut tx, unit_code).await.expect("query").expect("the unit");
        let new = users::NewUser {
            username,
            display_name: "藏文读者",
            password_hash: &hash,
            unit_id: office.id,
            locale: Some(pacesetter_domain::Locale::Bo),
        };
        let user = users::insert(&mut tx, &new, now).await.expect("user");
        grants::insert(&mut tx, user.id, role, on.id, now).await.expect("grant");
        tx.commit().await.expect("commit");
    }

    /// The id of a demo unit by its code.
    pub async fn unit_id(&self, code: &str) -> i64 {
        let mut conn = self.db.store.read().await.expect("conn");
        pacesetter_store::units::find_by_code(&mut conn, code).await.expect("query").expect("unit").id.0
    }
}

/// How a test request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    Cookie {
        token: String,
        csrf: String,
    },
    /// A sign-in waiting for its second step (its cookie's value).
    SignIn(String),
}

impl Auth {
    fn apply(&self, builder: axum::http::request::Builder) -> axum::http::request::Builder {
        match self {
            Auth::None => builder,
            Auth::Bearer(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
            Auth::Cookie { token, .. } => builder.header(header::COOKIE, format!("pacesetter_session={token}")),
            Auth::SignIn(token) => builder.header(header::COOKIE, format!("pacesetter_sign_in={token}")),
        }
    }

    pub fn csrf(&self) -> &str {
        match self {
            Auth::Cookie { csrf, .. } => csrf,
            _ => "",
        }
    }
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Whether this run tests on PostgreSQL too (`PACESETTER_TEST_POSTGRES` names a server).
pub fn postgres_available() -> bool {
    postgres_url().is_some()
}

/// One test on each backend, as two test functions: `backend_test! { async fn name(t) { … } }`
/// makes `name::sqlite` and `name::postgres` (which passes, saying so, when
/// `PACESETTER_TEST_POSTGRES` is not set), each on a fresh app with the demo organisation, so
/// that one backend's failure does not hide the other's result. The database is removed when
/// the test ends, also when it fails. `config = …,` before `async fn` sets the app's config;
/// `async fn name(backend: Backend)` leaves making the app to the test.
#[macro_export]
macro_rules! backend_test {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            use super::*;

            async fn on($backend: $crate::Backend) $body

            #[tokio::test]
            async fn sqlite() {
                on($crate::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                if !$crate::postgres_available() {
                    eprintln!("PACESETTER_TEST_POSTGRES is not set: not run on PostgreSQL");
                    return;
                }
                on($crate::Backend::Postgres).await
            }
        }
    };
    ($(#[doc = $doc:literal])* async fn $name:ident($app:ident) $body:block) => {
        $crate::backend_test! { $(#[doc = $doc])* config = ::pacesetter::Config::default(), async fn $name($app) $body }
    };
    ($(#[doc = $doc:literal])* config = $config:expr, async fn $name:ident($app:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $app = $crate::TestApp::with_config($crate::Backend::Sqlite, $config).await;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                if !$crate::postgres_available() {
                    eprintln!("PACESETTER_TEST_POSTGRES is not set: not run on PostgreSQL");
                    return;
                }
                let $app = $crate::TestApp::with_config($crate::Backend::Postgres, $config).await;
                $body
            }
        }
    };
}
