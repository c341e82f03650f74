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
use pacesetter::{Config, demo, server};
use pacesetter_app::App;
use pacesetter_store::{Backend, Store};
use rand::RngCore;
use tower::ServiceExt;

/// The backends this run tests on.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        list.push(Backend::Postgres);
    }
    list
}

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
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("pacesetter-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = Store::sqlite_url(&dir);
                let store = Store::connect(&url).await.expect("sqlite store");
                Self { store, url, cleanup: Cleanup::Dir(dir) }
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
                let url = replace_database(&admin_url, &name);
                let store = Store::connect(&url).await.expect("postgres store");
                Self { store, url, cleanup: Cleanup::Database { admin_url, name } }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub async fn remove(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&mut conn)
                        .await;
                }
            }
        }
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
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, Config::default()).await
    }

    pub async fn with_config(backend: Backend, mut config: Config) -> Self {
        let db = TestDb::new(backend).await;
        let data_dir = std::env::temp_dir().join(format!("pacesetter-files-{}", random_suffix()));
        config.data_dir = data_dir.clone();
        let app = server::app(&config, db.store.clone());
        demo::seed(&app).await.expect("demo seed");
        let router = server::router(&config, app.clone(), true).expect("router");
        Self { db, data_dir, app, router, backend }
    }

    pub async fn remove(self) {
        self.db.remove().await;
        let _ = std::fs::remove_dir_all(&self.data_dir);
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

    /// The id of a demo unit by its code.
    pub async fn unit_id(&self, code: &str) -> i64 {
        let mut conn = self.app.store.read().await.expect("conn");
        pacesetter_store::units::find_by_code(&mut conn, code).await.expect("query").expect("unit").id.0
    }
}

/// How a test request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    Cookie { token: String, csrf: String },
}

impl Auth {
    fn apply(&self, builder: axum::http::request::Builder) -> axum::http::request::Builder {
        match self {
            Auth::None => builder,
            Auth::Bearer(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
            Auth::Cookie { token, .. } => builder.header(header::COOKIE, format!("pacesetter_session={token}")),
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

/// Runs a test body on every backend, each time on a fresh database with the demo loaded.
#[macro_export]
macro_rules! each_backend {
    (|$app:ident| $body:block) => {
        for backend in $crate::backends() {
            let $app = $crate::TestApp::new(backend).await;
            $body
            $app.remove().await;
        }
    };
    (config = $config:expr, |$app:ident| $body:block) => {
        for backend in $crate::backends() {
            let $app = $crate::TestApp::with_config(backend, $config).await;
            $body
            $app.remove().await;
        }
    };
}
