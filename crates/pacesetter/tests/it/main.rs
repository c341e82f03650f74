//! The one integration-test binary: store, app and HTTP tests, each on every backend
//! (SQLite always, PostgreSQL when `PACESETTER_TEST_POSTGRES` is set).
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests stop loudly on the unexpected")]

mod api_units;
mod audit;
mod auth;
mod authz_fixtures;
mod authz_matrix;
mod backup;
mod body_limits;
mod campaign_settings;
mod chasing;
mod cli;
mod contests;
mod damaged_sheets;
mod dashboard;
mod delivery;
mod demo_evaluation;
mod demo_inspection;
mod evaluation_bulletin;
mod evaluation_import;
mod evaluation_pages;
mod evaluations;
mod evidence;
mod exhibitions;
mod existence;
mod fuzz_corpus;
mod imports;
mod inspection_follow_up;
mod inspection_planning;
mod inspections;
mod openapi;
mod openapi_conformance;
mod page_errors;
mod page_feedback;
mod pages;
mod plan_import;
mod plan_import_cases;
mod plans;
mod quizzes;
mod reminders;
mod reporting;
mod schema_parity;
mod second_factor;
mod sign_in;
mod store;
mod text_input;
