//! Text as people type it: one normalisation for every name, title, free text and file name,
//! and one table of how long each kind may be.

/// Explicit embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder
/// how the text around them is shown, so that `abc` + U+202E + `fdp.exe` reads `abcexe.pdf`.
/// No name or title needs them; they are removed wherever text comes in.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text as it is kept: bidirectional controls removed, then trimmed.
pub fn normalise(raw: &str) -> String {
    if raw.chars().any(is_bidi_control) {
        raw.chars().filter(|c| !is_bidi_control(*c)).collect::<String>().trim().to_owned()
    } else {
        raw.trim().to_owned()
    }
}

/// At most `max` characters of `raw` with control and bidirectional characters removed and
/// `…` where it was cut: a safe form of text that is refused but must still be named (a
/// sign-in attempt with a name no account can have).
pub fn shortened(raw: &str, max: usize) -> String {
    let mut clean = raw.trim().chars().filter(|c| !c.is_control() && !is_bidi_control(*c));
    let mut out: String = clean.by_ref().take(max).collect();
    if clean.next().is_some() {
        out.push('…');
    }
    out
}

/// The kinds of text the app keeps and how long each may be, in characters. Every name,
/// title and free text that reaches the database is checked against one of these (codes,
/// categories, usernames and URLs have their own parsers with their own character sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A short label: a finding's category, an indicator code on a checklist.
    Label,
    /// The name of a unit, a person, a campaign, an inspection team or a ranking category.
    Name,
    /// The title of a task, an inspection round, an evaluation scheme or a link.
    Title,
    /// One longer line: a checklist item, where a bonus or deduction comes from.
    Line,
    /// A comment, a note, a reason, a measure, what evidence is asked for.
    Note,
    /// Long free text: a description, a progress report, a rectification step.
    Text,
    /// A file name as shown (the last path segment only).
    FileName,
}

impl TextKind {
    pub const fn max_chars(self) -> usize {
        match self {
            Self::Label => 50,
            Self::Name => 100,
            Self::Title => 200,
            Self::Line => 500,
            Self::Note => 2000,
            Self::Text => 4000,
            Self::FileName => 120,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_removed_and_the_rest_kept() {
        assert_eq!(normalise(" abc\u{202E}fdp.exe "), "abcfdp.exe");
        assert_eq!(normalise("\u{2066}拉萨\u{2069}"), "拉萨");
        assert_eq!(normalise("བོད་ལྗོངས། Lhasa"), "བོད་ལྗོངས། Lhasa");
        // Marks that only hint at direction stay: they cannot make text read backwards.
        assert_eq!(normalise("a\u{200E}b"), "a\u{200E}b");
    }

    #[test]
    fn shortened_text_is_bounded_and_clean() {
        assert_eq!(shortened(&"x".repeat(3_000_000), 32).chars().count(), 33);
        assert_eq!(shortened("ev\u{202E}il\r\n", 32), "evil");
        assert_eq!(shortened("lhasa", 32), "lhasa");
    }
}
