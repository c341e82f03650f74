//! Units of the two trees: the organisation and the territory.

use crate::{FieldError, UnitId, ValidationError};

/// What a unit is; the kind decides which tree it belongs to and where it may sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    SteeringGroup,
    Office,
    FunctionalGroup,
    MemberUnit,
    Region,
    Prefecture,
    County,
}

/// The two trees a campaign is organised along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    Organisation,
    Territory,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        Self::SteeringGroup,
        Self::Office,
        Self::FunctionalGroup,
        Self::MemberUnit,
        Self::Region,
        Self::Prefecture,
        Self::County,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SteeringGroup => "steering_group",
            Self::Office => "office",
            Self::FunctionalGroup => "functional_group",
            Self::MemberUnit => "member_unit",
            Self::Region => "region",
            Self::Prefecture => "prefecture",
            Self::County => "county",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }

    pub fn axis(self) -> Axis {
        match self {
            Self::SteeringGroup | Self::Office | Self::FunctionalGroup | Self::MemberUnit => Axis::Organisation,
            Self::Region | Self::Prefecture | Self::County => Axis::Territory,
        }
    }

    /// Whether a unit of this kind may be placed under a parent of `parent` kind
    /// (`None`: at the top of its tree).
    pub fn may_sit_under(self, parent: Option<UnitKind>) -> bool {
        use UnitKind::*;
        match (self, parent) {
            (SteeringGroup | Region, None) => true,
            (_, None) => false,
            (Office, Some(SteeringGroup)) => true,
            (FunctionalGroup, Some(SteeringGroup | Office)) => true,
            (MemberUnit, Some(SteeringGroup | Office | FunctionalGroup | MemberUnit)) => true,
            (Prefecture, Some(Region)) => true,
            (County, Some(Prefecture)) => true,
            _ => false,
        }
    }
}

/// The materialised path of a unit: the ids from the root down to the unit, each padded to
/// ten digits (`/0000000001/0000000005/`), so that text order is tree order with siblings in
/// the order they were created.
///
/// A unit's subtree is every unit whose path starts with its path, which both databases
/// answer from an index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        Self(format!("/{:010}/", id.0))
    }

    pub fn child(&self, id: UnitId) -> Self {
        Self(format!("{}{:010}/", self.0, id.0))
    }

    pub fn from_db(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or lies below it.
    pub fn is_within(&self, other: &UnitPath) -> bool {
        self.0.starts_with(&other.0)
    }

    pub fn ids(&self) -> Vec<UnitId> {
        self.0.split('/').filter_map(|s| s.parse().ok()).collect()
    }

    pub fn depth(&self) -> usize {
        self.ids().len()
    }

    /// The parts of the subtrees `roots` that lie under `self`: the subtree itself where a root
    /// holds it, the roots below it where it is an ancestor of them, nothing where they are
    /// apart. A filter "under this unit" asks for exactly this, so that an ancestor of the
    /// caller's units narrows to their own and a unit elsewhere reads like one that is missing.
    pub fn narrow(&self, roots: &[UnitPath]) -> Vec<UnitPath> {
        if roots.iter().any(|root| self.is_within(root)) {
            return vec![self.clone()];
        }
        roots.iter().filter(|root| root.is_within(self)).cloned().collect()
    }
}

pub const NAME_MAX_CHARS: usize = crate::text::TextKind::Name.max_chars();
pub const CODE_MAX_CHARS: usize = 32;
pub const CATEGORY_MAX_CHARS: usize = 40;
/// The most other names one unit may carry.
pub const MAX_ALIASES: usize = 20;

/// A unit's name: trimmed, 1–100 characters, no control characters.
pub fn parse_name(field: &'static str, raw: &str, required: bool) -> Result<Option<String>, FieldError> {
    parse_text(field, raw, required, NAME_MAX_CHARS)
}

