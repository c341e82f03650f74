//! Writing CSV that spreadsheet programs open safely: RFC 4180 quoting, and text that
//! would start a formula neutralised with a leading apostrophe.

/// Makes a text cell safe from formula injection (`=`, `+`, `-`, `@`, tab, CR, NUL at the
/// start) while leaving genuine numbers alone.
pub fn neutralise(text: &str) -> String {
    let starts_formula = text.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']);
    if starts_formula && text.parse::<f64>().is_err() { format!("'{text}") } else { text.to_owned() }
}

/// Writes rows as CSV (UTF-8 with a BOM, so Excel shows Chinese and Tibetan correctly).
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let _ = writer.write_record(headers);
        for row in rows {
            let _ = writer.write_record(row.iter().map(|cell| neutralise(cell)));
        }
        let _ = writer.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_kept() {
        assert_eq!(neutralise("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralise("@SUM(1+1)"), "'@SUM(1+1)");
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("-12.5"), "-12.5");
        assert_eq!(neutralise("拉萨市"), "拉萨市");
        let csv = String::from_utf8(write_csv(&["name"], &[vec!["a,\"b\"".into()]])).unwrap();
        assert_eq!(csv, "\u{feff}name\r\n\"a,\"\"b\"\"\"\r\n");
    }
}
