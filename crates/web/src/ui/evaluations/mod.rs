//! The evaluation pages (综合考评): schemes and their editor, self-assessment and inspector
//! sheets, list_items, runs with results, explanations, what-ifs and appeals. Every page calls the
//! same app functions as the JSON API, which also check who may do what.

mod appeals;
mod editor;
mod explain;
mod form;
mod items;
mod runs;
mod schemes;
mod sheets;

pub use appeals::{decide_appeal, file_appeal};
pub use editor::{create_evaluation, edit_evaluation, new_evaluation, update_evaluation};
pub use explain::explain;
pub use items::{add_item, finding_deductions, list_items};
pub use runs::{create_run, publish_run, show_run, verify_run, what_if};
pub use schemes::{import_evaluation, list_evaluations, show_evaluation};
pub use sheets::{save_inspection_sheet, save_self_sheet, show_inspection_sheet, show_self_sheet, submit_self_sheet};

use pacesetter_domain::{evaluation::Answer, unit::Unit};
use rust_decimal::Decimal;

use crate::i18n::Tr;

/// A decimal as people write it: no trailing zeros ("12.5", not "12.500").
pub(crate) fn dec(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A unit's name in the page's language.
pub(crate) fn unit_name(unit: &Unit, t: Tr) -> String {
    unit.display_name(t.locale).to_owned()
}

/// An answer in words: "A", "3/4 项", "0.92", "2 次", "达标".
pub(crate) fn answer_text(answer: &Answer, t: Tr) -> String {
    match answer {
        Answer::Level(name) => name.clone(),
        Answer::Checked(items) => {
            let list: Vec<String> = items.iter().map(|i| (i + 1).to_string()).collect();
            t.f("evaluation.checked_items", &[("items", &list.join("、"))])
        }
        Answer::Value(value) => dec(*value),
        Answer::Occurrences(n) => t.n("evaluation.occurrences", n),
        Answer::Met(true) => t.t("evaluation.met").to_owned(),
        Answer::Met(false) => t.t("evaluation.not_met").to_owned(),
    }
}

/// Splits a list typed with commas, semicolons, spaces or new lines (half- or full-width).
pub(crate) fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', '，', ';', '；', '、', ' ', '\n', '\r', '\t']).map(str::trim).filter(|s| !s.is_empty())
}

/// A typed decimal; a full-width stop typed for the point is read as one.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    text.trim().replace('。', ".").parse::<Decimal>().ok()
}
