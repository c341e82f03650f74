//! Names in the order their readers expect (issue 18). Chinese follows pinyin (CLDR `zh`, from
//! ICU4X's compiled data). Tibetan follows the dictionaries' root-letter order (the order of the
//! Bod rgya tshig mdzod chen mo, which CLDR's earlier `bo` collation by Christopher Fynn wrote
//! down): each syllable sorts by its root letter, then by what stands before the root (nothing,
//! a prefix, a superscript, a prefix and a superscript), its subscripts, its vowel and its
//! suffixes. ICU4X's `bo` data orders Tibetan by code point within a syllable (a prefixed word
//! such as གཞིས sorts under its prefix ག), so the Tibetan order is computed here; the tests write
//! the expected orders down from the root letters. Plain code-point order is wrong for both.
//!
//! Lists sorted in the database compare stored sort keys ([`sort_key`]); a key is only valid for
//! the rules and data that made it, so the store makes every key again when [`VERSION`] changes.

use std::{cmp::Ordering, sync::LazyLock};

use icu_collator::{Collator, CollatorBorrowed, options::CollatorOptions};
use icu_locale_core::{Locale as IcuLocale, locale};

use crate::Locale;

/// The rules and data the stored keys were made with: change it when either changes.
pub const VERSION: &str = "icu_collator 2.4; Tibetan root letters 1; Tibetan keys only for Tibetan text";

fn collator(locale: IcuLocale) -> Option<CollatorBorrowed<'static>> {
    Collator::try_new(locale.into(), CollatorOptions::default()).ok()
}

/// The ICU collator of `locale`; `None` only if the compiled data lacked it (then code points
/// decide).
fn icu(locale: Locale) -> Option<&'static CollatorBorrowed<'static>> {
    static ZH: LazyLock<Option<CollatorBorrowed<'static>>> = LazyLock::new(|| collator(locale!("zh")));
    static EN: LazyLock<Option<CollatorBorrowed<'static>>> = LazyLock::new(|| collator(locale!("en")));
    match locale {
        Locale::ZhHans | Locale::Bo => ZH.as_ref(),
        Locale::En => EN.as_ref(),
    }
}

/// `a` against `b` as a reader of `locale` sorts them: the order of their [`sort_key`]s.
pub fn compare(locale: Locale, a: &str, b: &str) -> Ordering {
    sort_key(locale, a).cmp(&sort_key(locale, b))
}

/// The bytes whose plain order (SQLite `BLOB`, PostgreSQL `bytea`) is `locale`'s order of the
/// texts. In Tibetan, the root-letter key of the Tibetan syllables comes first, then ICU's
/// Chinese key of the whole text (for what is not Tibetan); every key ends with the text itself,
/// so that texts the rules hold equal still sort the same every time.
pub fn sort_key(locale: Locale, text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() * 3 + 2);
    if locale == Locale::Bo {
        tibetan::write_key(text, &mut key);
        key.push(0);
    }
    if let Some(collator) = icu(locale) {
        let Ok(()) = collator.write_sort_key_to(text, &mut key);
    }
    // Level separators inside an ICU key are 0x01, never 0x00: a 0x00 ends the collated part.
    key.push(0);
    key.extend_from_slice(text.as_bytes());
    key
}

/// The root-letter order of Tibetan syllables.
mod tibetan {
    /// The thirty letters in alphabetical order (ཀ ཁ ག ང … ཧ ཨ).
    const LETTERS: [char; 30] = [
        'ཀ', 'ཁ', 'ག', 'ང', 'ཅ', 'ཆ', 'ཇ', 'ཉ', 'ཏ', 'ཐ', 'ད', 'ན', 'པ', 'ཕ', 'བ', 'མ', 'ཙ', 'ཚ', 'ཛ', 'ཝ', 'ཞ', 'ཟ',
        'འ', 'ཡ', 'ར', 'ལ', 'ཤ', 'ས', 'ཧ', 'ཨ',
    ];
    /// The five prefixes (སྔོན་འཇུག), in alphabetical order.
    const PREFIXES: [char; 5] = ['ག', 'ད', 'བ', 'མ', 'འ'];
    /// The three superscripts (མགོ་ཅན), in alphabetical order.
    const SUPERSCRIPTS: [char; 3] = ['ར', 'ལ', 'ས'];
    /// Letters that stand under a root as a subscript (བཏགས): ya, ra, la, wa.
    const SUBSCRIPTS: [char; 4] = ['ཡ', 'ར', 'ལ', 'ཝ'];
    /// Suffixes that take a second suffix ས.
    const BEFORE_SECOND_SUFFIX: [char; 4] = ['ག', 'ང', 'བ', 'མ'];
    /// The vowel signs in order: i, u, e, o (long and reversed forms beside them).
    const VOWELS: [(char, u8); 9] = [
        ('\u{0F72}', 1),
        ('\u{0F80}', 1),
        ('\u{0F73}', 2),
        ('\u{0F74}', 3),
        ('\u{0F75}', 4),
        ('\u{0F7A}', 5),
        ('\u{0F7B}', 6),
        ('\u{0F7C}', 7),
        ('\u{0F7D}', 8),
    ];
    /// Bytes per syllable: root, head, two subscripts, vowel, two suffixes.
    const WIDTH: usize = 7;

