//! A meeting's briefing pack as the document states it: its fixed wording in the campaign's
//! documents language or languages (from the resource files, a stand-in said once in Chinese),
//! the names in Chinese with their Tibetan under them where they have one.

use pacesetter_app::{App, meetings::briefing::Briefing, reports::DashboardCell};
use pacesetter_domain::{plan::DocumentLanguage, timestamp::format_date};
use pacesetter_export::{
    briefing::{Briefing as Pack, Cell, Part, Progress, ProgressRow},
    said::Said,
};

use super::{document_date, document_said};
use crate::{i18n::Tr, ui::named::Named};

fn progress(name: &str, name_bo: Option<String>, cell: Option<DashboardCell>) -> ProgressRow {
    let lights = cell.map(|c| c.lights).unwrap_or_default();
    let (percent, ratio) = match cell {
        Some(c) => (format!("{:.1}%", f64::from(c.rolled.permille) / 10.0), f64::from(c.rolled.permille) / 1000.0),
        None => ("—".to_owned(), 0.0),
    };
    ProgressRow {
        name: name.to_owned(),
        name_bo,
        percent,
        ratio,
        done: lights.done,
        green: lights.green,
        yellow: lights.yellow,
        red: lights.red,
    }
}

/// The pack's wording in its language or languages.
struct Wording<'a>(DocumentLanguage, &'a App);

impl Wording<'_> {
    /// The text of `key` as it stands.
    fn text(&self, key: &str) -> Vec<Said> {
        document_said(self.1, self.0, key, |t| t.t(key).to_owned())
    }

    /// The text of `key`, made by `render`.
    fn made(&self, key: &str, render: impl Fn(Tr) -> String) -> Vec<Said> {
        document_said(self.1, self.0, key, render)
    }

    fn cell(&self, key: &str) -> Cell {
        Cell::said(&self.text(key))
    }

    fn columns(&self, keys: &[&str]) -> Vec<Vec<Said>> {
        keys.iter().map(|key| self.text(&format!("briefing.column.{key}"))).collect()
    }

    /// A part's summary: `none` when it holds nothing, else `some` when `shown` is fewer than
    /// `total` and `all` when every line is shown, with `args` (the counts) filled.
    fn summary(&self, part: &str, total: usize, shown: usize, args: &[(&str, &dyn std::fmt::Display)]) -> Vec<Said> {
        let which = match total {
            0 => "none",
            n if shown < n => "some",
            _ => "all",
        };
        let key = format!("briefing.{part}.{which}");
        self.made(&key, |t| {
            let shown: &dyn std::fmt::Display = &shown;
            let total: &dyn std::fmt::Display = &total;
            let mut args = args.to_vec();
            args.extend([("shown", shown), ("total", total)]);
            t.f(&key, &args)
        })
    }
}

