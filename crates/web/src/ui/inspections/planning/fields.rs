//! The planning forms' state: what each form shows (stored values, or the input a refused
//! form brings back with its messages), and the choices it offers — the campaign's schemes,
//! the people who may join a team, the units a round may visit.

use pacesetter_app::inspections::{
    RoundView,
    round_page::{PlanningChoices, TargetTree},
};
use pacesetter_domain::{
    ValidationError,
    evaluation::records::StoredScheme,
    inspection::records::{Target, Team},
    timestamp::format_date,
    unit::Unit,
};

use crate::i18n::Tr;

/// A round's name, dates and scheme as typed (dates `YYYY-MM-DD`, scheme "" for none).
#[derive(Debug, Clone, Default)]
pub struct RoundFields {
    pub version: i64,
    pub name: String,
    pub name_bo: String,
    pub starts_on: String,
    pub ends_on: String,
    pub scheme_id: String,
}

impl RoundFields {
    pub fn of(round: &pacesetter_domain::inspection::records::Round) -> Self {
        Self {
            version: round.version,
            name: round.name.clone(),
            name_bo: round.name_bo.clone().unwrap_or_default(),
            starts_on: format_date(round.starts_on),
            ends_on: format_date(round.ends_on),
            scheme_id: round.scheme_id.map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

/// A new team as typed: its name, the leader's id and the members' ids.
#[derive(Debug, Clone, Default)]
pub struct TeamFields {
    pub name: String,
    pub leader: String,
    pub members: Vec<String>,
}

/// A checklist point as typed; the task or indicator it came from rides along unseen.
#[derive(Debug, Clone, Default)]
pub struct PointRow {
    pub title: String,
    pub title_bo: String,
    pub evidence: String,
    pub plan_item: String,
    pub indicator: String,
}

impl PointRow {
    pub fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.evidence.trim().is_empty()
    }
}

/// Blank checklist rows offered under the filled ones.
pub const BLANK_POINTS: usize = 3;

/// What a refused planning form brings back, or what a finished one reports.
#[derive(Debug, Default)]
pub struct Shown {
    /// The form the messages belong to: `round`, `team`, `targets` or `checklist`.
    pub form: &'static str,
    pub errors: ValidationError,
    /// A message for the whole form: a conflict, a stale version.
    pub message: String,
    pub round: Option<RoundFields>,
    pub team: Option<TeamFields>,
    /// The units ticked, each with its team id ("" for none).
    pub targets: Option<Vec<(i64, String)>>,
    pub checklist: Option<Vec<PointRow>>,
    /// What the last form did ("checklist saved"), shown once.
    pub notice: String,
}

/// A person a team may take on: id and "display name (username)".
pub struct Person {
    pub id: i64,
    pub label: String,
}

/// A formed team in words: its name, "leader: …", "members: …" (empty when none).
pub struct TeamLine {
    pub name: String,
    pub leader: String,
    pub members: String,
}

/// A unit the round may visit, with the team given to it; `children` are the units below it.
pub struct TargetChoice {
    pub id: i64,
    pub name: String,
    pub checked: bool,
    pub team: String,
    /// The team select's label: "the team visiting …".
    pub team_label: String,
    pub children: Vec<TargetChoice>,
}

impl TargetChoice {
    /// Whether a unit below it is ticked (its list then starts open).
    pub fn opens(&self) -> bool {
        self.children.iter().any(|c| c.checked)
    }
}

/// The units below one of the office's trees.
pub struct TargetGroup {
    pub name: String,
    pub choices: Vec<TargetChoice>,
}

/// Everything the planning forms of a round page show.
pub struct Planning {
    t: Tr,
    pub form: &'static str,
    pub errors: ValidationError,
    pub message: String,
    pub round: RoundFields,
    pub schemes: Vec<(String, String)>,
    pub team: TeamFields,
    pub people: Vec<Person>,
    pub teams: Vec<TeamLine>,
    pub team_options: Vec<(String, String)>,
    pub groups: Vec<TargetGroup>,
    /// Ticked units outside the groups (set through the API, or out of the caller's trees).
    pub others: Vec<TargetChoice>,
    /// The checklist editor's rows; `None` once the checklist is fixed (the round started).
    pub checklist: Option<Vec<PointRow>>,
}

impl Planning {
    /// The message beside `field` of `form`, when that form was the one refused.
    pub fn error(&self, form: &str, field: &str) -> String {
        if self.form != form {
            return String::new();
        }
        self.errors.code_for(field).map(|code| self.t.error(code)).unwrap_or_default()
    }

    /// The message over `form`, when that form was the one refused.
    pub fn message_for(&self, form: &str) -> &str {
        if self.form == form { &self.message } else { "" }
    }

    /// Where the refused form sits on the page, for the note over it; "" when none was.
    pub fn refused_at(&self) -> &'static str {
        if !self.refused(self.form) {
            return "";
        }
        match self.form {
            "round" => "round-fields",
            "team" => "teams",
            "targets" => "targets",
            _ => "checklist",
        }
    }

    /// Whether `form` was refused (its part of the page then starts open).
    pub fn refused(&self, form: &str) -> bool {
        self.form == form && (!self.errors.is_empty() || !self.message.is_empty())
    }

    /// Whether the new-team form has `id` ticked as a member.
    pub fn is_member(&self, id: &i64) -> bool {
        self.team.members.iter().any(|m| m.trim() == id.to_string())
    }

    /// Whether a checklist row is a filled row missing its title (named when a save is refused).
    pub fn row_flagged(&self, row: &PointRow) -> bool {
        self.form == "checklist" && !self.errors.is_empty() && !row.is_blank() && row.title.trim().is_empty()
    }
}

/// The planning forms' state: what was typed when a form came back, else what is stored, over
/// the choices the app gathered.
pub fn planning(t: Tr, view: &RoundView, seen: &[(Target, Unit)], choices: PlanningChoices, shown: Shown) -> Planning {
    let Shown { form, errors, message, round, team, targets, checklist, notice: _ } = shown;
    let people: Vec<Person> = choices
        .people
        .iter()
        .map(|u| Person { id: u.id.0, label: format!("{}（{}）", u.display_name, u.username) })
        .collect();
    let label = |id: i64| {
        people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.label.clone())
            .unwrap_or_else(|| t.t("inspection.unknown_person").to_owned())
    };
    let teams = view.teams.iter().map(|team| team_line(team, &label, t)).collect();
    let chosen: Vec<(i64, String)> = targets.unwrap_or_else(|| {
        view.targets
            .iter()
            .map(|target| (target.unit_id.0, target.team_id.map(|t| t.0.to_string()).unwrap_or_default()))
            .collect()
    });
    let (groups, others) = target_groups(t, &choices.trees, seen, &chosen);
    let checklist = (view.round.status == pacesetter_domain::inspection::records::RoundStatus::Planning)
        .then(|| checklist_rows(view, checklist));
    Planning {
        t,
        form,
        errors,
        message,
        round: round.unwrap_or_else(|| RoundFields::of(&view.round)),
        schemes: scheme_options(&choices.schemes),
        team: team.unwrap_or_default(),
        people,
        teams,
        team_options: view.teams.iter().map(|team| (team.id.0.to_string(), team.name.clone())).collect(),
        groups,
        others,
        checklist,
    }
}

