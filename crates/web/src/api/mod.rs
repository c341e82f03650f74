//! The JSON API under `/api/v1`, registered through utoipa-axum so that the routes and the
//! OpenAPI document cannot drift apart.

mod assignments;
mod auth;
mod burden;
mod closed_sets;
mod contests;
mod evaluation_bulletins;
mod evaluation_runs;
mod evaluations;
mod evidence;
mod extract;
mod findings;
mod health;
mod imports;
mod inspections;
mod meetings;
mod notifications;
mod plans;
mod quizzes;
mod reports;
mod responses;
pub(crate) mod translations;
mod units;
mod users;

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use utoipa::{
    OpenApi,
    openapi::{RefOr, schema::Schema},
};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouter},
    routes,
};
use utoipa_swagger_ui::SwaggerUi;

pub use auth::OriginParts as OriginOf;
pub(crate) use contests::results_workbook;
pub use extract::{ApiActor, ApiJson, ApiPath};
pub(crate) use findings::picture;
pub(crate) use meetings::{attendance_workbook, briefing_document, minutes_document};

use crate::{AppState, authz::RouteError};

#[derive(OpenApi)]
#[openapi(
    info(title = "Pacesetter API", description = "Campaign plans, units, people and rankings."),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document describing them. Refuses to build when two types
/// share a schema name: the document keeps only one of them, and would describe the other
/// route's body under the wrong shape.
pub fn router(state: AppState) -> Result<(Router, utoipa::openapi::OpenApi), RouteError> {
    let operations = operations();
    let clashes = schema_name_clashes(operations.iter().flat_map(|(schemas, _, _)| schemas));
    if !clashes.is_empty() {
        return Err(RouteError::SchemaNameClash(clashes.join(", ")));
    }
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi());
    for operation in operations {
        api = api.routes(operation);
    }
    let (router, mut openapi) = api.with_state(state).split_for_parts();
    responses::add_shared_errors(&mut openapi);
    Ok((router, openapi))
}

