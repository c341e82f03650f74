//! A unit's scorecard: every answer it was given in a scheme, by source and leaf, kept compact
//! beside the score entries, so that a run reads one short row per unit instead of hundreds of
//! entry rows; and the frozen form of a unit's inputs, which is its scorecard as the run read
//! it plus the items and computed leaves of that moment.
//!
//! Answers are written as short tokens: a letter for the kind, then the value —
//! `lA` (level A), `c0,2` (checklist items 0 and 2), `v0.85` (a value), `o3` (occurrences),
//! `m1` / `m0` (met or not). A mark with evidence or a comment is `[token, [ids], comment]`.

use std::{collections::BTreeMap, fmt, str::FromStr};

use rust_decimal::Decimal;
use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, SeqAccess, Visitor},
    ser::SerializeTuple,
};

use super::{
    engine::{Bonus, Deduction, UnitInput, Veto},
    records::{Item, ItemEffect, LeafNotes, Source},
    rubric::{Answer, Entry},
};
use crate::evidence::EvidenceId;

/// An answer as a token, for writing.
struct Token<'a>(&'a Answer);

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Answer::Level(name) => write!(f, "l{name}"),
            Answer::Checked(items) => {
                f.write_str("c")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            Answer::Value(value) => write!(f, "v{value}"),
            Answer::Occurrences(n) => write!(f, "o{n}"),
            Answer::Met(met) => f.write_str(if *met { "m1" } else { "m0" }),
        }
    }
}

/// Reads a token back; `None` when it is not one.
fn parse_token(token: &str) -> Option<Answer> {
    let mut chars = token.chars();
    let kind = chars.next()?;
    let rest = chars.as_str();
    Some(match kind {
        'l' => Answer::Level(rest.to_owned()),
        'c' if rest.is_empty() => Answer::Checked(Vec::new()),
        'c' => Answer::Checked(rest.split(',').map(usize::from_str).collect::<Result<_, _>>().ok()?),
        'v' => Answer::Value(Decimal::from_str(rest).ok()?),
        'o' => Answer::Occurrences(rest.parse().ok()?),
        'm' => match rest {
            "1" => Answer::Met(true),
            "0" => Answer::Met(false),
            _ => return None,
        },
        _ => return None,
    })
}

/// One answer with the evidence and the comment behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub answer: Answer,
    pub evidence: Vec<EvidenceId>,
    pub comment: Option<String>,
}

impl Serialize for Mark {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.evidence.is_empty() && self.comment.is_none() {
            return serializer.collect_str(&Token(&self.answer));
        }
        let mut tuple = serializer.serialize_tuple(3)?;
        tuple.serialize_element(&Token(&self.answer).to_string())?;
        tuple.serialize_element(&self.evidence)?;
        tuple.serialize_element(&self.comment)?;
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Mark {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MarkVisitor;

        fn answer<E: de::Error>(token: &str) -> Result<Answer, E> {
            parse_token(token).ok_or_else(|| E::invalid_value(de::Unexpected::Str(token), &"an answer token"))
        }

        impl<'de> Visitor<'de> for MarkVisitor {
            type Value = Mark;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an answer token, or [token, evidence ids, comment]")
            }

            fn visit_str<E: de::Error>(self, token: &str) -> Result<Mark, E> {
                Ok(Mark { answer: answer(token)?, evidence: Vec::new(), comment: None })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Mark, A::Error> {
                let missing = || de::Error::invalid_length(0, &"three elements");
                let token: String = seq.next_element()?.ok_or_else(missing)?;
                let evidence = seq.next_element()?.ok_or_else(missing)?;
                let comment = seq.next_element()?.ok_or_else(missing)?;
                Ok(Mark { answer: answer(&token)?, evidence, comment })
            }
        }

        deserializer.deserialize_any(MarkVisitor)
    }
}

/// Every answer a unit was given in one scheme, by source and leaf code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    #[serde(rename = "s", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub own: BTreeMap<String, Mark>,
    #[serde(rename = "i", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inspected: BTreeMap<String, Mark>,
}

impl Scorecard {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(text).map_err(|e| format!("scorecard: {e}"))
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn set(&mut self, source: Source, leaf: &str, mark: Mark) {
        let side = match source {
            Source::SelfAssessment => &mut self.own,
            Source::Inspector => &mut self.inspected,
        };
        side.insert(leaf.to_owned(), mark);
    }
}

/// What a run adds to a unit's scorecard: its items and the leaves the server computed, as
/// they stood when it ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extras {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bonuses: Vec<Bonus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deductions: Vec<Deduction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vetoes: Vec<Veto>,
    /// `task_completion` leaves: the fraction done, with how it was counted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub computed: BTreeMap<String, (Decimal, String)>,
}

impl Extras {
    /// A unit's bonus, deduction and veto items as the engine takes them, with their sources.
    pub fn from_items(items: &[Item]) -> Self {
        let mut extras = Self::default();
        for item in items {
            let source = item.source.clone();
            match &item.effect {
                ItemEffect::Bonus { points, cap } => extras.bonuses.push(Bonus { points: *points, cap: *cap, source }),
                ItemEffect::Deduction { count, per } => {
                    extras.deductions.push(Deduction { count: *count, per: *per, source })
                }
                ItemEffect::Veto { effect } => extras.vetoes.push(Veto { effect: effect.clone(), source }),
            }
        }
        extras
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(text).map_err(|e| format!("run extras: {e}"))
    }

    pub fn to_text(&self) -> String {
        if self.is_empty() { String::new() } else { serde_json::to_string(self).unwrap_or_default() }
    }
}

