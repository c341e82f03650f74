//! Every reader of uploaded bytes as one `fn(&[u8])` that must not panic whatever the bytes
//! are: the fuzz targets in `fuzz/` call these, and the it binary's corpus replay runs every
//! seed file of `fuzz/corpus/<target>/` through them, so CI checks what the fuzzer found.

use pacesetter_domain::{evaluation::sheet, evidence, inspection::photo};

/// A reader of uploaded bytes; it returns nothing, since only a panic is a failure.
pub type Reader = fn(&[u8]);

/// Each target's name (its folder under `fuzz/corpus/` and its binary under `fuzz/`) and reader.
pub const TARGETS: &[(&str, Reader)] = &[
    ("read_sheet", read_sheet),
    ("csv", csv),
    ("plan_sheet", plan_sheet),
    ("evaluation_scheme", evaluation_scheme),
    ("photo", photo),
    ("evidence", evidence),
    ("multipart", multipart),
];

/// An import's sheet, CSV or XLSX told apart by content, as every importer reads it.
pub fn read_sheet(bytes: &[u8]) {
    let _ = pacesetter_export::read_sheet(bytes);
}

/// The CSV reader, whatever the bytes start with.
pub fn csv(bytes: &[u8]) {
    let _ = pacesetter_export::tabular::read_csv(bytes);
}

/// A task-breakdown sheet, read into an import preview (against an empty plan, no database).
pub fn plan_sheet(bytes: &[u8]) {
    if let Ok(grid) = pacesetter_export::read_sheet(bytes) {
        let _ = pacesetter_app::import::preview_task_sheet_offline(&grid);
    }
}

/// An indicator table, read into an evaluation scheme that is then checked, as the scheme
/// import and `pacesetter evaluate --scheme` do.
pub fn evaluation_scheme(bytes: &[u8]) {
    if let Ok(table) = pacesetter_export::read_table(bytes)
        && let Ok(read) = sheet::read(&table)
    {
        let _ = read.scheme().check();
    }
}

/// A photo of a finding, checked and stripped of its metadata, and checked only.
pub fn photo(bytes: &[u8]) {
    let _ = photo::clean(bytes, false);
    let _ = photo::clean(bytes, true);
}

/// An evidence file's type told by its content, and its name and link as the client sent them.
pub fn evidence(bytes: &[u8]) {
    let _ = evidence::sniff(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = evidence::display_filename(&text);
    let _ = evidence::parse_url(&text);
}

/// A page form with files as the server reads it: the first line of the bytes is the boundary
/// (so the fuzzer varies it too), the rest the body.
pub fn multipart(bytes: &[u8]) {
    let (boundary, body) = match bytes.iter().position(|b| *b == b'\n') {
        Some(end) => (String::from_utf8_lossy(&bytes[..end]).trim().to_owned(), bytes[end + 1..].to_vec()),
        None => ("x".to_owned(), bytes.to_vec()),
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else { return };
    let _ = runtime.block_on(pacesetter_web::ui::read_multipart(&boundary, body));
}