/// One line of text: normalised ([`crate::text::normalise`]: trimmed, no bidirectional
/// controls), at most `max_chars` characters, no control characters; `None` when empty and
/// not required.
pub fn parse_text(
    field: &'static str,
    raw: &str,
    required: bool,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let text = crate::text::normalise(raw);
    if text.is_empty() {
        return if required { Err(FieldError { field, code: "required" }) } else { Ok(None) };
    }
    if text.chars().count() > max_chars {
        return Err(FieldError { field, code: "too_long" });
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError { field, code: "control_characters" });
    }
    Ok(Some(text))
}

/// A unit code such as a GB/T 2260 division code or an office's own short code.
pub fn parse_code(raw: &str) -> Result<Option<String>, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let valid = text.chars().count() <= CODE_MAX_CHARS
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if valid { Ok(Some(text.to_owned())) } else { Err(FieldError { field: "code", code: "invalid_code" }) }
}

/// The other names a unit is known by (区发改委, 团区委, an older name), as one text separated
/// like a list in a sheet cell (、，,；; or line breaks): each a valid name, each once, none the
/// unit's own name, at most [`MAX_ALIASES`].
pub fn parse_aliases(raw: &str, name: &str) -> Result<Vec<String>, FieldError> {
    let mut aliases: Vec<String> = Vec::new();
    for part in raw.split(['、', '，', ',', '；', ';', '\n', '\r']) {
        let Some(alias) = parse_name("aliases", part, false)? else { continue };
        if alias != name.trim() && !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    if aliases.len() > MAX_ALIASES {
        return Err(FieldError { field: "aliases", code: "too_many_aliases" });
    }
    Ok(aliases)
}

/// A ranking category (分类), free text chosen by the office.
pub fn parse_category(raw: &str) -> Result<Option<String>, FieldError> {
    let text = crate::text::normalise(raw);
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > CATEGORY_MAX_CHARS || text.chars().any(char::is_control) {
        return Err(FieldError { field: "category", code: "invalid_category" });
    }
    Ok(Some(text))
}

/// The editable fields of a unit, parsed and validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitFields {
    pub kind: UnitKind,
    pub code: Option<String>,
    pub name: String,
    pub name_bo: Option<String>,
    pub name_en: Option<String>,
    pub category: Option<String>,
    /// Other names the unit is known by, matched when a sheet names it.
    pub aliases: Vec<String>,
}

/// The raw text of a unit form or import row, before validation.
#[derive(Debug, Clone, Default)]
pub struct UnitInput<'a> {
    pub kind: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub name_bo: &'a str,
    pub name_en: &'a str,
    pub category: &'a str,
    /// Separated as in a sheet cell (、，,；; or line breaks).
    pub aliases: &'a str,
}

