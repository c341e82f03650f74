//! Server-rendered pages. Handlers extract, call the app layer once, and render a template;
//! forms work without JavaScript and carry the session's form token.
//!
//! Handlers are named like the API's: `list_…` and `show_…` for pages, `new_…` and `edit_…` for
//! a form, `create_…`, `update_…` and the action's verb (`archive_unit`, `take_step`) for a post.

mod assignment_selection;
mod assignments;
mod chase;
mod contests;
mod context;
mod evaluations;
mod imports;
mod inbox;
mod inspections;
mod login;
mod meetings;
mod multipart;
pub(crate) mod named;
pub use multipart::read_untrusted as read_multipart;
mod page;
mod plan_items;
mod plans;
mod quizzes;
mod reports;
pub(crate) mod screens;
mod search;
mod second_factor;
mod translations;
mod units;
mod users;

use axum::{
    Router,
    response::Response,
    routing::{get, post},
};

pub use context::{PageCtx, PageUser};

use crate::{AppState, authz::RouteKey};

/// Records each page route as it is added, for the authorization inventory.
struct Routes {
    router: Router<AppState>,
    keys: Vec<RouteKey>,
}

impl Routes {
    fn add(mut self, method: &str, path: &str, handler: axum::routing::MethodRouter<AppState>) -> Self {
        self.keys.push(RouteKey::new(method, path));
        self.router = self.router.route(path, handler);
        self
    }

    /// A form that sends files: its body may reach [`crate::MAX_UPLOAD_BYTES`].
    fn add_upload(self, method: &str, path: &str, handler: axum::routing::MethodRouter<AppState>) -> Self {
        self.add(method, path, handler.layer(crate::upload_limit()))
    }
}

