//! The interface's strings in the files translators' own tools read and write (issue 18):
//! gettext PO and XLIFF 2.0, beside the workbook. Each string is keyed by its resource key (PO's
//! `msgctxt`, XLIFF's unit `id`), with the Chinese source, the English and the page that uses it
//! as notes for the translator; a draft is marked (PO `fuzzy`, XLIFF state `translated`).
//! Reading gives back each key with the text a translator filled in; what the text may be is
//! checked by the caller, as for a workbook.

use std::fmt::Write as _;

use pacesetter_domain::table::SheetError;

use crate::{
    charts::escape as xml,
    tabular::{self, MAX_FILE_BYTES},
};

/// One string as it is written out.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub key: &'a str,
    /// The Chinese source.
    pub source: &'a str,
    pub english: &'a str,
    /// The page that uses it, if one does.
    pub used_on: Option<&'a str>,
    /// The translation: the draft waiting for review, or the text in force; empty when the
    /// string is not translated yet.
    pub text: &'a str,
    pub state: EntryState,
}

/// Where a string stands, in the terms of the exchange formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// No translation yet.
    Missing,
    /// Edited, waiting for review.
    Draft,
    /// Reviewed, or shipped as attested.
    Final,
}

/// Which format a file is in, told by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Po,
    Xliff,
}

impl Format {
    /// XML (after a byte-order mark and blank space) is XLIFF; other text is PO.
    pub fn of(bytes: &[u8]) -> Self {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if text.trim_ascii_start().starts_with(b"<") { Self::Xliff } else { Self::Po }
    }

    /// The exchange format of an uploaded file, or `None` for a spreadsheet (or a file that is
    /// neither XLIFF nor has a PO keyword in its first 64 KiB), which the table reader takes.
    pub fn of_upload(bytes: &[u8]) -> Option<Self> {
        if tabular::is_spreadsheet(bytes) {
            return None;
        }
        let po = || bytes.windows(6).take(64 * 1024).any(|w| w == b"msgid " || w == b"msgctx");
        match Self::of(bytes) {
            Self::Xliff => Some(Self::Xliff),
            Self::Po if po() => Some(Self::Po),
            Self::Po => None,
        }
    }
}

/// A PO string literal: quoted, with backslash, quote, new line and tab escaped.
fn po_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A PO comment's text on one line.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The strings of `language` as a gettext PO file, sources in Chinese.
pub fn write_po(language: &str, entries: &[Entry<'_>]) -> String {
    let mut out = String::new();
    out.push_str("# Pacesetter interface strings. msgctxt is the key; msgid the Chinese source.\n");
    out.push_str("msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n");
    let _ = writeln!(out, "\"Language: {language}\\n\"\n\"X-Source-Language: zh-Hans\\n\"");
    for entry in entries {
        out.push('\n');
        if !entry.english.is_empty() {
            let _ = writeln!(out, "#. English: {}", one_line(entry.english));
        }
        if let Some(page) = entry.used_on {
            let _ = writeln!(out, "#: {page}");
        }
        if entry.state == EntryState::Draft {
            out.push_str("#, fuzzy\n");
        }
        let _ = writeln!(out, "msgctxt {}", po_quoted(entry.key));
        let _ = writeln!(out, "msgid {}", po_quoted(entry.source));
        let _ = writeln!(out, "msgstr {}", po_quoted(entry.text));
    }
    out
}

/// The strings of `language` as an XLIFF 2.0 document, sources in Chinese.
pub fn write_xliff(language: &str, entries: &[Entry<'_>]) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"zh-Hans\" trgLang=\"{}\">",
        xml(language)
    );
    out.push_str("  <file id=\"interface\">\n");
    for entry in entries {
        let _ = writeln!(out, "    <unit id=\"{}\">", xml(entry.key));
        if !entry.english.is_empty() || entry.used_on.is_some() {
            out.push_str("      <notes>\n");
            if !entry.english.is_empty() {
                let _ = writeln!(out, "        <note category=\"english\">{}</note>", xml(entry.english));
            }
            if let Some(page) = entry.used_on {
                let _ = writeln!(out, "        <note category=\"location\">{}</note>", xml(page));
            }
            out.push_str("      </notes>\n");
        }
        let state = match entry.state {
            EntryState::Missing => "initial",
            EntryState::Draft => "translated",
            EntryState::Final => "final",
        };
        let _ = writeln!(out, "      <segment state=\"{state}\">");
        let _ = writeln!(out, "        <source>{}</source>", xml(entry.source));
        if entry.state != EntryState::Missing {
            let _ = writeln!(out, "        <target>{}</target>", xml(entry.text));
        }
        out.push_str("      </segment>\n    </unit>\n");
    }
    out.push_str("  </file>\n</xliff>\n");
    out
}

fn damaged(detail: impl Into<String>) -> SheetError {
    SheetError { code: "file_damaged", detail: detail.into() }
}

/// The text of a file in either format, as UTF-8 within the upload limit.
fn text_of(bytes: &[u8]) -> Result<&str, SheetError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError { code: "file_too_large", detail: format!("over {MAX_FILE_BYTES} bytes") });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| SheetError { code: "not_utf8", detail: e.to_string() })
}

