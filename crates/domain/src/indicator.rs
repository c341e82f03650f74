//! Indicators of a key task (举办场次 4 场, 培训人数 500 人): what a unit reports besides its
//! percentage. Numbers are decimals kept as canonical text, never floats, so that what was
//! typed is what is stored and shown.

use crate::FieldError;

/// The most indicators one task may have.
pub const MAX_PER_TASK: usize = 10;
const NAME_MAX_CHARS: usize = 40;
const UNIT_MAX_CHARS: usize = 10;

/// An indicator as a coordinator defines it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorSpec {
    pub name: String,
    pub unit: Option<String>,
    /// The target, as canonical decimal text.
    pub target: Option<String>,
}

/// A stored indicator of a task.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Indicator {
    pub id: crate::ids::IndicatorId,
    pub item_id: crate::ids::PlanItemId,
    pub name: String,
    pub unit: Option<String>,
    pub target: Option<String>,
}

/// A decimal number as canonical text: digits with at most two decimals, no sign, no
/// exponent, trailing zeros of the fraction dropped ("12.50" → "12.5", "007" → "7").
pub fn parse_decimal(text: &str) -> Option<String> {
    let text = text.trim().replace([',', '，'], "");
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text.as_str(), ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || fraction.len() > 2 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    Some(if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") })
}

impl IndicatorSpec {
    /// Checks one indicator: a name, an optional unit, an optional target number.
    pub fn new(name: &str, unit: &str, target: &str) -> Result<Self, FieldError> {
        let error = |code| FieldError { field: "indicators", code };
        let name = crate::text::normalise(name);
        let unit = crate::text::normalise(unit);
        let target = target.trim();
        if name.is_empty() {
            return Err(error("indicator_name_required"));
        }
        if name.chars().count() > NAME_MAX_CHARS || unit.chars().count() > UNIT_MAX_CHARS {
            return Err(error("too_long"));
        }
        if name.chars().chain(unit.chars()).any(char::is_control) {
            return Err(error("control_characters"));
        }
        let target = match target {
            "" => None,
            text => Some(parse_decimal(text).ok_or(error("invalid_indicator_target"))?),
        };
        Ok(Self { name, unit: (!unit.is_empty()).then_some(unit), target })
    }

    /// The indicators of a form's text box, one per line: `名称, 单位, 目标`, the unit and the
    /// target optional (`培训人数, 人, 500`; `举办场次, 场`; `覆盖率, %, 95.5`).
    pub fn parse_lines(text: &str) -> Result<Vec<Self>, FieldError> {
        let mut specs: Vec<Self> = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split([',', '，', '、', '|', '\t']).map(str::trim).collect();
            let spec = match parts.as_slice() {
                [name] => Self::new(name, "", "")?,
                [name, unit] => Self::new(name, unit, "")?,
                [name, unit, target] => Self::new(name, unit, target)?,
                _ => return Err(FieldError { field: "indicators", code: "invalid_indicator_line" }),
            };
            specs.push(spec);
        }
        Self::check_all(&specs)?;
        Ok(specs)
    }

    /// A task's indicators together: at most [`MAX_PER_TASK`], each name once.
    pub fn check_all(specs: &[Self]) -> Result<(), FieldError> {
        if specs.len() > MAX_PER_TASK {
            return Err(FieldError { field: "indicators", code: "too_many_indicators" });
        }
        for (i, spec) in specs.iter().enumerate() {
            if specs[..i].iter().any(|other| other.name == spec.name) {
                return Err(FieldError { field: "indicators", code: "duplicate_indicator" });
            }
        }
        Ok(())
    }

    /// The line [`parse_lines`](Self::parse_lines) reads back.
    pub fn to_line(&self) -> String {
        match (&self.unit, &self.target) {
            (None, None) => self.name.clone(),
            (unit, None) => format!("{}, {}", self.name, unit.as_deref().unwrap_or("")),
            (unit, Some(target)) => format!("{}, {}, {}", self.name, unit.as_deref().unwrap_or(""), target),
        }
    }
}

impl Indicator {
    pub fn spec(&self) -> IndicatorSpec {
        IndicatorSpec { name: self.name.clone(), unit: self.unit.clone(), target: self.target.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_kept_as_typed_in_canonical_form() {
        assert_eq!(parse_decimal("12").as_deref(), Some("12"));
        assert_eq!(parse_decimal(" 12.50 ").as_deref(), Some("12.5"));
        assert_eq!(parse_decimal("007").as_deref(), Some("7"));
        assert_eq!(parse_decimal("0.05").as_deref(), Some("0.05"));
        assert_eq!(parse_decimal("1,200").as_deref(), Some("1200"));
        for bad in ["", "-1", "1e3", "1.234", "十二", ".5", "1.2.3", "NaN"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn indicator_lines_read_back_as_written() {
        let specs = IndicatorSpec::parse_lines("培训人数, 人, 500\n\n举办场次，场\n覆盖率|%|95.50").unwrap();
        assert_eq!(specs.len(), 3);
        assert_eq!(
            specs[0],
            IndicatorSpec { name: "培训人数".into(), unit: Some("人".into()), target: Some("500".into()) }
        );
        assert_eq!(specs[1].target, None);
        assert_eq!(specs[2].target.as_deref(), Some("95.5"));
        let text: Vec<String> = specs.iter().map(IndicatorSpec::to_line).collect();
        assert_eq!(IndicatorSpec::parse_lines(&text.join("\n")).unwrap(), specs);
        let code = |text: &str| IndicatorSpec::parse_lines(text).unwrap_err().code;
        assert_eq!(code("培训人数, 人, 很多"), "invalid_indicator_target");
        assert_eq!(code("a,b,c,d"), "invalid_indicator_line");
        assert_eq!(code("场次\n场次"), "duplicate_indicator");
        let eleven: Vec<String> = (1..=11).map(|i| format!("指标{i}")).collect();
        assert_eq!(code(&eleven.join("\n")), "too_many_indicators");
    }
}