pub fn router(state: AppState) -> (Router, Vec<RouteKey>) {
    let routes = Routes { router: Router::new(), keys: Vec::new() }
        .add("GET", "/", get(login::home))
        .add("GET", "/login", get(login::show_login))
        .add("POST", "/login", post(login::sign_in))
        .add("POST", "/logout", post(login::sign_out))
        .add("GET", "/login/verify", get(second_factor::show_verify))
        .add("POST", "/login/verify", post(second_factor::verify))
        .add("GET", "/login/enrol", get(second_factor::show_enrol))
        .add("POST", "/login/enrol", post(second_factor::enrol))
        .add("GET", "/account/security", get(second_factor::show_security))
        .add("POST", "/account/security/enrol", post(second_factor::begin))
        .add("POST", "/account/security/confirm", post(second_factor::confirm))
        .add("POST", "/account/security/recovery-codes", post(second_factor::renew_recovery_codes))
        .add("POST", "/account/security/disable", post(second_factor::disable))
        .add("POST", "/settings/language", post(login::set_language))
        .add("GET", "/units", get(units::list_units))
        .add("POST", "/units", post(units::create_unit))
        .add("GET", "/units/new", get(units::new_unit))
        .add("GET", "/units/{id}", get(units::show_unit))
        .add("POST", "/units/{id}", post(units::update_unit))
        .add("GET", "/units/{id}/edit", get(units::edit_unit))
        .add("POST", "/units/{id}/move", post(units::move_unit))
        .add("POST", "/units/{id}/archive", post(units::archive_unit))
        .add("POST", "/units/{id}/restore", post(units::restore_unit))
        .add("GET", "/users", get(users::list_users))
        .add("POST", "/users", post(users::create_user))
        .add("GET", "/users/new", get(users::new_user))
        .add("GET", "/users/{id}", get(users::show_user))
        .add("GET", "/users/{id}/edit", get(users::edit_user))
        .add("POST", "/users/{id}", post(users::update_user))
        .add("POST", "/users/{id}/disable", post(users::disable_user))
        .add("POST", "/users/{id}/enable", post(users::enable_user))
        .add("POST", "/users/{id}/password", post(users::reset_password))
        .add("POST", "/users/{id}/sign-out-everywhere", post(users::sign_out_everywhere))
        .add("POST", "/users/{id}/second-factor/reset", post(second_factor::reset))
        .add("POST", "/users/{id}/grants", post(users::create_grant))
        .add("POST", "/grants/{id}/delete", post(users::delete_grant))
        .add("GET", "/campaigns", get(plans::list_campaigns))
        .add("GET", "/campaigns/new", get(plans::new_campaign))
        .add("POST", "/campaigns", post(plans::create_campaign))
        .add("GET", "/campaigns/{id}", get(plans::show_campaign))
        .add("GET", "/campaigns/{id}/edit", get(plans::edit_campaign))
        .add("POST", "/campaigns/{id}", post(plans::update_campaign))
        .add("GET", "/campaigns/{id}/dashboard", get(reports::show_dashboard))
        .add("POST", "/campaigns/{id}/rollover", post(reports::roll_over))
        .add("GET", "/public/campaigns/{id}", get(reports::show_public_plan))
        .add("GET", "/plan-items/new", get(plan_items::new_item))
        .add("POST", "/plan-items", post(plan_items::create_item))
        .add("GET", "/plan-items/{id}", get(plan_items::show_item))
        .add("GET", "/plan-items/{id}/edit", get(plan_items::edit_item))
        .add("POST", "/plan-items/{id}", post(plan_items::update_item))
        .add("POST", "/plan-items/{id}/assign", post(plan_items::assign_task))
        .add("GET", "/search", get(search::search_page))
        .add("GET", "/translations", get(translations::show_translations))
        .add("GET", "/translations/export.xlsx", get(translations::export_xlsx))
        .add("GET", "/translations/export.po", get(translations::export_po))
        .add("GET", "/translations/export.xliff", get(translations::export_xliff))
        .add_upload("POST", "/translations/import", post(translations::preview_import))
        .add_upload("POST", "/translations/import/commit", post(translations::commit_import))
        .add("POST", "/translations/{locale}/{key}", post(translations::edit_translation))
        .add("POST", "/translations/{locale}/{key}/review", post(translations::review_translation))
        .add("GET", "/assignments", get(assignments::list_assignments))
        .add("GET", "/assignments/{id}", get(assignments::show_assignment))
        .add("POST", "/assignments/chase", post(assignment_selection::chase_selected))
        .add("POST", "/assignments/export", post(assignment_selection::export_selected))
        .add("POST", "/assignments/{id}/chase", post(assignment_selection::chase_one))
        .add("POST", "/assignments/review", post(assignment_selection::review_selected))
        .add("POST", "/assignments/notice", post(assignment_selection::notice_selected))
        .add("POST", "/assignments/{id}/step", post(assignments::take_step))
        .add_upload("POST", "/assignments/{id}/update", post(assignments::post_update))
        .add("GET", "/evaluations", get(evaluations::list_evaluations))
        .add("GET", "/evaluations/new", get(evaluations::new_evaluation))
        .add("POST", "/evaluations", post(evaluations::create_evaluation))
        .add_upload("POST", "/campaigns/{id}/evaluations/import", post(evaluations::import_evaluation))
        .add("GET", "/evaluations/{id}", get(evaluations::show_evaluation))
        .add("GET", "/evaluations/{id}/edit", get(evaluations::edit_evaluation))
        .add("POST", "/evaluations/{id}", post(evaluations::update_evaluation))
        .add("GET", "/evaluations/{id}/self", get(evaluations::show_self_sheet))
        .add("POST", "/evaluations/{id}/self", post(evaluations::save_self_sheet))
        .add("POST", "/evaluations/{id}/submit", post(evaluations::submit_self_sheet))
        .add("GET", "/evaluations/{id}/inspect", get(evaluations::show_inspection_sheet))
        .add("POST", "/evaluations/{id}/inspect", post(evaluations::save_inspection_sheet))
        .add("GET", "/evaluations/{id}/items", get(evaluations::list_items))
        .add("POST", "/evaluations/{id}/items", post(evaluations::add_item))
        .add("POST", "/evaluations/{id}/finding-deductions", post(evaluations::finding_deductions))
        .add("POST", "/evaluations/{id}/runs", post(evaluations::create_run))
        .add("GET", "/evaluations/runs/{id}", get(evaluations::show_run))
        .add("GET", "/evaluations/runs/{id}/verify", get(evaluations::verify_run))
        .add("POST", "/evaluations/runs/{id}/publish", post(evaluations::publish_run))
        .add("POST", "/evaluations/runs/{id}/what-if", post(evaluations::what_if))
        .add("GET", "/evaluations/runs/{id}/explain", get(evaluations::explain))
        .add("POST", "/evaluations/runs/{id}/appeals", post(evaluations::file_appeal))
        .add("POST", "/evaluations/appeals/{id}/decision", post(evaluations::decide_appeal))
        .add("GET", "/inspections", get(inspections::list_rounds))
        .add("GET", "/inspections/burden", get(inspections::show_burden))
        .add("GET", "/findings/{id}", get(inspections::findings::show_finding))
        .add_upload("POST", "/findings/{id}/step", post(inspections::findings::take_step))
        .add("POST", "/findings/{id}/chase", post(inspections::findings::chase))
        .add_upload("POST", "/findings/{id}/photos", post(inspections::findings::add_photos))
        .add("GET", "/inspection-rounds/new", get(inspections::planning::new_round))
        .add("POST", "/inspection-rounds", post(inspections::planning::create_round))
        .add("GET", "/inspection-rounds/{id}", get(inspections::planning::show_round))
        .add("POST", "/inspection-rounds/{id}", post(inspections::planning::update_round))
        .add("POST", "/inspection-rounds/{id}/status", post(inspections::planning::advance_round))
        .add("POST", "/inspection-rounds/{id}/teams", post(inspections::planning::add_team))
        .add("POST", "/inspection-rounds/{id}/targets", post(inspections::planning::set_targets))
        .add("POST", "/inspection-rounds/{id}/checklist", post(inspections::planning::set_checklist))
        .add("POST", "/inspection-rounds/{id}/checklist/generate", post(inspections::planning::generate_checklist))
        .add("GET", "/inspection-rounds/{id}/units/{unit}", get(inspections::target_sheet::show_target_sheet))
        .add("POST", "/inspection-rounds/{id}/units/{unit}/self", post(inspections::target_sheet::save_self_check))
        .add(
            "POST",
            "/inspection-rounds/{id}/units/{unit}/inspect",
            post(inspections::target_sheet::save_inspector_check),
        )
        .add("POST", "/inspection-rounds/{id}/units/{unit}/submit", post(inspections::target_sheet::submit_self_check))
        .add_upload(
            "POST",
            "/inspection-rounds/{id}/units/{unit}/findings",
            post(inspections::target_sheet::record_finding),
        )
        .add("GET", "/meetings", get(meetings::list_meetings))
        .add("POST", "/meetings", post(meetings::create_meeting))
        .add("GET", "/meetings/{id}", get(meetings::show_meeting))
        .add("POST", "/meetings/{id}/venues", post(meetings::add_venue))
        .add("POST", "/meetings/{id}/agenda-items", post(meetings::add_agenda_item))
        .add("GET", "/meetings/{id}/roll-call", get(meetings::show_roll_call))
        .add("POST", "/meetings/{id}/close", post(meetings::close_meeting))
        .add("POST", "/meetings/{id}/title", post(meetings::rename_meeting))
        .add("POST", "/meetings/{id}/amendments", post(meetings::amend_meeting))
        .add("POST", "/meetings/{id}/decisions", post(meetings::decide))
        .add("POST", "/meeting-agenda-items/{id}/summary", post(meetings::write_summary))
        .add("GET", "/meetings/{id}/attendance.xlsx", get(meetings::attendance_xlsx))
        .add("GET", "/meetings/{id}/minutes.pdf", get(meetings::minutes_pdf))
        .add("GET", "/meetings/{id}/briefing.pdf", get(meetings::briefing_pdf))
        .add("GET", "/meeting-venues/{id}", get(meetings::show_venue))
        .add("POST", "/meeting-venues/{id}/attendance", post(meetings::record_attendance))
        .add("POST", "/meeting-venues/{id}/link-test", post(meetings::report_link_test))
        .add("GET", "/contests", get(contests::list_contests))
        .add("POST", "/contests", post(contests::create_contest))
        .add("GET", "/contests/{id}", get(contests::show_contest))
        .add("POST", "/contests/{id}/name", post(contests::rename_contest))
        .add("POST", "/contests/{id}/rounds", post(contests::add_round))
        .add("POST", "/contests/{id}/awards", post(contests::add_award))
        .add("POST", "/contest-awards/{id}/delete", post(contests::remove_award))
        .add("GET", "/contest-rounds/{id}", get(contests::show_round))
        .add("POST", "/contest-rounds/{id}/judges", post(contests::seat_judge))
        .add_upload("POST", "/contest-rounds/{id}/entries", post(contests::add_entry))
        .add("POST", "/contest-rounds/{id}/publish", post(contests::publish_round))
        .add("POST", "/contest-rounds/{id}/bonus-items", post(contests::bonus_items))
        .add("POST", "/contest-rounds/{id}/corrections", post(contests::correct_score))
        .add("POST", "/contest-rounds/{id}/promote", post(contests::promote))
        .add("GET", "/contest-rounds/{id}/results.xlsx", get(contests::results_xlsx))
        .add("GET", "/contest-entries/{id}/image", get(contests::show_entry_image))
        .add("POST", "/contest-rounds/{id}/draw", post(contests::draw))
        .add("POST", "/contest-rounds/{id}/advance", post(contests::advance_round))
        .add("GET", "/contest-rounds/{id}/screen", get(contests::show_screen))
        .add("GET", "/contest-rounds/{id}/events", get(contests::board_events))
        .add("GET", "/judging", get(contests::show_judging))
        .add("POST", "/contest-entries/{id}/scores", post(contests::submit_score))
        .add("POST", "/quizzes", post(quizzes::create_quiz))
        .add("GET", "/quizzes/{id}", get(quizzes::show_quiz))
        .add("POST", "/quizzes/{id}/teams", post(quizzes::add_team))
        .add("POST", "/quizzes/{id}/advance", post(quizzes::advance_quiz))
        .add("POST", "/quizzes/{id}/answers", post(quizzes::record_answer))
        .add("POST", "/quiz-events/{id}/void", post(quizzes::void_answer))
        .add("GET", "/quizzes/{id}/screen", get(quizzes::show_screen))
        .add("GET", "/quizzes/{id}/events", get(quizzes::standings_events))
        .add("GET", "/inbox", get(inbox::list_notifications))
        .add("POST", "/inbox/read", post(inbox::mark_notifications_read))
        .add("POST", "/inbox/prefs", post(inbox::save_notification_settings))
        .add("GET", "/imports", get(imports::list_imports))
        .add_upload("POST", "/imports", post(imports::upload_import))
        .add("GET", "/imports/{id}", get(imports::show_import))
        .add("POST", "/imports/{id}/commit", post(imports::commit_import))
        .add("POST", "/imports/{id}/mapping", post(imports::set_mapping));
    let mut keys = routes.keys;
    keys.push(RouteKey::new("GET", "/static/{*file}"));
    keys.push(RouteKey::new("GET", "/api/v1/openapi.json"));
    keys.push(RouteKey::new("GET", "/api/docs"));
    keys.push(RouteKey::new("GET", "/api/docs/{*rest}"));
    keys.sort();
    keys.dedup();
    (
        routes.router.layer(axum::middleware::from_fn_with_state(state.clone(), page::show_errors)).with_state(state),
        keys,
    )
}

/// A generic error page in the visitor's language.
pub async fn not_found_page(_uri: axum::http::Uri) -> Response {
    let t = crate::i18n::Tr::shipped(pacesetter_domain::Locale::ZhHans);
    let view = page::ErrorView::refusal(axum::http::StatusCode::NOT_FOUND, "error.not_found");
    page::message_response(PageCtx::anonymous(t, "/"), &view)
}