/// Each key with the text a translator filled in, from a PO or XLIFF file (told by content);
/// strings left empty are left out.
pub fn read(bytes: &[u8]) -> Result<Vec<(String, String)>, SheetError> {
    let text = text_of(bytes)?;
    let found = match Format::of(bytes) {
        Format::Po => read_po(text)?,
        Format::Xliff => read_xliff(text)?,
    };
    if found.is_empty() {
        return Err(SheetError { code: "file_empty", detail: "no translated string".into() });
    }
    Ok(found)
}

/// A PO string literal's content, unescaped.
fn po_unquoted(literal: &str, line: usize) -> Result<String, SheetError> {
    let inner = literal
        .trim()
        .strip_prefix('"')
        .and_then(|l| l.strip_suffix('"'))
        .ok_or_else(|| damaged(format!("line {line}: a string in quotes was expected")))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('\\' | '"')) => out.push(c),
            _ => return Err(damaged(format!("line {line}: an unknown escape"))),
        }
    }
    Ok(out)
}

/// The PO fields of one entry as they are read.
#[derive(Default)]
struct PoEntry {
    context: Option<String>,
    text: Option<String>,
}

fn read_po(text: &str) -> Result<Vec<(String, String)>, SheetError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        None,
        Context,
        Id,
        Text,
        Other,
    }
    let mut found = Vec::new();
    let mut entry = PoEntry::default();
    let mut field = Field::None;
    let mut finish = |entry: &mut PoEntry| {
        let taken = std::mem::take(entry);
        if let (Some(key), Some(text)) = (taken.context, taken.text)
            && !text.is_empty()
        {
            found.push((key, text));
        }
    };
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (keyword, rest) = match line.split_once(char::is_whitespace) {
            Some((keyword, rest)) if !line.starts_with('"') => (keyword, rest),
            _ => ("", line),
        };
        let value = po_unquoted(rest, line_no)?;
        field = match keyword {
            "" => {
                match field {
                    Field::Context => entry.context.get_or_insert_default().push_str(&value),
                    Field::Text => entry.text.get_or_insert_default().push_str(&value),
                    Field::Id | Field::Other => {}
                    Field::None => return Err(damaged(format!("line {line_no}: a string outside an entry"))),
                }
                field
            }
            "msgctxt" => {
                finish(&mut entry);
                entry.context = Some(value);
                Field::Context
            }
            "msgid" => {
                if field == Field::Text || field == Field::Other {
                    finish(&mut entry);
                }
                Field::Id
            }
            "msgstr" | "msgstr[0]" => {
                entry.text = Some(value);
                Field::Text
            }
            "msgid_plural" | "msgstr[1]" | "msgstr[2]" => Field::Other,
            other => return Err(damaged(format!("line {line_no}: unknown keyword {other}"))),
        };
    }
    finish(&mut entry);
    Ok(found)
}