pub(crate) fn content(source: Briefing, app: &App) -> Pack {
    let said = Wording(source.campaign.documents_language, app);
    let held = source.meeting.starts_at;
    let clock = held.display_cst().split_once(' ').map(|(_, c)| c.to_owned()).unwrap_or_default();
    let pillars =
        source.pillars.iter().map(|(item, cell)| progress(&item.title, item.title_bo.clone(), *cell)).collect();
    let areas = source.areas.iter().map(|(unit, cell)| progress(&unit.name, unit.name_bo.clone(), *cell)).collect();

    let overdue_rows: Vec<Vec<Cell>> = source
        .overdue
        .items
        .iter()
        .map(|line| {
            vec![
                Cell::with_bo(&line.item_title, line.item_title_bo.clone()),
                Cell::with_bo(&line.unit_name, line.unit_name_bo.clone()),
                Cell::text(format_date(line.assignment.due_on)),
                Cell::said(&said.made("briefing.days", |t| t.n("briefing.days", -line.days_left))),
                Cell::text(format!("{}%", line.assignment.percent)),
                said.cell(&format!("state.{}", line.assignment.state.as_str())),
            ]
        })
        .collect();
    let overdue = Part {
        heading: said.text("briefing.overdue.heading"),
        summary: said.summary("overdue", usize::try_from(source.overdue.total).unwrap_or(0), overdue_rows.len(), &[]),
        columns: said.columns(&["task", "unit", "due", "late", "percent", "state"]),
        rows: overdue_rows,
    };

    let rectification_rows: Vec<Vec<Cell>> = source
        .rectifications
        .iter()
        .map(|(line, unit)| {
            let (measure, due, state) = match &line.rectification {
                Some(r) => (r.measure.clone(), format_date(r.due_on), r.state.as_str()),
                None => (String::new(), String::new(), "none"),
            };
            let finding = &line.finding;
            vec![
                Cell::with_bo(&unit.name, unit.name_bo.clone()),
                // The description is written in Chinese only: the Tibetan line names the finding.
                Cell::with_bo(format!("{}：{}", finding.category, finding.description), finding.category_bo.clone()),
                Cell::text(measure),
                Cell::text(due),
                said.cell(&format!("inspection.state.{state}")),
            ]
        })
        .collect();
    let late = source.rectifications_late;
    let rectifications = Part {
        heading: said.text("briefing.rectifications.heading"),
        summary: said.summary(
            "rectifications",
            source.rectifications_open,
            rectification_rows.len(),
            &[("open", &source.rectifications_open), ("late", &late)],
        ),
        columns: said.columns(&["unit", "finding", "measure", "rectify_by", "state"]),
        rows: rectification_rows,
    };

    let follow_up_rows: Vec<Vec<Cell>> = source
        .follow_ups
        .iter()
        .map(|f| {
            let handling = match &f.assignment {
                Some(a) => said.made(&format!("state.{}", a.state.as_str()), |t| {
                    format!("{} {}%", t.tk("state", a.state.as_str()), a.percent)
                }),
                None => Vec::new(),
            };
            let light = f.light.map(|l| said.cell(&format!("light.{}", l.as_str())));
            vec![
                Cell::with_bo(&f.task.title, f.task.title_bo.clone()),
                Cell::text(&f.meeting.1),
                Cell::with_bo(&f.lead.name, f.lead.name_bo.clone()),
                Cell::text(f.task.due_on.map(format_date).unwrap_or_default()),
                light.unwrap_or_else(|| Cell::text("")),
                Cell::said(&handling),
            ]
        })
        .collect();
    let open = follow_up_rows.len();
    let follow_ups = Part {
        heading: said.text("briefing.follow_ups.heading"),
        summary: said.summary("follow_ups", open, open, &[]),
        columns: said.columns(&["decision", "meeting", "lead", "close_by", "light", "handling"]),
        rows: follow_up_rows,
    };

    let ranking = match &source.ranking {
        Some(view) => {
            let published = super::published_on(view);
            let rows = view
                .results
                .iter()
                .map(|r| {
                    let unit = view.units.get(&r.unit);
                    vec![
                        Cell::text(&r.category),
                        Cell::text(r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into())),
                        Cell::with_bo(
                            unit.map(|u| u.name.clone()).unwrap_or_default(),
                            unit.and_then(|u| u.name_bo.clone()),
                        ),
                        Cell::text(r.final_score.to_string()),
                        Cell::text(&r.grade),
                    ]
                })
                .collect();
            let version = view.run.version.unwrap_or(1);
            Part {
                heading: said.text("briefing.ranking.heading"),
                summary: said.made("briefing.ranking.published", |t| {
                    let scheme = Named::of(&view.scheme_name, view.scheme_name_bo.as_deref(), t.locale);
                    let scheme: &dyn std::fmt::Display = &scheme;
                    t.f(
                        "briefing.ranking.published",
                        &[("scheme", scheme), ("version", &version), ("date", &t.date(published))],
                    )
                }),
                columns: said.columns(&["category", "rank", "unit", "score", "grade"]),
                rows,
            }
        }
        None => Part {
            heading: said.text("briefing.ranking.heading"),
            summary: said.text("briefing.ranking.none"),
            columns: Vec::new(),
            rows: Vec::new(),
        },
    };

    let when: Vec<Said> = document_date(said.1, said.0, held.date_cst())
        .into_iter()
        .map(|day| Said { text: format!("{} {clock}", day.text), lang: day.lang })
        .collect();
    let today = source.today;
    Pack {
        title: source.meeting.title.clone(),
        title_bo: source.meeting.title_bo.clone(),
        kind: said.text("briefing.kind"),
        campaign: source.campaign.name.clone(),
        campaign_bo: source.campaign.name_bo.clone(),
        facts: vec![
            when,
            said.text(&format!("meeting.mode.{}", source.meeting.mode.as_str())),
            said.made("briefing.as_of", |t| t.f("briefing.as_of", &[("date", &t.date(today))])),
        ],
        office: source.office.name.clone(),
        progress_columns: said
            .columns(&["percent", "done"])
            .into_iter()
            .chain(["light.green", "light.yellow", "light.red"].map(|key| said.text(key)))
            .collect(),
        progress: vec![
            Progress { heading: said.text("briefing.pillars"), empty: said.text("briefing.no_tasks"), rows: pillars },
            Progress { heading: said.text("briefing.areas"), empty: said.text("briefing.no_tasks"), rows: areas },
        ],
        parts: vec![overdue, rectifications, follow_ups, ranking],
    }
}
