//! Unit names as offices write them in a task sheet: by name, Tibetan name, code or one of the
//! unit's aliases (区发改委, 团区委), "各地（市）" for every prefecture, with ranked suggestions
//! for a name not found.

use std::collections::{HashMap, HashSet};

use pacesetter_domain::{
    UnitId,
    plan_sheet::{self, squeeze},
    unit::Unit,
};

use crate::import::CellError;

/// The units the importer can see, found by name, Tibetan name, code or alias.
pub(super) struct UnitIndex {
    units: Vec<Unit>,
    by_name: HashMap<String, Vec<usize>>,
}

impl UnitIndex {
    pub(super) fn new(units: Vec<Unit>) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, unit) in units.iter().enumerate() {
            let names = [Some(&unit.name), unit.name_bo.as_ref(), unit.code.as_ref()];
            for name in names.into_iter().flatten().chain(&unit.aliases) {
                let entry = by_name.entry(squeeze(name)).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
        }
        Self { units, by_name }
    }

    /// The units a cell names, or the errors of the names not found.
    pub(super) fn resolve(&self, names: &[&str], column: &str, field: &'static str) -> (Vec<UnitId>, Vec<CellError>) {
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for name in names {
            if let Some(kind) = plan_sheet::every_unit_of(name) {
                found.extend(self.units.iter().filter(|u| u.kind == kind).map(|u| u.id));
                continue;
            }
            match self.by_name.get(&squeeze(name)).map(Vec::as_slice) {
                Some([one]) => found.push(self.units[*one].id),
                Some(many) => {
                    let mut error = CellError::new(column.to_owned(), field, "unit_ambiguous").about(name);
                    error.suggestions = many.iter().map(|i| self.qualified(*i)).collect();
                    errors.push(error);
                }
                None => {
                    let mut error = CellError::new(column.to_owned(), field, "unit_name_unknown").about(name);
                    error.suggestions = self.suggestions(name);
                    errors.push(error);
                }
            }
        }
        let mut seen = HashSet::new();
        found.retain(|id| seen.insert(*id));
        (found, errors)
    }

    /// The names of the units most like `name`, compared with each unit's name and aliases.
    fn suggestions(&self, name: &str) -> Vec<String> {
        let mut best: HashMap<&str, f64> = HashMap::new();
        for unit in &self.units {
            for candidate in std::iter::once(&unit.name).chain(&unit.aliases) {
                let score = plan_sheet::likeness(name, candidate);
                let entry = best.entry(unit.name.as_str()).or_insert(0.0);
                *entry = entry.max(score);
            }
        }
        let mut ranked: Vec<(&str, f64)> =
            best.into_iter().filter(|(_, score)| *score >= plan_sheet::SUGGEST_FROM).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked.into_iter().take(3).map(|(name, _)| name.to_owned()).collect()
    }

    /// A unit's name with its parent's, to tell two units of the same name apart.
    fn qualified(&self, index: usize) -> String {
        let unit = &self.units[index];
        match unit.parent_id.and_then(|p| self.units.iter().find(|u| u.id == p)) {
            Some(parent) => format!("{}（{}）", unit.name, parent.name),
            None => unit.name.clone(),
        }
    }
}
