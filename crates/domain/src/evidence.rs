//! Evidence: files checked by their content (never their name) and links, kept in a unit's
//! library and reused.

use crate::{FieldError, Timestamp, UnitId, UserId};

/// An evidence record's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct EvidenceId(pub i64);

impl std::fmt::Display for EvidenceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A file or a link in a unit's library.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    pub id: EvidenceId,
    pub unit_id: UnitId,
    pub title: String,
    /// Files: the content hash, type and size. Links: the address.
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub url: Option<String>,
    pub uploaded_by: UserId,
    pub created_at: Timestamp,
}

impl Evidence {
    pub fn is_link(&self) -> bool {
        self.url.is_some()
    }
}

/// The largest evidence file accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The type of an allowed file, told by its first bytes; `None` for anything else (HTML,
/// scripts, executables, SVG, archives that are not office documents).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"PK\x03\x04") && office_part(bytes).is_some() {
        office_part(bytes)
    } else {
        None
    }
}

/// An Office Open XML document names its main part early in the archive; look for it in the
/// first kilobytes rather than trusting the file name.
fn office_part(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if !contains(b"[Content_Types].xml") {
        return None;
    }
    if contains(b"word/") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if contains(b"xl/") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if contains(b"ppt/") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        None
    }
}

/// A file name fit to show (never used as a path): the last segment, no control or
/// direction-override characters, at most 120 characters.
pub fn display_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !crate::text::is_bidi_control(*c) && *c != '"')
        .take(crate::text::TextKind::FileName.max_chars())
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() { "file".to_owned() } else { clean }
}

/// A link: http or https only, no spaces or control characters, at most 2,000 characters.
pub fn parse_url(raw: &str) -> Result<String, FieldError> {
    let text = raw.trim();
    let lower = text.to_ascii_lowercase();
    let valid = (lower.starts_with("https://") || lower.starts_with("http://"))
        && text.len() > 8
        && text.len() <= 2000
        && !text.chars().any(|c| c.is_control() || c.is_whitespace());
    if valid { Ok(text.to_owned()) } else { Err(FieldError { field: "url", code: "invalid_url" }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_content_passes_whatever_the_name() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None, "HTML named report.pdf");
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None, "an executable");
        assert_eq!(sniff(b"GIF89a/*"), None, "GIF/JS polyglots are not accepted");
        assert_eq!(sniff(b"PK\x03\x04 some zip"), None, "a zip that is no office document");
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn file_names_are_made_safe_to_show() {
        assert_eq!(display_filename("../../etc/passwd"), "passwd");
        assert_eq!(display_filename("..\\..\\win.ini"), "win.ini");
        assert_eq!(display_filename("evil\u{202E}gpj.exe"), "evilgpj.exe");
        assert_eq!(display_filename("a\r\nb\".pdf"), "ab.pdf");
        assert_eq!(display_filename(""), "file");
        assert_eq!(display_filename(&"长".repeat(4000)).chars().count(), 120);
    }

    #[test]
    fn links_are_http_only() {
        assert!(parse_url("https://example.org/report").is_ok());
        assert!(parse_url("javascript:alert(1)").is_err());
        assert!(parse_url("data:text/html,x").is_err());
        assert!(parse_url("https://a b").is_err());
    }
}
