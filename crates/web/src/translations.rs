//! The interface's strings as the translation page and API list them: each key with its
//! Chinese source, the English, the shipped text of the language translated and the
//! deployment's edit, where on the product it is used, and its state; coverage per language and
//! per area; and keeping the reviewed edits in force on this instance (decision 0022).

use std::collections::HashMap;

use pacesetter_app::translations::Override;
use pacesetter_app::{App, AppError, translations};
use pacesetter_domain::{Locale, translation::State};
use pacesetter_export::exchange::{self, Format};

use crate::i18n;

/// The areas of the product a key's first segment belongs to, with the page that shows them;
/// keys of any other segment (actions, errors, states, the menu) are used on every page.
const AREAS: [(&str, &str); 22] = [
    ("auth", "/login"),
    ("burden", "/inspections"),
    ("bulletin", "/evaluations"),
    ("chase", "/assignments"),
    ("contest", "/contests"),
    ("dashboard", "/campaigns"),
    ("evaluation", "/evaluations"),
    ("evidence", "/assignments"),
    ("imports", "/imports"),
    ("inbox", "/inbox"),
    ("inspection", "/inspections"),
    ("meeting", "/meetings"),
    ("plan", "/imports"),
    ("plans", "/campaigns"),
    ("public", "/"),
    ("quiz", "/contests"),
    ("search", "/search"),
    ("second_factor", "/account/security"),
    ("tasks", "/assignments"),
    ("units", "/units"),
    ("users", "/users"),
    ("export", "/assignments"),
];

/// Where a key is used: the area's page, or every page (`None`).
pub fn used_on(key: &str) -> Option<&'static str> {
    let prefix = key.split('.').next().unwrap_or_default();
    AREAS.iter().find(|(area, _)| *area == prefix).map(|(_, page)| *page)
}

/// The area a key belongs to: the page that shows it (`meetings` for `/meetings`), or `common`.
pub fn area(key: &str) -> &'static str {
    match used_on(key) {
        Some("/") => "public",
        Some(page) => page.trim_start_matches('/').split('/').next().unwrap_or("common"),
        None => "common",
    }
}

/// The interface text naming an area, for the filter and the coverage list.
pub fn area_label(area: &str) -> &'static str {
    match area {
        "assignments" => "nav.tasks",
        "campaigns" => "nav.plans",
        "contests" => "nav.contests",
        "evaluations" => "nav.evaluations",
        "imports" => "nav.imports",
        "inbox" => "inbox.title",
        "inspections" => "nav.inspections",
        "login" => "auth.sign_in",
        "meetings" => "nav.meetings",
        "public" => "public.link",
        "search" => "search.title",
        "account" => "second_factor.title",
        "units" => "nav.units",
        "users" => "nav.people",
        _ => "translations.every_page",
    }
}

/// One string of the interface in one language.
#[derive(Debug, Clone)]
pub struct Line {
    pub key: &'static str,
    pub source: &'static str,
    pub english: &'static str,
    /// As the language's file ships it (the Chinese where it is not translated yet).
    pub shipped: &'static str,
    /// The deployment's edit, if any.
    pub edited: Option<Override>,
    pub state: State,
}

impl Line {
    /// The text a reader of the language sees: a reviewed edit, else the shipped text.
    pub fn in_force(&self) -> &str {
        match &self.edited {
            Some(edit) if edit.state == State::Reviewed => &edit.text,
            _ => self.shipped,
        }
    }
}

/// Every string of `locale`, in key order, with the deployment's edits.
pub fn lines(locale: Locale, edits: &[Override]) -> Vec<Line> {
    let edited: HashMap<&str, &Override> =
        edits.iter().filter(|e| e.locale == locale.tag()).map(|e| (e.key.as_str(), e)).collect();
    i18n::all_keys()
        .into_iter()
        .map(|key| {
            let source = i18n::shipped(Locale::ZhHans, key).unwrap_or_default();
            let shipped = i18n::shipped(locale, key).unwrap_or(source);
            let edited = edited.get(key).map(|e| (*e).clone());
            let state = match &edited {
                Some(edit) => edit.state,
                None if locale != Locale::ZhHans && shipped == source => State::Missing,
                None => State::Shipped,
            };
            Line { key, source, english: i18n::shipped(Locale::En, key).unwrap_or_default(), shipped, edited, state }
        })
        .collect()
}

