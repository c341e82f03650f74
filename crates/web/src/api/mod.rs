//! The JSON API under `/api/v1`, registered through utoipa-axum so that the routes and the
//! OpenAPI document cannot drift apart.

mod assignments;
mod auth;
mod burden;
mod evaluation_bulletins;
mod evaluation_runs;
mod evaluations;
mod evidence;
mod extract;
mod findings;
mod health;
mod imports;
mod inspections;
mod notifications;
mod plans;
mod reports;
mod units;
mod users;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

pub use auth::OriginParts as OriginOf;
pub use extract::{ApiActor, ApiJson, ApiPath};

use crate::AppState;

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

/// The API routes and the OpenAPI document describing them.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(auth::create_token, auth::revoke_token))
        .routes(routes!(auth::me))
        .routes(routes!(units::list_units, units::create_unit))
        .routes(routes!(units::get_unit, units::update_unit))
        .routes(routes!(units::list_children))
        .routes(routes!(units::move_unit))
        .routes(routes!(units::archive_unit))
        .routes(routes!(units::restore_unit))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(users::disable_user))
        .routes(routes!(users::enable_user))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::sign_out_everywhere))
        .routes(routes!(users::create_grant))
        .routes(routes!(users::delete_grant))
        .routes(routes!(imports::upload_import, imports::list_imports))
        .routes(routes!(imports::get_import))
        .routes(routes!(imports::commit_import))
        .routes(routes!(imports::set_mapping))
        .routes(routes!(plans::list_campaigns, plans::create_campaign))
        .routes(routes!(plans::get_campaign, plans::update_campaign))
        .routes(routes!(plans::get_plan))
        .routes(routes!(reports::get_dashboard))
        .routes(routes!(reports::export_plan))
        .routes(routes!(reports::roll_over))
        .routes(routes!(reports::public_plan))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_notifications_read))
        .routes(routes!(notifications::get_notification_settings, notifications::put_notification_settings))
        .routes(routes!(plans::create_item))
        .routes(routes!(plans::get_item, plans::update_item))
        .routes(routes!(plans::assign_task))
        .routes(routes!(assignments::list_assignments))
        .routes(routes!(assignments::get_assignment))
        .routes(routes!(assignments::take_step))
        .routes(routes!(assignments::post_update))
        .routes(routes!(evidence::upload_evidence, evidence::library))
        .routes(routes!(evidence::add_link))
        .routes(routes!(evidence::download))
        .routes(routes!(evaluations::list_evaluations, evaluations::create_evaluation))
        .routes(routes!(evaluations::import_evaluation))
        .routes(routes!(evaluations::get_evaluation, evaluations::update_evaluation))
        .routes(routes!(evaluations::get_entries))
        .routes(routes!(evaluations::save_self_entry))
        .routes(routes!(evaluations::save_inspector_entry))
        .routes(routes!(evaluations::submit_self_assessment))
        .routes(routes!(evaluations::add_item))
        .routes(routes!(evaluations::finding_deductions))
        .routes(routes!(evaluation_runs::list_runs, evaluation_runs::create_run))
        .routes(routes!(evaluation_runs::get_run))
        .routes(routes!(evaluation_runs::publish_run))
        .routes(routes!(evaluation_runs::verify_run))
        .routes(routes!(evaluation_runs::what_if))
        .routes(routes!(evaluation_runs::explain))
        .routes(routes!(evaluation_runs::file_appeal))
        .routes(routes!(evaluation_runs::decide_appeal))
        .routes(routes!(evaluation_bulletins::bulletin_pdf))
        .routes(routes!(evaluation_bulletins::bulletin_xlsx))
        .routes(routes!(inspections::list_rounds, inspections::create_round))
        .routes(routes!(inspections::get_round, inspections::update_round))
        .routes(routes!(inspections::add_team))
        .routes(routes!(inspections::set_targets))
        .routes(routes!(inspections::proposed_checklist))
        .routes(routes!(inspections::set_checklist))
        .routes(routes!(inspections::sheet))
        .routes(routes!(inspections::save_self_check))
        .routes(routes!(inspections::save_inspector_check))
        .routes(routes!(inspections::submit_self))
        .routes(routes!(findings::record_finding))
        .routes(routes!(findings::get_finding))
        .routes(routes!(findings::add_photo))
        .routes(routes!(burden::burden))
        .routes(routes!(findings::photo))
        .routes(routes!(findings::take_step))
        .routes(routes!(findings::ledger))
        .routes(routes!(findings::ledger_xlsx))
        .with_state(state)
        .split_for_parts();
    (router, openapi)
}

/// `/api/v1/openapi.json` and the Swagger UI page at `/api/docs`, both from the binary.
pub fn docs_router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi.as_ref().clone()))
}

/// An XLSX workbook as a download; `disposition` is the `Content-Disposition` value.
pub(crate) fn xlsx_download(bytes: Vec<u8>, disposition: &'static str) -> axum::response::Response {
    use axum::{
        http::{HeaderValue, header},
        response::IntoResponse,
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
    response
}
