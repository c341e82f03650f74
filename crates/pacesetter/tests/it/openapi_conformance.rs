//! The served OpenAPI document against real answers: every API operation is called as the
//! route-inventory test calls it (anonymously, as each role at its own unit, as some roles at
//! other places) and as a careless client would (an id that is no number or names nothing, no
//! `If-Match`, a body that is not JSON, query values that are no numbers). Every status must be
//! documented for its operation, and every JSON body must match the documented schema, with no
//! property the schema does not name.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use pacesetter_domain::Role;
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use pacesetter_web::authz::{Entry, matrix};
use serde_json::{Value, json};

use crate::{authz_fixtures::Place, authz_matrix::World};

/// The document with each schema compiled once, and the violations found so far.
struct Conformance {
    document: Value,
    /// The root every schema is compiled in, so that `#/components/schemas/…` resolves.
    components: Value,
    validators: BTreeMap<String, jsonschema::Validator>,
    violations: BTreeSet<String>,
    checked: usize,
}

/// Closes every object schema that lists its properties, so that an undocumented property in a
/// response is reported rather than ignored.
fn closed(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let lists_properties = map.get("properties").is_some_and(Value::is_object);
            if lists_properties && !map.contains_key("additionalProperties") {
                map.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(closed);
        }
        Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

/// Whether a documented media type (`application/json`, `image/*`, `*/*`) covers `actual`.
fn covers(documented: &str, actual: &str) -> bool {
    match documented.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => actual.split_once('/').is_some_and(|(k, _)| k == kind),
        _ => documented == actual,
    }
}

impl Conformance {
    fn new(document: Value) -> Self {
        let mut components = json!({"components": document["components"].clone()});
        closed(&mut components);
        Self { document, components, validators: BTreeMap::new(), violations: BTreeSet::new(), checked: 0 }
    }

    /// Records what in `response` the document does not describe for `method template`.
    fn check(&mut self, method: &str, template: &str, response: &TestResponse) {
        self.checked += 1;
        let status = response.status.as_u16().to_string();
        let at = format!("{method} {template} → {status}");
        let operation = &self.document["paths"][template][method.to_ascii_lowercase()];
        if operation.is_null() {
            self.violations.insert(format!("{method} {template}: not in the document"));
            return;
        }
        // `default` stands for the server's own failures only: every 4xx is listed.
        let fallback = if response.status.is_server_error() { operation["responses"].get("default") } else { None };
        let documented = match operation["responses"].get(&status).or(fallback) {
            Some(documented) => documented.clone(),
            None => {
                let code = response.json()["error"]["code"].as_str().unwrap_or("").to_owned();
                let kind = response.header("content-type").unwrap_or("no body").to_owned();
                self.violations.insert(format!("{at}: status not documented ({kind} {code})"));
                return;
            }
        };
        let media = response.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_owned();
        let content = documented["content"].as_object().cloned().unwrap_or_default();
        if response.body.is_empty() {
            return;
        }
        let Some((key, documented_media)) = content.iter().find(|(key, _)| covers(key, &media)) else {
            let listed: Vec<&String> = content.keys().collect();
            self.violations.insert(format!("{at}: answers {media}, documented {listed:?}"));
            return;
        };
        if media != "application/json" {
            return;
        }
        let Some(schema) = documented_media.get("schema") else {
            self.violations.insert(format!("{at}: {key} without a schema"));
            return;
        };
        let body: Value = match serde_json::from_slice(&response.body) {
            Ok(body) => body,
            Err(error) => {
                self.violations.insert(format!("{at}: not JSON: {error}"));
                return;
            }
        };
        let key = schema.to_string();
        if !self.validators.contains_key(&key) {
            let mut root = self.components.clone();
            let mut inline = schema.clone();
            closed(&mut inline);
            root["allOf"] = json!([inline]);
            let validator = jsonschema::draft202012::new(&root)
                .unwrap_or_else(|error| panic!("{at}: the documented schema does not compile: {error}"));
            self.validators.insert(key.clone(), validator);
        }
        for error in self.validators[&key].iter_errors(&body) {
            self.violations.insert(format!("{at}: body at `{}`: {error}", error.instance_path()));
        }
    }
}