fn read_xliff(text: &str) -> Result<Vec<(String, String)>, SheetError> {
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000, ..Default::default() };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|e| damaged(e.to_string()))?;
    let root = document.root_element();
    if !root.has_tag_name("xliff") {
        return Err(SheetError { code: "unsupported_file_type", detail: "not an XLIFF document".into() });
    }
    let mut found = Vec::new();
    for unit in root.descendants().filter(|n| n.has_tag_name("unit")) {
        let Some(key) = unit.attribute("id") else { continue };
        let target: String = unit
            .descendants()
            .filter(|n| n.has_tag_name("target"))
            .flat_map(|t| t.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()))
            .collect();
        if !target.is_empty() {
            found.push((key.to_owned(), target));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry<'static>> {
        vec![
            Entry {
                key: "meeting.heading",
                source: "推进会",
                english: "Meetings",
                used_on: Some("/meetings"),
                text: "ཚོགས་འདུ",
                state: EntryState::Draft,
            },
            Entry {
                key: "translations.total",
                source: "共 {n} 条 \"引号\" \\ 与\n换行",
                english: "{n} strings",
                used_on: None,
                text: "",
                state: EntryState::Missing,
            },
            Entry {
                key: "nav.units",
                source: "单位 & <组织>",
                english: "",
                used_on: None,
                text: "ཚན་<པ> & \"ཁག\"",
                state: EntryState::Final,
            },
        ]
    }

    fn translated() -> Vec<(String, String)> {
        vec![("meeting.heading".into(), "ཚོགས་འདུ".into()), ("nav.units".into(), "ཚན་<པ> & \"ཁག\"".into())]
    }

    #[test]
    fn po_and_xliff_read_back_what_they_wrote() {
        let po = write_po("bo", &entries());
        assert!(po.contains("#, fuzzy\nmsgctxt \"meeting.heading\""), "{po}");
        assert_eq!(Format::of(po.as_bytes()), Format::Po);
        assert_eq!(read(po.as_bytes()).unwrap(), translated());
        let xliff = write_xliff("bo", &entries());
        assert_eq!(Format::of(xliff.as_bytes()), Format::Xliff);
        assert!(xliff.contains("<segment state=\"initial\">"));
        assert_eq!(read(xliff.as_bytes()).unwrap(), translated());
    }

    #[test]
    fn po_strings_may_run_over_several_lines() {
        let po = "msgctxt \"a.b\"\nmsgid \"\"\n\"源\"\nmsgstr \"\"\n\"ཀ་\"\n\"ཁ\"\n\nmsgctxt \"c\"\nmsgid \"x\"\nmsgstr \"\"\n";
        assert_eq!(read(po.as_bytes()).unwrap(), vec![("a.b".to_owned(), "ཀ་ཁ".to_owned())]);
    }

    #[test]
    fn damaged_files_are_refused_with_a_code() {
        let code = |bytes: &[u8]| read(bytes).map(|_| ()).unwrap_err().code;
        assert_eq!(code(b"msgctxt \"a\"\nmsgstr \"unterminated\n"), "file_damaged");
        assert_eq!(code(b"msgctxt \"a\"\nmsgstr \"\\q\"\n"), "file_damaged");
        assert_eq!(code(b"nonsense here\n"), "file_damaged");
        assert_eq!(code(b"<xliff><unit id=\"a\"><target>x</target>"), "file_damaged");
        assert_eq!(code(b"<!DOCTYPE x [<!ENTITY a \"b\">]><xliff/>"), "file_damaged");
        assert_eq!(code(b"<html/>"), "unsupported_file_type");
        assert_eq!(code(b"\xff\xfe"), "not_utf8");
        assert_eq!(code(b""), "file_empty");
        assert_eq!(code(b"msgctxt \"a\"\nmsgid \"b\"\nmsgstr \"\"\n"), "file_empty");
    }

    proptest::proptest! {
        /// Nothing a file holds makes reading panic.
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read(&bytes);
        }

        #[test]
        fn any_po_text_is_read_or_refused(text in "(msgctxt|msgid|msgstr|\"|\\\\|#| |\n|a|ཀ){0,60}") {
            let _ = read(text.as_bytes());
        }
    }
}
#[cfg(test)]
mod hostile {
    use super::*;

    #[test]
    fn deep_wide_and_huge_files_are_read_or_refused_without_a_crash() {
        let deep = format!("<xliff>{}{}</xliff>", "<a>".repeat(200_000), "</a>".repeat(200_000));
        let _ = read(deep.as_bytes());
        let wide = format!("<xliff>{}</xliff>", "<unit id=\"k\"><target>ཀ</target></unit>".repeat(300_000));
        let _ = read(wide.as_bytes());
        let long = format!("msgctxt \"k\"\nmsgid \"x\"\nmsgstr \"{}\"\n", "ཀ".repeat(4_000_000));
        assert_eq!(read(long.as_bytes()).map(|_| ()).unwrap_err().code, "file_too_large");
        let many = "msgctxt \"k\"\nmsgid \"x\"\nmsgstr \"ཀ\"\n".repeat(200_000);
        assert_eq!(read(many.as_bytes()).unwrap().len(), 200_000);
    }
}