fn team_line(team: &Team, label: &impl Fn(i64) -> String, t: Tr) -> TeamLine {
    let members: Vec<String> = team.members.iter().filter(|m| **m != team.leader_id).map(|m| label(m.0)).collect();
    TeamLine {
        name: team.name.clone(),
        leader: t.f("inspection.plan.leader_is", &[("name", &label(team.leader_id.0))]),
        members: if members.is_empty() {
            String::new()
        } else {
            t.f("inspection.plan.members_are", &[("names", &members.join("、"))])
        },
    }
}

/// The checklist as typed when a save came back, else as stored; with blank rows to fill.
fn checklist_rows(view: &RoundView, typed: Option<Vec<PointRow>>) -> Vec<PointRow> {
    let mut rows = typed.unwrap_or_else(|| {
        view.items
            .iter()
            .map(|item| PointRow {
                title: item.title.clone(),
                title_bo: item.title_bo.clone().unwrap_or_default(),
                evidence: item.evidence_request.clone().unwrap_or_default(),
                plan_item: item.plan_item_id.map(|p| p.0.to_string()).unwrap_or_default(),
                indicator: item.indicator_code.clone().unwrap_or_default(),
            })
            .collect()
    });
    let blank = rows.iter().rev().take_while(|r| r.is_blank()).count();
    rows.extend(std::iter::repeat_with(PointRow::default).take(BLANK_POINTS.saturating_sub(blank)));
    rows
}

/// The campaign's evaluation schemes, for the round's "also scores" select: (id, name).
pub fn scheme_options(schemes: &[StoredScheme]) -> Vec<(String, String)> {
    schemes.iter().map(|s| (s.id.0.to_string(), s.name.clone())).collect()
}

/// The target checkboxes, tree by tree, and the units already chosen that lie elsewhere
/// (`others`), named from the targets the caller sees.
fn target_groups(
    t: Tr,
    trees: &[TargetTree],
    seen: &[(Target, Unit)],
    chosen: &[(i64, String)],
) -> (Vec<TargetGroup>, Vec<TargetChoice>) {
    let choice = |unit: &Unit, children: Vec<TargetChoice>| {
        let picked = chosen.iter().find(|(id, _)| *id == unit.id.0);
        let name = unit.display_name(t.locale).to_owned();
        TargetChoice {
            id: unit.id.0,
            team_label: t.f("inspection.plan.team_of", &[("unit", &name)]),
            name,
            checked: picked.is_some(),
            team: picked.map(|(_, team)| team.clone()).unwrap_or_default(),
            children,
        }
    };
    let mut shown = Vec::new();
    let mut groups = Vec::new();
    for tree in trees {
        let mut choices = Vec::new();
        for (child, grandchildren) in &tree.children {
            let below: Vec<TargetChoice> = grandchildren.iter().map(|unit| choice(unit, Vec::new())).collect();
            shown.extend(below.iter().map(|c| c.id));
            shown.push(child.id.0);
            choices.push(choice(child, below));
        }
        groups.push(TargetGroup { name: tree.root.display_name(t.locale).to_owned(), choices });
    }
    let others = chosen
        .iter()
        .filter(|(id, _)| !shown.contains(id))
        .map(|(id, team)| {
            let name = seen
                .iter()
                .find(|(_, unit)| unit.id.0 == *id)
                .map(|(_, unit)| unit.display_name(t.locale).to_owned())
                .unwrap_or_else(|| t.t("inspection.unknown_unit").to_owned());
            let team_label = t.f("inspection.plan.team_of", &[("unit", &name)]);
            TargetChoice { id: *id, name, checked: true, team: team.clone(), team_label, children: Vec::new() }
        })
        .collect();
    (groups, others)
}