/// Every API operation, with the schemas its types register.
fn operations() -> Vec<UtoipaMethodRouter<AppState>> {
    vec![
        routes!(health::health),
        routes!(auth::create_token, auth::revoke_token),
        routes!(auth::me),
        routes!(auth::second_factor_status, auth::begin_second_factor),
        routes!(auth::confirm_second_factor),
        routes!(auth::renew_recovery_codes),
        routes!(auth::disable_second_factor),
        routes!(units::list_units, units::create_unit),
        routes!(units::get_unit, units::update_unit),
        routes!(units::list_children),
        routes!(units::move_unit),
        routes!(units::archive_unit),
        routes!(units::restore_unit),
        routes!(users::list_users, users::create_user),
        routes!(users::get_user, users::update_user),
        routes!(users::disable_user),
        routes!(users::enable_user),
        routes!(users::reset_password),
        routes!(users::sign_out_everywhere),
        routes!(users::reset_second_factor),
        routes!(users::create_grant),
        routes!(users::delete_grant),
        upload(routes!(imports::upload_import, imports::list_imports)),
        routes!(imports::get_import),
        routes!(imports::commit_import),
        routes!(imports::set_mapping),
        routes!(plans::list_campaigns, plans::create_campaign),
        routes!(plans::get_campaign, plans::update_campaign),
        routes!(plans::get_plan),
        routes!(reports::get_dashboard),
        routes!(reports::export_plan),
        routes!(reports::roll_over),
        routes!(reports::public_plan),
        routes!(translations::list_translations),
        routes!(translations::coverage),
        routes!(translations::export_xlsx),
        routes!(translations::export_po),
        routes!(translations::export_xliff),
        upload(routes!(translations::import_workbook)),
        routes!(translations::edit_translation, translations::remove_translation),
        routes!(translations::review_translation),
        routes!(notifications::list_notifications),
        routes!(notifications::mark_notifications_read),
        routes!(notifications::get_notification_settings, notifications::put_notification_settings),
        routes!(plans::create_item),
        routes!(plans::get_item, plans::update_item),
        routes!(plans::assign_task),
        routes!(assignments::list_assignments),
        routes!(assignments::get_assignment),
        routes!(assignments::take_step),
        routes!(assignments::chase_one),
        routes!(assignments::chase_many),
        routes!(assignments::review_many),
        routes!(assignments::chase_notice),
        routes!(assignments::post_update),
        upload(routes!(evidence::upload_evidence, evidence::library)),
        routes!(evidence::add_link),
        routes!(evidence::download),
        routes!(evaluations::list_evaluations, evaluations::create_evaluation),
        upload(routes!(evaluations::import_evaluation)),
        routes!(evaluations::get_evaluation, evaluations::update_evaluation),
        routes!(evaluations::get_entries),
        routes!(evaluations::save_self_entry),
        routes!(evaluations::save_inspector_entry),
        routes!(evaluations::submit_self_assessment),
        routes!(evaluations::add_item),
        routes!(evaluations::finding_deductions),
        routes!(evaluation_runs::list_runs, evaluation_runs::create_run),
        routes!(evaluation_runs::get_run),
        routes!(evaluation_runs::publish_run),
        routes!(evaluation_runs::verify_run),
        routes!(evaluation_runs::what_if),
        routes!(evaluation_runs::explain),
        routes!(evaluation_runs::file_appeal),
        routes!(evaluation_runs::decide_appeal),
        routes!(evaluation_bulletins::bulletin_pdf),
        routes!(evaluation_bulletins::bulletin_xlsx),
        routes!(contests::list_contests, contests::create_contest),
        routes!(contests::get_contest),
        routes!(contests::rename_contest),
        routes!(contests::add_round),
        routes!(contests::seat_judge),
        routes!(contests::add_entry),
        upload(routes!(contests::set_entry_image, contests::entry_image)),
        routes!(contests::publish),
        routes!(contests::bonus_items),
        routes!(contests::promote),
        routes!(contests::certificate_pdf),
        routes!(contests::add_award),
        routes!(contests::remove_award),
        routes!(contests::award_certificate_pdf),
        routes!(contests::results_xlsx),
        routes!(contests::draw),
        routes!(contests::advance),
        routes!(contests::submit_score),
        routes!(contests::correct_score),
        routes!(contests::board),
        routes!(contests::judging),
        routes!(meetings::list_meetings, meetings::create_meeting),
        routes!(meetings::get_meeting),
        routes!(meetings::add_venue),
        routes!(meetings::add_agenda_item),
        routes!(meetings::write_summary),
        routes!(meetings::roll_call),
        routes!(meetings::close_meeting),
        routes!(meetings::rename_meeting),
        routes!(meetings::amend_meeting),
        routes!(meetings::list_decisions, meetings::decide),
        routes!(meetings::attendance_xlsx),
        routes!(meetings::minutes_pdf),
        routes!(meetings::briefing_pdf),
        routes!(meetings::venue_roll),
        routes!(meetings::record_attendance),
        routes!(meetings::report_link_test),
        routes!(quizzes::list_quizzes, quizzes::create_quiz),
        routes!(quizzes::get_quiz),
        routes!(quizzes::add_team),
        routes!(quizzes::advance),
        routes!(quizzes::list_events, quizzes::record_event),
        routes!(quizzes::void_event),
        routes!(quizzes::standings),
        routes!(inspections::list_rounds, inspections::create_round),
        routes!(inspections::get_round, inspections::update_round),
        routes!(inspections::add_team),
        routes!(inspections::set_targets),
        routes!(inspections::proposed_checklist),
        routes!(inspections::set_checklist),
        routes!(inspections::sheet),
        routes!(inspections::save_self_check),
        routes!(inspections::save_inspector_check),
        routes!(inspections::submit_self),
        routes!(findings::record_finding),
        routes!(findings::get_finding),
        upload(routes!(findings::add_photo)),
        routes!(burden::burden),
        routes!(findings::photo),
        routes!(findings::take_step),
        routes!(findings::chase),
        routes!(findings::ledger),
        routes!(findings::ledger_xlsx),
    ]
}