/// A unit's inputs as a run froze them: the text of its scorecard and extras as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenUnit {
    pub unit: i64,
    pub category: String,
    pub scorecard: String,
    pub extras: String,
}

impl FrozenUnit {
    /// The engine's input and the explanation's notes.
    pub fn thaw(&self) -> Result<(UnitInput, BTreeMap<String, LeafNotes>), String> {
        let card = Scorecard::parse(&self.scorecard)?;
        let extras = Extras::parse(&self.extras)?;
        Ok(unit_input(self.unit, &self.category, card, extras))
    }

    /// A line of the run's input digest: the unit, its category, scorecard and extras.
    pub fn digest_line(&self) -> String {
        format!("{}\t{}\t{}\t{}\n", self.unit, self.category, self.scorecard, self.extras)
    }
}

/// Builds the engine's input for a unit from its scorecard and extras, with the notes its
/// explanation shows; computed leaves count on both sides, so they are never flagged.
pub fn unit_input(
    unit: i64,
    category: &str,
    card: Scorecard,
    extras: Extras,
) -> (UnitInput, BTreeMap<String, LeafNotes>) {
    let mut notes: BTreeMap<String, LeafNotes> = BTreeMap::new();
    let mut side = |marks: BTreeMap<String, Mark>, source: Source| -> BTreeMap<String, Entry> {
        marks
            .into_iter()
            .map(|(leaf, mark)| {
                let entry = Entry { answer: mark.answer, evidence: mark.evidence.len() as u32 };
                if !mark.evidence.is_empty() || mark.comment.is_some() {
                    let note = notes.entry(leaf.clone()).or_default();
                    match source {
                        Source::SelfAssessment => {
                            (note.self_evidence, note.self_comment) = (mark.evidence, mark.comment)
                        }
                        Source::Inspector => {
                            (note.inspector_evidence, note.inspector_comment) = (mark.evidence, mark.comment)
                        }
                    }
                }
                (leaf, entry)
            })
            .collect()
    };
    let mut input = UnitInput {
        unit,
        category: category.to_owned(),
        self_entries: side(card.own, Source::SelfAssessment),
        inspector_entries: side(card.inspected, Source::Inspector),
        bonuses: extras.bonuses,
        deductions: extras.deductions,
        vetoes: extras.vetoes,
    };
    for (leaf, (fraction, how)) in extras.computed {
        let entry = Entry { answer: Answer::Value(fraction), evidence: 0 };
        input.self_entries.insert(leaf.clone(), entry.clone());
        input.inspector_entries.insert(leaf.clone(), entry);
        notes.entry(leaf).or_default().computed = Some(how);
    }
    (input, notes)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn answers() -> impl Strategy<Value = Answer> {
        prop_oneof![
            "[^\\x00]{0,8}".prop_map(Answer::Level),
            proptest::collection::vec(0usize..100, 0..5).prop_map(Answer::Checked),
            (any::<i64>(), 0u32..8).prop_map(|(n, scale)| Answer::Value(Decimal::new(n % 1_000_000_000, scale))),
            any::<u32>().prop_map(Answer::Occurrences),
            any::<bool>().prop_map(Answer::Met),
        ]
    }

    proptest! {
        /// A scorecard reads back exactly as it was written, whatever the answers say.
        #[test]
        fn scorecards_read_back_exactly(
            marks in proptest::collection::vec((answers(), proptest::collection::vec(1i64..1000, 0..3), proptest::option::of(".{0,12}")), 0..6),
        ) {
            let mut card = Scorecard::default();
            for (i, (answer, evidence, comment)) in marks.into_iter().enumerate() {
                let evidence = evidence.into_iter().map(EvidenceId).collect();
                let source = if i % 2 == 0 { Source::SelfAssessment } else { Source::Inspector };
                card.set(source, &format!("L{i}"), Mark { answer, evidence, comment });
            }
            let text = card.to_text();
            let back = Scorecard::parse(&text).unwrap();
            prop_assert_eq!(&back, &card);
            // Values keep their scale, so frozen inputs print as they were entered.
            prop_assert_eq!(back.to_text(), text);
        }
    }

    #[test]
    fn a_bare_answer_is_a_short_token() {
        let mut card = Scorecard::default();
        let mark = |answer| Mark { answer, evidence: Vec::new(), comment: None };
        card.set(Source::SelfAssessment, "A1", mark(Answer::Level("优".into())));
        card.set(Source::Inspector, "A1", mark(Answer::Value(Decimal::new(850, 3))));
        card.set(Source::Inspector, "B2", Mark { evidence: vec![EvidenceId(7)], ..mark(Answer::Met(true)) });
        assert_eq!(card.to_text(), r#"{"s":{"A1":"l优"},"i":{"A1":"v0.850","B2":["m1",[7],null]}}"#);
        assert!(Scorecard::parse(r#"{"s":{"A1":"x"}}"#).is_err(), "an unknown kind is refused");
    }

    #[test]
    fn computed_leaves_count_on_both_sides_with_their_note() {
        let extras = Extras {
            computed: [("T1".to_owned(), (Decimal::new(5, 1), "1/2".to_owned()))].into(),
            ..Extras::default()
        };
        let frozen =
            FrozenUnit { unit: 3, category: "地市".into(), scorecard: String::new(), extras: extras.to_text() };
        let (input, notes) = frozen.thaw().unwrap();
        assert_eq!(input.self_entries["T1"], input.inspector_entries["T1"]);
        assert_eq!(notes["T1"].computed.as_deref(), Some("1/2"));
    }
}
