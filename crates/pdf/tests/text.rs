//! The PDF's Chinese and Tibetan are real text in embedded fonts: a reader extracts them back.

use std::path::PathBuf;

use pacesetter_pdf::{FontSet, PdfError, SYSTEM_FONT_DIRS, compile};

fn fonts() -> FontSet {
    FontSet::scan(&SYSTEM_FONT_DIRS.iter().map(PathBuf::from).collect::<Vec<_>>())
}

#[test]
fn chinese_and_stacked_tibetan_come_back_out_of_the_pdf() {
    let fonts = fonts();
    fonts.require("Noto Sans CJK SC", "fonts-noto-cjk").unwrap();
    fonts.require("Noto Serif Tibetan", "fonts-noto-core").unwrap();
    let markup = r#"
#set text(font: ("Noto Sans CJK SC", "Noto Serif Tibetan"), lang: "zh")
= 民族团结进步模范区创建
#text(lang: "bo", font: "Noto Serif Tibetan")[བོད་རང་སྐྱོང་ལྗོངས། ལྷ་ས་གྲོང་ཁྱེར]
#let d = json("/d.json")
#d.unit
"#;
    let pdf =
        compile(&fonts, markup, &[("/d.json", r#"{"unit": "拉萨市"}"#.as_bytes().to_vec())], Some((2023, 12, 20)))
            .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.windows(9).any(|w| w == b"/FontFile"), "fonts are embedded");
    // The extractor puts spaces where glyph runs are positioned apart (Tibetan marks are
    // placed one by one); the letters themselves must all come back, in order.
    let text: String = pdf_extract::extract_text_from_mem(&pdf).unwrap().split_whitespace().collect();
    assert!(text.contains("民族团结进步模范区创建"), "{text}");
    assert!(text.contains("拉萨市"), "{text}");
    // Stacks (ལྗ, སྐྱ) are shaped into ligature glyphs; the text maps back to the letters.
    assert!(text.contains("བོད་རང་སྐྱོང་ལྗོངས།"), "{text}");
    assert!(text.contains("ལྷ་ས་གྲོང་ཁྱེར"), "{text}");
}

#[test]
fn a_missing_font_names_the_package() {
    let empty = FontSet::scan(&[PathBuf::from("/nonexistent")]);
    let err = empty.require("Noto Serif Tibetan", "fonts-noto-core").unwrap_err();
    assert!(matches!(err, PdfError::MissingFont { .. }));
    assert!(err.to_string().contains("fonts-noto-core") && err.to_string().contains("/nonexistent"));
}

#[test]
fn bad_markup_is_an_error_not_a_panic() {
    let err = compile(&fonts(), "#let x = ", &[], None).unwrap_err();
    assert!(matches!(err, PdfError::Compile(_)));
}