/// An upload route: its body may be a file up to [`crate::MAX_UPLOAD_BYTES`].
fn upload(route: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    let (schemas, paths, method_router) = route;
    (schemas, paths, method_router.layer(crate::upload_limit()))
}

/// Schema names registered with two different schemas, i.e. by two different types.
fn schema_name_clashes<'a>(schemas: impl IntoIterator<Item = &'a (String, RefOr<Schema>)>) -> Vec<String> {
    let mut seen: BTreeMap<&str, &RefOr<Schema>> = BTreeMap::new();
    let mut clashes = BTreeSet::new();
    for (name, schema) in schemas {
        match seen.get(name.as_str()) {
            None => {
                seen.insert(name, schema);
            }
            Some(first) if *first != schema => {
                clashes.insert(name.clone());
            }
            Some(_) => {}
        }
    }
    clashes.into_iter().collect()
}

/// A file's bytes, as the whole body of an upload.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(dead_code, reason = "only its schema is read: handlers take the body as `Bytes`")]
pub(crate) struct FileBytes(Vec<u8>);

/// `/api/v1/openapi.json` and the Swagger UI page at `/api/docs`, both from the binary. The
/// document is written out once: kept as a tree it held three quarters of an idle server's
/// heap (7.6 of 10.4 MB), and Swagger UI's own route wrote it out again for every request.
pub fn docs_router(openapi: &utoipa::openapi::OpenApi) -> Result<Router, RouteError> {
    use axum::{http::header, routing::get};
    const PATH: &str = "/api/v1/openapi.json";
    let document =
        axum::body::Bytes::from(serde_json::to_vec(openapi).map_err(|error| RouteError::Document(error.to_string()))?);
    Ok(Router::new()
        .route(PATH, get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }))
        .merge(SwaggerUi::new("/api/docs").config(utoipa_swagger_ui::Config::new([PATH]))))
}

/// An XLSX workbook as a download; `disposition` is the `Content-Disposition` value.
/// A PDF as a download named `name`.
pub(crate) fn pdf_download(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) fn xlsx_download(bytes: Vec<u8>, disposition: &str) -> axum::response::Response {
    download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disposition)
}

/// A file to save: its bytes with their content type and how to name it.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, disposition: &str) -> axum::response::Response {
    use axum::{
        http::{HeaderValue, header},
        response::IntoResponse,
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    mod first {
        #[derive(utoipa::ToSchema)]
        #[expect(dead_code, reason = "only its schema is read")]
        pub struct StepRequest {
            pub step: String,
        }
    }

    mod second {
        #[derive(utoipa::ToSchema)]
        #[expect(dead_code, reason = "only its schema is read")]
        pub struct StepRequest {
            pub text: String,
        }
    }

    #[test]
    fn two_types_of_one_name_are_a_clash_and_one_type_twice_is_not() {
        let first = ("StepRequest".to_owned(), first::StepRequest::schema());
        let again = ("StepRequest".to_owned(), first::StepRequest::schema());
        let second = ("StepRequest".to_owned(), second::StepRequest::schema());
        assert_eq!(super::schema_name_clashes([&first, &again]), Vec::<String>::new());
        assert_eq!(super::schema_name_clashes([&first, &again, &second]), vec!["StepRequest".to_owned()]);
    }

    #[test]
    fn no_two_api_types_share_a_schema_name() {
        let operations = super::operations();
        let clashes = super::schema_name_clashes(operations.iter().flat_map(|(schemas, _, _)| schemas));
        assert!(clashes.is_empty(), "schema names used by two types: {clashes:?}");
    }
}