impl UnitFields {
    pub fn parse(input: &UnitInput<'_>) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::new();
        let kind = match UnitKind::parse(input.kind) {
            Some(kind) => Some(kind),
            None => {
                errors.push("kind", "invalid_kind");
                None
            }
        };
        let code = errors.check(parse_code(input.code));
        let name = errors.check(parse_name("name", input.name, true));
        let name_bo = errors.check(parse_name("name_bo", input.name_bo, false));
        let name_en = errors.check(parse_name("name_en", input.name_en, false));
        let category = errors.check(parse_category(input.category));
        let aliases = errors.check(parse_aliases(input.aliases, input.name));
        match (kind, code, name, name_bo, name_en, category, aliases) {
            (Some(kind), Some(code), Some(Some(name)), Some(name_bo), Some(name_en), Some(category), Some(aliases))
                if errors.is_empty() =>
            {
                Ok(Self { kind, code, name, name_bo, name_en, category, aliases })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn narrowing_a_scope_to_a_subtree() {
        let region = UnitPath::root(UnitId(1));
        let lhasa = region.child(UnitId(2));
        let county = lhasa.child(UnitId(3));
        let shigatse = region.child(UnitId(4));
        assert_eq!(county.narrow(std::slice::from_ref(&lhasa)), vec![county.clone()]);
        assert_eq!(region.narrow(std::slice::from_ref(&lhasa)), vec![lhasa.clone()]);
        assert_eq!(shigatse.narrow(std::slice::from_ref(&lhasa)), Vec::<UnitPath>::new());
        assert_eq!(region.narrow(&[lhasa.clone(), shigatse.clone()]), vec![lhasa, shigatse]);
    }

    use super::*;

    #[test]
    fn kinds_round_trip_and_sit_in_their_tree() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
        }
        assert!(UnitKind::County.may_sit_under(Some(UnitKind::Prefecture)));
        assert!(!UnitKind::County.may_sit_under(Some(UnitKind::Office)));
        assert!(!UnitKind::Prefecture.may_sit_under(None));
        assert!(UnitKind::Region.may_sit_under(None));
    }

    #[test]
    fn paths_know_their_subtree() {
        let region = UnitPath::root(UnitId(1));
        let lhasa = region.child(UnitId(12));
        let county = lhasa.child(UnitId(120));
        assert!(county.is_within(&lhasa));
        assert!(county.is_within(&region));
        assert!(!lhasa.is_within(&county));
        // `/1/12/` must not count `/1/120/` as inside it.
        assert!(!region.child(UnitId(120)).is_within(&lhasa));
        assert_eq!(county.ids(), vec![UnitId(1), UnitId(12), UnitId(120)]);
    }

    #[test]
    fn unit_fields_name_every_bad_field() {
        let input = UnitInput { kind: "castle", code: "a b", name: "  ", ..Default::default() };
        let error = UnitFields::parse(&input).unwrap_err();
        assert_eq!(error.code_for("kind"), Some("invalid_kind"));
        assert_eq!(error.code_for("code"), Some("invalid_code"));
        assert_eq!(error.code_for("name"), Some("required"));
        let ok = UnitFields::parse(&UnitInput {
            kind: "prefecture",
            code: "540100",
            name: " 拉萨市 ",
            name_bo: "ལྷ་ས་གྲོང་ཁྱེར",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.name, "拉萨市");
        assert_eq!(ok.name_bo.as_deref(), Some("ལྷ་ས་གྲོང་ཁྱེར"));
        assert!(ok.aliases.is_empty());
    }

    #[test]
    fn aliases_are_a_list_as_a_cell_writes_it() {
        let name = "自治区发展和改革委员会";
        assert_eq!(
            parse_aliases("区发改委、发改委；\n区发改委, 自治区发展和改革委员会", name).unwrap(),
            ["区发改委", "发改委"]
        );
        assert_eq!(parse_aliases("  ", name).unwrap(), Vec::<String>::new());
        let many = (0..=MAX_ALIASES).map(|i| format!("简称{i}")).collect::<Vec<_>>().join("、");
        assert_eq!(parse_aliases(&many, name).unwrap_err().code, "too_many_aliases");
        assert_eq!(parse_aliases(&"长".repeat(NAME_MAX_CHARS + 1), name).unwrap_err().code, "too_long");
    }
}

/// The order of a list of units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnitOrder {
    /// The tree's order: each unit under its parent, siblings by when they were made.
    #[default]
    Tree,
    /// By name in a language, as its readers sort (`crate::collation`); units without a name in
    /// it come after, by their Chinese name.
    Name(crate::Locale),
}

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: UnitKind,
    pub code: Option<String>,
    pub name: String,
    pub name_bo: Option<String>,
    pub name_en: Option<String>,
    pub category: Option<String>,
    pub aliases: Vec<String>,
    pub path: UnitPath,
    pub archived_at: Option<crate::Timestamp>,
    pub version: i64,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

impl Unit {
    pub fn fields(&self) -> UnitFields {
        UnitFields {
            kind: self.kind,
            code: self.code.clone(),
            name: self.name.clone(),
            name_bo: self.name_bo.clone(),
            name_en: self.name_en.clone(),
            category: self.category.clone(),
            aliases: self.aliases.clone(),
        }
    }

    /// The name to show in a language: the Tibetan or English name where there is one,
    /// the Chinese name otherwise.
    pub fn display_name(&self, locale: crate::Locale) -> &str {
        let preferred = match locale {
            crate::Locale::Bo => self.name_bo.as_deref(),
            crate::Locale::En => self.name_en.as_deref(),
            crate::Locale::ZhHans => None,
        };
        preferred.unwrap_or(&self.name)
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}