/// A request as a script sends it, with `token` and the given headers and body.
async fn send(
    t: &TestApp,
    method: &str,
    path: &str,
    token: &Auth,
    headers: &[(&str, &str)],
    body: &str,
) -> TestResponse {
    let mut request = axum::http::Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(path);
    if let Auth::Bearer(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    t.send(request.body(axum::body::Body::from(body.to_owned())).unwrap()).await
}

/// Requests a careless client sends to `entry`: each answer is rejected before the handler
/// acts, or names a record that does not exist, so nothing changes.
async fn probes(t: &TestApp, entry: &Entry, admin: &Auth, has_body: bool) -> Vec<TestResponse> {
    let (method, template) = (entry.method.as_str(), entry.path.as_str());
    let sha = "0".repeat(64);
    let at = |id: &str| template.replace("{id}", id).replace("{sha256}", &sha);
    let json = [("content-type", "application/json"), ("if-match", "\"1\"")];
    let mut answers = Vec::new();
    if template.contains("{id}") {
        answers.push(send(t, method, &at("abc"), admin, &json, "{}").await);
        answers.push(send(t, method, &at("99999999999999999999"), admin, &json, "{}").await);
    }
    let missing = at("999999999");
    answers.push(send(t, method, &missing, admin, &json, "{}").await);
    answers.push(
        send(t, method, &format!("{missing}?page=x&per_page=x&unit=x&unit_id=x&campaign=x&year=x"), admin, &json, "{}")
            .await,
    );
    if method != "GET" {
        answers.push(send(t, method, &missing, admin, &[("content-type", "application/json")], "{}").await);
        answers.push(
            send(t, method, &missing, admin, &[("content-type", "text/plain"), ("if-match", "\"1\"")], "x").await,
        );
        answers.push(send(t, method, &missing, admin, &json, "{").await);
        answers.push(
            send(t, method, &missing, admin, &[("content-type", "application/json"), ("if-match", "seven")], "{}")
                .await,
        );
    }
    // A body the server will not read, to an operation that takes one.
    if has_body {
        let large = axum::body::Bytes::from(vec![b' '; pacesetter_web::MAX_BODY_BYTES + 1]);
        let mut request = axum::http::Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&missing)
            .header("content-type", "application/json")
            .header("content-length", large.len())
            .header("if-match", "\"1\"");
        if let Auth::Bearer(token) = admin {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        answers.push(t.send(request.body(axum::body::Body::from(large)).unwrap()).await);
    }
    answers
}

backend_test! {
    async fn every_api_answer_matches_the_served_document(backend: Backend) {
        let entries: Vec<Entry> = matrix().unwrap().into_iter().filter(|e| e.path.starts_with("/api/v1/")).collect();
        let world = World::new(backend).await;
        let document = world.t.get("/api/v1/openapi.json", &Auth::None).await.json();
        let mut conformance = Conformance::new(document);
        let admin = world.t.token("as-admin").await;
        let everywhere = [Place::Own, Place::Sibling, Place::OtherPrefecture];
        let mut callers = vec![(None, Auth::None)];
        for role in Role::ALL {
            callers.push((Some(role), world.t.token(&format!("as-{}", role.as_str().replace('_', "-"))).await));
        }
        let mut operations = 0;
        for entry in &entries {
            let template = entry.path.as_str();
            if conformance.document["paths"].get(template).is_none() {
                // The document itself and the Swagger UI are served beside the API, not in it.
                continue;
            }
            operations += 1;
            // Revoking a token the rest of the run needs would end the run: a fresh one is revoked.
            if entry.method == "DELETE" && template == "/api/v1/auth/token" {
                let fresh = world.t.token("as-viewer").await;
                for auth in [&Auth::None, &fresh, &fresh] {
                    let response = send(&world.t, "DELETE", template, auth, &[], "").await;
                    conformance.check(&entry.method, template, &response);
                }
                continue;
            }
            for (role, token) in &callers {
                let places: &[Place] = if role.is_some() { &everywhere } else { &[Place::Own] };
                for place in places {
                    let response = world.call(entry, *place, token, *role).await;
                    conformance.check(&entry.method, template, &response);
                }
            }
            let has_body =
                !conformance.document["paths"][template][entry.method.to_ascii_lowercase()]["requestBody"].is_null();
            for response in probes(&world.t, entry, &admin, has_body).await {
                conformance.check(&entry.method, template, &response);
            }
        }
        let documented: usize =
            conformance.document["paths"].as_object().unwrap().values().map(|i| i.as_object().unwrap().len()).sum();
        assert_eq!(operations, documented, "every documented operation was called");
        let violations = &conformance.violations;
        assert!(
            violations.is_empty(),
            "{} ways in which {} answers differ from the document:\n{}",
            violations.len(),
            conformance.checked,
            violations.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
        );
        world.t.remove().await;
    }
}
