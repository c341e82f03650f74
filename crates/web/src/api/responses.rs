//! The error answers many operations share, added to the document from what each operation
//! declares, so that they follow the extractors that give them: signing in (401, and 403 for an
//! account that must first set up two-step sign-in), path and
//! query parameters (400, 404), a JSON body (400, 415, 422), any body (413), `If-Match` (400,
//! 412, 428), and the server's own failures (`default`). An error status a handler documents
//! without a description gets the status's usual meaning.

use utoipa::openapi::{
    ContentBuilder, OpenApi, Ref, RefOr,
    path::{Operation, ParameterIn},
    response::{Response, ResponseBuilder},
};

use super::extract::IF_MATCH;

/// What an error status means when the operation says nothing more.
fn meaning(status: &str) -> Option<&'static str> {
    Some(match status {
        "401" => "`unauthenticated`: no valid token or session (or `account_disabled`).",
        "403" => "`forbidden`: the caller's roles do not allow this here.",
        "404" => "Not found, or not visible to the caller: `unit_not_found`, `campaign_not_found`, ….",
        "409" => "The record's state does not allow this now; the code names the rule, e.g. `evaluation_published`.",
        "412" => "`stale_version`: the record changed since it was read; `details.current` is what is stored now.",
        "413" => "`body_too_large`: the body is larger than the server accepts (12 MB).",
        "415" => "`json_required`: the body must be sent as `application/json`.",
        "422" => {
            "The request breaks a rule: `invalid_input` with the failing fields in `details`, or the rule's \
             own code with `details` naming the place."
        }
        "428" => "`if_match_required`: send `If-Match` with the ETag that was read.",
        "429" => "`rate_limited`: too many attempts; try again after `Retry-After` seconds.",
        _ => return None,
    })
}

const ENROLMENT_REQUIRED: &str = "`second_factor_enrolment_required`: the deployment requires two-step sign-in \
                                  of the caller's role and the caller has not set it up (in the pages).";
const INVALID_PATH: &str = "`invalid_path`: an id in the path is not a number.";
const INVALID_QUERY: &str = "`invalid_query`: a query parameter is missing or not of its type.";
const MALFORMED_JSON: &str = "`malformed_json`: the body is not JSON.";
const INVALID_BODY: &str = "`invalid_body`: the body has a field missing, unknown or of the wrong type.";
const BAD_IF_MATCH: &str = "`bad_if_match`: `If-Match` is not an ETag such as `\"3\"`.";
const SERVER: &str = "The server failed: `internal_error` (500; logged, the body never carries the cause) or \
                      `database_unavailable` (503).";

fn error_response(description: &str) -> Response {
    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    ResponseBuilder::new().description(description).content("application/json", body).build()
}

/// Adds `sentence` to the operation's answer with `status`, creating it as an error answer.
fn add(operation: &mut Operation, status: &str, sentence: &str) {
    let entry = operation.responses.responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(error_response("")));
    if let RefOr::T(response) = entry
        && !response.description.contains(sentence)
    {
        if !response.description.is_empty() {
            response.description.push(' ');
        }
        response.description.push_str(sentence);
    }
}

fn document(operation: &mut Operation) {
    let declared: Vec<String> = operation.responses.responses.keys().cloned().collect();
    for status in declared {
        if let (Some(sentence), Some(RefOr::T(response))) =
            (meaning(&status), operation.responses.responses.get(&status))
            && response.description.is_empty()
        {
            add(operation, &status, sentence);
        }
    }
    let parameters = operation.parameters.clone().unwrap_or_default();
    let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add(operation, "401", meaning("401").unwrap_or_default());
        add(operation, "403", ENROLMENT_REQUIRED);
    }
    if has(ParameterIn::Path) {
        add(operation, "400", INVALID_PATH);
        add(operation, "404", meaning("404").unwrap_or_default());
    }
    if has(ParameterIn::Query) {
        add(operation, "400", INVALID_QUERY);
    }
    if parameters.iter().any(|p| p.parameter_in == ParameterIn::Header && p.name == IF_MATCH) {
        add(operation, "400", BAD_IF_MATCH);
        add(operation, "412", meaning("412").unwrap_or_default());
        add(operation, "428", meaning("428").unwrap_or_default());
    }
    if let Some(body) = &operation.request_body {
        let json = body.content.contains_key("application/json");
        add(operation, "413", meaning("413").unwrap_or_default());
        if json {
            add(operation, "400", MALFORMED_JSON);
            add(operation, "415", meaning("415").unwrap_or_default());
            // Every handler taking JSON checks what it is sent, beyond its shape.
            add(operation, "422", meaning("422").unwrap_or_default());
            add(operation, "422", INVALID_BODY);
        }
    }
    operation.responses.responses.entry("default".to_owned()).or_insert_with(|| RefOr::T(error_response(SERVER)));
}

/// Documents the shared error answers on every operation of `openapi`.
pub(super) fn add_shared_errors(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            document(operation);
        }
    }
}
