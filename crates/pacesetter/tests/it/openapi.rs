//! The OpenAPI document is a snapshot: a change to the API shows up in review as a change to
//! `crates/web/openapi.json`. Run with `UPDATE_SNAPSHOTS=1` to accept a deliberate change.

use pacesetter_store::Backend;
use pacesetter_testkit::{Auth, TestApp};

#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let t = TestApp::new(Backend::Sqlite).await;
    let response = t.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(response.status, axum::http::StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let mut document = response.json();
    // The version changes with every release; the shape is what is reviewed.
    document["info"]["version"] = serde_json::Value::String("snapshot".into());
    let text = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(stored == text, "the API changed; review it and run with UPDATE_SNAPSHOTS=1 to accept");
    // Every operation documents its error shape.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let codes: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
            assert!(!codes.is_empty(), "{method} {path} documents no response");
        }
    }
    t.remove().await;
}

#[tokio::test]
async fn the_api_explorer_reads_the_served_document() {
    let t = TestApp::new(Backend::Sqlite).await;
    let page = t.get("/api/docs/", &Auth::None).await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    assert!(page.text().contains("swagger-initializer.js"), "{}", page.text());
    // Swagger UI sets styles inline: its page alone is allowed them.
    let policy =
        |response: &pacesetter_testkit::TestResponse| response.header("content-security-policy").unwrap().to_owned();
    assert!(policy(&page).contains("style-src 'self' 'unsafe-inline'"), "{}", policy(&page));
    let health = t.get("/api/v1/health", &Auth::None).await;
    assert!(!policy(&health).contains("'unsafe-inline'"), "{}", policy(&health));
    let initializer = t.get("/api/docs/swagger-initializer.js", &Auth::None).await;
    assert_eq!(initializer.status, axum::http::StatusCode::OK);
    assert!(initializer.text().contains("\"url\": \"/api/v1/openapi.json\""), "{}", initializer.text());
    t.remove().await;
}

/// The served document, read once per test.
async fn served_document() -> serde_json::Value {
    let t = TestApp::new(Backend::Sqlite).await;
    let document = t.get("/api/v1/openapi.json", &Auth::None).await.json();
    t.remove().await;
    document
}

#[tokio::test]
async fn path_parameters_are_the_routes_own_and_the_rest_are_query_parameters() {
    let document = served_document().await;
    let mut wrong = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let in_template: std::collections::BTreeSet<&str> =
            path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).collect();
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let declared: std::collections::BTreeSet<&str> =
                parameters.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            for name in declared.symmetric_difference(&in_template) {
                wrong.push(format!("{method} {path}: path parameter {name}"));
            }
            for parameter in &parameters {
                if parameter["in"] == "path" && parameter["required"] != true {
                    wrong.push(format!("{method} {path}: {} is optional", parameter["name"]));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} parameters are misplaced:\n{}", wrong.len(), wrong.join("\n"));
    let units = &document["paths"]["/api/v1/units"]["get"]["parameters"];
    let page = units.as_array().unwrap().iter().find(|p| p["name"] == "page").unwrap();
    assert_eq!(page["in"], "query");
    assert_ne!(page["required"], true);
}

/// The properties of the schema an operation's request body (or 200/201 response) refers to.
fn properties(document: &serde_json::Value, path: &str, method: &str, part: &str) -> Vec<String> {
    let operation = &document["paths"][path][method];
    let media = match part {
        "request" => &operation["requestBody"]["content"]["application/json"],
        status => &operation["responses"][status]["content"]["application/json"],
    };
    let reference = media["schema"]["$ref"].as_str().unwrap_or_else(|| panic!("{method} {path} {part}: no $ref"));
    let name = reference.trim_start_matches("#/components/schemas/");
    document["components"]["schemas"][name]["properties"].as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn routes_that_shared_a_schema_name_describe_their_own_bodies() {
    let document = served_document().await;
    let has = |path: &str, method: &str, part: &str, wanted: &[&str], unwanted: &[&str]| {
        let names = properties(&document, path, method, part);
        for name in wanted {
            assert!(names.iter().any(|n| n == name), "{method} {path} {part} lacks {name}: {names:?}");
        }
        for name in unwanted {
            assert!(!names.iter().any(|n| n == name), "{method} {path} {part} has {name}: {names:?}");
        }
    };
    has("/api/v1/units", "post", "request", &["parent_id", "kind", "name"], &["unit_id"]);
    has("/api/v1/evaluations/{id}/submissions", "post", "request", &["unit_id"], &["kind", "name"]);
    has("/api/v1/assignments/{id}/steps", "post", "request", &["step", "comment"], &["text", "evidence_ids"]);
    has("/api/v1/rectifications/{id}/steps", "post", "request", &["step", "text", "evidence_ids"], &["comment"]);
    has("/api/v1/evaluations/{id}/entries", "get", "200", &["leaves", "missing", "items"], &["lines"]);
    has("/api/v1/inspection-rounds/{id}/sheet", "get", "200", &["lines", "round", "target"], &["leaves"]);
}

/// Names the API gives only to closed sets; a free-text field of the same name is listed with
/// its reason.
const CLOSED_SETS: &[&str] =
    &["state", "step", "light", "severity", "decision", "role", "kind", "status", "locale", "effect", "database"];
const FREE_TEXT: &[(&str, &str)] = &[
    // How the rubric reached the score, in words.
    ("ScoreBody", "step"),
];

/// Whether a schema (or the one it refers to) lists its allowed values.
fn lists_values(document: &serde_json::Value, schema: &serde_json::Value) -> bool {
    if schema.get("enum").is_some() {
        return true;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return lists_values(document, &document["components"]["schemas"][name]);
    }
    ["oneOf", "anyOf", "allOf"].iter().any(|key| {
        schema[*key].as_array().is_some_and(|parts| {
            parts.iter().any(|part| lists_values(document, part))
                && parts.iter().all(|part| part["type"] == "null" || lists_values(document, part))
        })
    })
}

#[tokio::test]
async fn every_closed_set_lists_its_values() {
    let document = served_document().await;
    let mut bare = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let closed = CLOSED_SETS.contains(&field.as_str()) && !FREE_TEXT.contains(&(name.as_str(), field.as_str()));
            let text = property["type"] == "string" || property["type"] == serde_json::json!(["string", "null"]);
            if closed && (text || property.get("$ref").is_some()) && !lists_values(&document, property) {
                bare.push(format!("{name}.{field}"));
            }
        }
    }
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let field = parameter["name"].as_str().unwrap();
                if CLOSED_SETS.contains(&field) && !lists_values(&document, &parameter["schema"]) {
                    bare.push(format!("{method} {path} ?{field}"));
                }
            }
        }
    }
    assert!(bare.is_empty(), "closed sets documented as bare strings: {bare:?}");
    // One of them, in full: the API names the lights the pages show.
    let light = &document["components"]["schemas"]["Light"]["enum"];
    assert_eq!(light, &serde_json::json!(["done", "green", "yellow", "red"]));
}