/// How much of a language (or of one area of it) is translated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    pub total: usize,
    /// Shipped attested, or edited and reviewed.
    pub translated: usize,
    pub drafts: usize,
    pub missing: usize,
}

impl Coverage {
    fn add(&mut self, state: State) {
        self.total += 1;
        match state {
            State::Shipped | State::Reviewed => self.translated += 1,
            State::Draft => self.drafts += 1,
            State::Missing => self.missing += 1,
        }
    }

    /// Translated, in per cent of the whole, rounded down.
    pub fn percent(&self) -> usize {
        (self.translated * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// The coverage of `lines`, in all and per area (in area order).
pub fn coverage(lines: &[Line]) -> (Coverage, Vec<(&'static str, Coverage)>) {
    let mut all = Coverage::default();
    let mut areas: Vec<(&'static str, Coverage)> = Vec::new();
    for line in lines {
        all.add(line.state);
        let name = area(line.key);
        match areas.iter_mut().find(|(a, _)| *a == name) {
            Some((_, coverage)) => coverage.add(line.state),
            None => {
                let mut coverage = Coverage::default();
                coverage.add(line.state);
                areas.push((name, coverage));
            }
        }
    }
    areas.sort_by_key(|(name, _)| *name);
    (all, areas)
}

/// Puts the reviewed edits in force on this instance if they changed since they were last read.
pub async fn refresh(app: &App) -> Result<(), AppError> {
    let revision = translations::revision(app).await?;
    if revision == app.translations.revision() {
        return Ok(());
    }
    let (revision, reviewed) = translations::reviewed(app).await?;
    let texts = reviewed.into_iter().filter_map(|o| Some((Locale::parse(&o.locale)?, o.key, o.text)));
    app.translations.install(revision, texts);
    Ok(())
}

/// A string of a translator's workbook that differs from what is kept.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: &'static str,
    pub source: &'static str,
    /// The draft waiting for review, or else the text in force.
    pub before: String,
    pub after: String,
    /// Why it would be refused: an error code.
    pub problem: Option<&'static str>,
}

/// Each key of a translator's file with the text it gives. A workbook (or CSV) is read as
/// [`crate::api::translations`] exports it: the key in the first column, the text in force in the
/// fourth and a new text in the fifth (the fifth, when filled, is the one taken); a PO or XLIFF
/// file by its keys (`msgctxt`, the unit's `id`) and translations.
fn filled(bytes: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    if Format::of_upload(bytes).is_some() {
        return exchange::read(bytes).map_err(|e| AppError::invalid("file", e.code));
    }
    let grid = pacesetter_export::read_sheet(bytes).map_err(|e| AppError::invalid("file", e.code))?;
    Ok(grid
        .rows
        .iter()
        .map(|(_, cells)| {
            let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or_default();
            let after = if cell(4).is_empty() { cell(3) } else { cell(4) };
            (cell(0).to_owned(), after.to_owned())
        })
        .collect())
}

/// What a translator's file would change: the strings whose translation differs from the kept
/// one, and how many it has that change nothing.
pub fn changes(bytes: &[u8], locale: Locale, edits: &[Override]) -> Result<(Vec<Change>, usize), AppError> {
    let kept: HashMap<&str, Line> = lines(locale, edits).into_iter().map(|l| (l.key, l)).collect();
    let mut found = Vec::new();
    let mut unchanged = 0;
    for (key, after) in &filled(bytes)? {
        let Some(line) = kept.get(key.as_str()) else { continue };
        let after = after.trim();
        let before = match &line.edited {
            Some(edit) => edit.text.as_str(),
            None => line.in_force(),
        };
        if after.is_empty() || after == before {
            unchanged += 1;
            continue;
        }
        let problem = match translations::check(line.source, after) {
            Ok(_) => None,
            Err(AppError::Invalid(errors)) => errors.fields.first().map(|f| f.code),
            Err(other) => return Err(other),
        };
        found.push(Change {
            key: line.key,
            source: line.source,
            before: before.to_owned(),
            after: after.to_owned(),
            problem,
        });
    }
    Ok((found, unchanged))
}
