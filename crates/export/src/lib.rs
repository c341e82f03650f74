//! Reading and writing the files offices exchange: CSV and XLSX sheets for imports and
//! exports, SVG charts, and the bulletin (通报) of an evaluation.

pub mod briefing;
pub mod bulletin;
pub mod certificate;
pub mod charts;
pub mod chase_notice;
mod contain;
pub mod csv_out;
pub mod exchange;
pub mod minutes;
pub mod plan_xlsx;
pub mod said;
pub mod table_xlsx;
pub mod tabular;

pub use tabular::{ReadError, read_sheet, read_table};