    /// A letter's place in the alphabet from 1, or 0 for any other character.
    fn letter(c: char) -> u8 {
        LETTERS.iter().position(|l| *l == c).map_or(0, |i| i as u8 + 1)
    }

    /// A subjoined letter as its full form (U+0F90… is U+0F40… + 0x50; the fixed forms of wa, ya
    /// and ra too).
    fn unjoined(c: char) -> Option<char> {
        match c {
            '\u{0FBA}' => Some('ཝ'),
            '\u{0FBB}' => Some('ཡ'),
            '\u{0FBC}' => Some('ར'),
            '\u{0F90}'..='\u{0FB9}' => char::from_u32(c as u32 - 0x50),
            _ => None,
        }
    }

    /// A letter written on the line with what is stacked under it and its vowel.
    #[derive(Default)]
    struct Stack {
        base: char,
        below: Vec<char>,
        /// The vowel's rank (0: the inherent a).
        vowel: u8,
        /// The a-chung (U+0F71) lengthening it.
        long: bool,
    }

    impl Stack {
        fn marked(&self) -> bool {
            !self.below.is_empty() || self.vowel > 0 || self.long
        }
    }

    /// The stacks of one syllable.
    fn stacks(syllable: &str) -> Vec<Stack> {
        let mut found: Vec<Stack> = Vec::new();
        for c in syllable.chars() {
            if letter(c) > 0 {
                found.push(Stack { base: c, ..Stack::default() });
            } else if let Some(last) = found.last_mut() {
                if let Some(below) = unjoined(c) {
                    last.below.push(below);
                } else if c == '\u{0F71}' {
                    last.long = true;
                } else if let Some((_, rank)) = VOWELS.iter().find(|(v, _)| *v == c) {
                    last.vowel = *rank;
                }
            }
        }
        found
    }

    /// Which stack holds the root letter: the one with a vowel or a stacked letter; in a
    /// syllable of bare letters the first, unless it is a prefix before a root (three letters
    /// where the third is not a second suffix, or four).
    fn root_at(stacks: &[Stack]) -> usize {
        if let Some(at) = stacks.iter().position(Stack::marked) {
            return at;
        }
        let prefixed = PREFIXES.contains(&stacks[0].base);
        match stacks.len() {
            3 => {
                let second_suffix = stacks[2].base == 'ས' && BEFORE_SECOND_SUFFIX.contains(&stacks[1].base);
                usize::from(prefixed && !second_suffix)
            }
            n if n >= 4 => usize::from(prefixed),
            _ => 0,
        }
    }

    /// One syllable's key, [`WIDTH`] bytes.
    fn syllable_key(syllable: &str, key: &mut Vec<u8>) {
        let stacks = stacks(syllable);
        if stacks.is_empty() {
            return;
        }
        let at = root_at(&stacks);
        let core = &stacks[at];
        // A superscript stands on the line over its root: ལྷ is the root ཧ under the superscript ལ.
        let (superscript, root, subscripts) = match core.below.split_first() {
            Some((under, rest)) if SUPERSCRIPTS.contains(&core.base) && !SUBSCRIPTS.contains(under) => {
                (Some(core.base), *under, rest)
            }
            _ => (None, core.base, core.below.as_slice()),
        };
        let prefix = at.checked_sub(1).map(|i| stacks[i].base).filter(|c| PREFIXES.contains(c));
        let rank = |set: &[char], c: char| set.iter().position(|s| *s == c).map_or(0, |i| i as u8);
        let head = match (prefix, superscript) {
            (None, None) => 0,
            (Some(p), None) => 1 + rank(&PREFIXES, p),
            (None, Some(s)) => 6 + rank(&SUPERSCRIPTS, s),
            (Some(p), Some(s)) => 9 + rank(&PREFIXES, p) * 3 + rank(&SUPERSCRIPTS, s),
        };
        let mut bytes = [0u8; WIDTH];
        bytes[0] = letter(root);
        bytes[1] = head;
        for (slot, below) in bytes[2..4].iter_mut().zip(subscripts) {
            *slot = letter(*below);
        }
        bytes[4] = core.vowel * 2 + u8::from(core.long);
        for (slot, suffix) in bytes[5..7].iter_mut().zip(&stacks[at + 1..]) {
            *slot = letter(suffix.base);
        }
        key.extend_from_slice(&bytes);
    }

