//! A meeting's briefing pack as the document states it, in Chinese (the language of record) with
//! the Tibetan names of units where they are attested.

use pacesetter_app::meetings::briefing::Briefing;
use pacesetter_domain::{Locale, timestamp::format_date};
use pacesetter_export::{
    briefing::{Briefing as Pack, Cell, Part, ProgressRow},
    chase_notice::chinese_date,
};

use crate::i18n::Tr;

fn progress(name: &str, name_bo: Option<String>, cell: Option<pacesetter_app::reports::DashboardCell>) -> ProgressRow {
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

pub(crate) fn content(source: Briefing) -> Pack {
    let t = Tr::new(Locale::ZhHans);
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
                Cell::text(&line.item_title),
                Cell::with_bo(&line.unit_name, line.unit_name_bo.clone()),
                Cell::text(format_date(line.assignment.due_on)),
                Cell::text(format!("{}天", -line.days_left)),
                Cell::text(format!("{}%", line.assignment.percent)),
                Cell::text(t.tk("state", line.assignment.state.as_str())),
            ]
        })
        .collect();
    let overdue_total = usize::try_from(source.overdue.total).unwrap_or(0);
    let overdue = Part {
        heading: "超期未办结任务".into(),
        summary: match overdue_total {
            0 => "截至统计日，没有超期未办结的任务。".into(),
            n if overdue_rows.len() < n => format!("共{n}项，列出超期最久的{}项。", overdue_rows.len()),
            n => format!("共{n}项，按超期天数排列。"),
        },
        columns: ["任务", "责任单位", "完成时限", "超期", "进度", "状态"].map(String::from).to_vec(),
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
            vec![
                Cell::with_bo(&unit.name, unit.name_bo.clone()),
                Cell::text(format!("{}：{}", line.finding.category, line.finding.description)),
                Cell::text(measure),
                Cell::text(due),
                Cell::text(t.tk("inspection.state", state)),
            ]
        })
        .collect();
    let rectifications = Part {
        heading: "督导检查发现问题整改情况".into(),
        summary: match source.rectifications_open {
            0 => "督导检查发现的问题均已整改销号。".into(),
            n => format!(
                "尚未销号的整改事项共{n}项，其中超过时限仍未反馈的{}项{}",
                source.rectifications_late,
                if rectification_rows.len() < n {
                    format!("；列出时限最早的{}项。", rectification_rows.len())
                } else {
                    "，按整改时限排列。".into()
                }
            ),
        },
        columns: ["责任单位", "问题", "整改措施", "整改时限", "状态"].map(String::from).to_vec(),
        rows: rectification_rows,
    };

    let follow_up_rows: Vec<Vec<Cell>> = source
        .follow_ups
        .iter()
        .map(|f| {
            let state = f.assignment.as_ref().map(|a| format!("{} {}%", t.tk("state", a.state.as_str()), a.percent));
            vec![
                Cell::text(&f.task.title),
                Cell::text(&f.meeting.1),
                Cell::with_bo(&f.lead.name, f.lead.name_bo.clone()),
                Cell::text(f.task.due_on.map(format_date).unwrap_or_default()),
                Cell::text(f.light.map(|l| t.tk("light", l.as_str()).to_owned()).unwrap_or_default()),
                Cell::text(state.unwrap_or_default()),
            ]
        })
        .collect();
    let follow_ups = Part {
        heading: "往次会议议定事项督办情况".into(),
        summary: match follow_up_rows.len() {
            0 => "往次会议议定事项均已办结。".into(),
            n => format!("尚未办结的议定事项共{n}项，列入本次会议议程。"),
        },
        columns: ["议定事项", "会议", "牵头单位", "办结时限", "亮灯", "办理情况"].map(String::from).to_vec(),
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
            Part {
                heading: "最新综合考评排名".into(),
                summary: format!(
                    "{}（第{}版，{}发布）。",
                    view.scheme_name,
                    view.run.version.unwrap_or(1),
                    chinese_date(published)
                ),
                columns: ["类别", "名次", "单位", "得分", "等次"].map(String::from).to_vec(),
                rows,
            }
        }
        None => Part {
            heading: "最新综合考评排名".into(),
            summary: "本年度综合考评尚未发布结果。".into(),
            columns: Vec::new(),
            rows: Vec::new(),
        },
    };

    Pack {
        title: source.meeting.title.clone(),
        campaign: source.campaign.name.clone(),
        held: format!(
            "{} {} · {}",
            chinese_date(held.date_cst()),
            clock,
            t.tk("meeting.mode", source.meeting.mode.as_str())
        ),
        as_of: format!("数据截至{}", chinese_date(source.today)),
        office: source.office.name.clone(),
        pillars,
        areas,
        parts: vec![overdue, rectifications, follow_ups, ranking],
    }
}
