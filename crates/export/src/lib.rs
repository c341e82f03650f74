//! Reading and writing the files offices exchange: CSV and XLSX sheets for imports and
//! exports (later: PDF bulletins and SVG charts).

pub mod charts;
pub mod csv_out;
pub mod plan_xlsx;
pub mod tabular;

pub use tabular::{ReadError, read_sheet, read_table};
