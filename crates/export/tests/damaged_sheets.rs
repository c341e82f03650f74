//! Damaged and foreign files given to the sheet reader: each is refused with a code, never a
//! panic, whatever the libraries underneath make of it.
#![expect(clippy::unwrap_used, reason = "tests stop loudly on the unexpected")]

use std::io::{Cursor, Read, Write};

use pacesetter_export::{ReadError, read_sheet, read_table};

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = zip::ZipWriter::new(Cursor::new(&mut out));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap();
    out
}

/// A small valid workbook: a header row and one row of data, all shared strings.
fn valid_xlsx() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, text) in ["编码", "名称", "类型"].iter().enumerate() {
        sheet.write_string(0, column as u16, *text).unwrap();
    }
    sheet.write_string(1, 0, "540100").unwrap();
    sheet.write_string(1, 1, "拉萨市").unwrap();
    sheet.write_number(1, 2, 3.0).unwrap();
    workbook.save_to_buffer().unwrap()
}

/// The parts of a workbook, unpacked.
fn parts(xlsx: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().to_owned(), data)
        })
        .collect()
}

/// [`valid_xlsx`] with its first shared-string cell pointing at index 999, past the end of
/// the shared strings: the damage calamine 0.30 panicked on (index out of bounds) and 0.38
/// reports as an error.
fn damaged_xlsx() -> Vec<u8> {
    let mut parts = parts(&valid_xlsx());
    let (_, sheet) = parts.iter_mut().find(|(name, _)| name == "xl/worksheets/sheet1.xml").unwrap();
    let xml = String::from_utf8(std::mem::take(sheet)).unwrap();
    assert!(xml.contains(r#"t="s"><v>0</v>"#), "the writer's cell shape changed: {xml}");
    *sheet = xml.replacen(r#"t="s"><v>0</v>"#, r#"t="s"><v>999</v>"#, 1).into_bytes();
    zip_of(&parts)
}

#[test]
fn a_cell_pointing_past_the_shared_strings_is_a_damaged_sheet() {
    let error = read_sheet(&damaged_xlsx()).unwrap_err();
    assert_eq!(error.code, "sheet_damaged", "{}", error.detail);
    assert!(error.detail.contains("shared strings"), "the library's complaint is kept for the log: {}", error.detail);
    assert!(matches!(read_table(&damaged_xlsx()).unwrap_err(), ReadError::SheetDamaged(_)));
    assert!(read_sheet(&valid_xlsx()).is_ok(), "the undamaged workbook reads");
}

#[test]
fn a_pdf_an_image_or_a_word_document_is_not_a_spreadsheet() {
    let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    assert_eq!(read_table(pdf).unwrap_err(), ReadError::UnknownFormat);
    assert_eq!(read_sheet(pdf).unwrap_err().code, "unsupported_file_type");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(read_table(png).unwrap_err(), ReadError::UnknownFormat);
    let docx = zip_of(&[
        ("[Content_Types].xml".to_owned(), b"<Types/>".to_vec()),
        ("word/document.xml".to_owned(), b"<w:document/>".to_vec()),
    ]);
    assert_eq!(read_table(&docx).unwrap_err(), ReadError::UnknownFormat);
}

/// A small deterministic generator (xorshift64*), so a failure is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Flips a few bytes, cuts the tail off, or overwrites a short run with noise.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    match rng.below(3) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        1 => bytes.truncate(rng.below(bytes.len())),
        _ => {
            let at = rng.below(bytes.len());
            for byte in bytes.iter_mut().skip(at).take(1 + rng.below(16)) {
                *byte = rng.next() as u8;
            }
        }
    }
}

#[test]
fn mutated_workbooks_are_read_or_refused_never_a_panic() {
    let valid = valid_xlsx();
    let unpacked = parts(&valid);
    let mut rng = Rng(0x5EED_2024_0C0F_FEE5);
    let mut refused = std::collections::BTreeMap::<&str, usize>::new();
    for round in 0..400 {
        // Half the variants damage the container; the other half damage one XML part and zip
        // it again, so the bytes reach the XML reader instead of failing the zip's checksum.
        let variant = if round % 2 == 0 {
            let mut bytes = valid.clone();
            mutate(&mut rng, &mut bytes);
            bytes
        } else {
            let mut parts = unpacked.clone();
            let index = rng.below(parts.len());
            mutate(&mut rng, &mut parts[index].1);
            zip_of(&parts)
        };
        let outcome = std::panic::catch_unwind(|| read_sheet(&variant));
        let Ok(result) = outcome else {
            let path = std::env::temp_dir().join(format!("pacesetter-mutant-{round}.xlsx"));
            std::fs::write(&path, &variant).unwrap();
            panic!("variant {round} panicked the reader; saved as {}", path.display());
        };
        if let Err(error) = result {
            *refused.entry(error.code).or_default() += 1;
        }
    }
    assert!(refused.values().sum::<usize>() > 100, "most variants are refused: {refused:?}");
}