    /// The root-letter key of `text`: its syllables' keys one after another (what is not a
    /// Tibetan letter separates syllables and counts for nothing here).
    pub(super) fn write_key(text: &str, key: &mut Vec<u8>) {
        for syllable in text.split(|c: char| !('\u{0F40}'..='\u{0FBC}').contains(&c)) {
            syllable_key(syllable, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorts `names` as `locale` orders them, by comparison and by key.
    fn sorted(locale: Locale, names: &[&'static str]) -> (Vec<&'static str>, Vec<&'static str>) {
        let mut by_compare = names.to_vec();
        by_compare.sort_by(|a, b| compare(locale, a, b));
        let mut by_key = names.to_vec();
        by_key.sort_by_key(|n| sort_key(locale, n));
        (by_compare, by_key)
    }

    #[test]
    fn tibetan_names_follow_the_root_letter() {
        // The attested Tibetan names of TIBETAN.md §3 (the region and four prefectures), in the
        // order written down from their root letters: ན (Nagqu), བ (the region, བོད), ཞ (Xigazê:
        // the prefix ག is passed over), ཧ under the superscript ལ (Lhasa, then Shannan: ལྷ
        // before ལྷོ, the bare vowel first). Code points would put གཞིས་རྩེ (ག, U+0F42) first.
        let expected = ["ནག་ཆུ་གྲོང་ཁྱེར", "བོད་རང་སྐྱོང་ལྗོངས།", "གཞིས་རྩེ", "ལྷ་ས་གྲོང་ཁྱེར", "ལྷོ་ཁ་གྲོང་ཁྱེར"];
        let shuffled = [expected[3], expected[2], expected[4], expected[0], expected[1]];
        let (by_compare, by_key) = sorted(Locale::Bo, &shuffled);
        assert_eq!(by_compare, expected);
        assert_eq!(by_key, expected);
        let mut by_code_point = shuffled.to_vec();
        by_code_point.sort();
        assert_ne!(by_code_point, expected, "the test must tell collation from code points");
    }

    #[test]
    fn prefixes_and_superscripts_come_after_the_bare_root() {
        // The order CLDR's earlier bo.xml gives within the root ཀ (TIBETAN.md §4: ཀ < དཀ < བཀ <
        // རྐ < ལྐ < སྐ < བརྐ < བསྐ), in real words: pillar, white, word, foot, secret, language,
        // carved, aeon.
        let expected = ["ཀ་བ", "དཀར་པོ", "བཀའ", "རྐང་པ", "ལྐོག", "སྐད", "བརྐོས", "བསྐལ"];
        let reversed: Vec<_> = expected.iter().rev().copied().collect();
        let (by_compare, by_key) = sorted(Locale::Bo, &reversed);
        assert_eq!(by_compare, expected);
        assert_eq!(by_key, expected);
    }

    #[test]
    fn within_a_root_the_subscript_vowel_and_suffix_decide_in_that_order() {
        // ཀ, then suffixes of the bare ཀ, then the vowels i u e o, then the subscripts, then the
        // prefixed ཀ; and a word of one syllable before the same syllable with more after it.
        let expected = ["ཀ", "ཀ་ཀ", "ཀག", "ཀི", "ཀུ", "ཀེ", "ཀོ", "ཀྱང", "ཀྲུང", "དཀའ"];
        let reversed: Vec<_> = expected.iter().rev().copied().collect();
        assert_eq!(sorted(Locale::Bo, &reversed).0, expected);
    }

    #[test]
    fn chinese_names_follow_pinyin() {
        // 阿里 (ā), 昌都 (chāng), 拉萨 (lā), 林芝 (lín), 那曲 (nà), 日喀则 (rì), 山南 (shān).
        let expected = ["阿里地区", "昌都市", "拉萨市", "林芝市", "那曲市", "日喀则市", "山南市"];
        let shuffled = [expected[5], expected[2], expected[6], expected[0], expected[4], expected[1], expected[3]];
        let (by_compare, by_key) = sorted(Locale::ZhHans, &shuffled);
        assert_eq!(by_compare, expected);
        assert_eq!(by_key, expected);
    }

    #[test]
    fn equal_under_collation_still_sorts_the_same_every_time() {
        assert_ne!(compare(Locale::En, "a", "A"), Ordering::Equal);
        assert_eq!(compare(Locale::En, "a", "a"), Ordering::Equal);
        assert!(sort_key(Locale::ZhHans, "") < sort_key(Locale::ZhHans, "阿"));
    }

    proptest::proptest! {
        /// Any text, Tibetan marks in any order included, gets a key, and the order is total.
        #[test]
        fn any_text_sorts(a in "[\\u{0F00}-\\u{0FFF}a-z阿拉 ]{0,12}", b in "[\\u{0F00}-\\u{0FFF}阿 ]{0,12}") {
            for locale in [Locale::Bo, Locale::ZhHans, Locale::En] {
                proptest::prop_assert_eq!(compare(locale, &a, &b), compare(locale, &b, &a).reverse());
                proptest::prop_assert_eq!(compare(locale, &a, &b) == Ordering::Equal, a == b);
            }
        }
    }
}
