//! The bulletin (通报) of a published run as files: the XLSX from `export`, the PDF compiled by
//! typst (`pacesetter-pdf`) off the async threads, with fonts from the configured directory; and
//! a contest prize's certificate, the reminder notices (督办单), a meeting's minutes and its
//! briefing pack, compiled the same way.

use pacesetter_app::{App, AppError, evaluations::bulletin::BulletinView};
use pacesetter_domain::{Locale, plan::DocumentLanguage};
use pacesetter_export::{
    bulletin::{Bulletin, Header, Said, TEMPLATE, UnitLine, Wording},
    chase_notice::{ChaseNotice, NoticeLine, NoticeUnit},
};
use pacesetter_pdf::{FontSet, PdfError};

use crate::{i18n::Tr, ui::named::Named};

mod briefing;
pub(crate) use briefing::content as briefing;

/// The font families the template asks for, with the Debian package that installs each.
const FONTS: [(&str, &str); 3] = [
    ("Noto Sans CJK SC", "fonts-noto-cjk"),
    ("Noto Serif CJK SC", "fonts-noto-cjk"),
    ("Noto Serif Tibetan", "fonts-noto-core"),
];

/// The bulletin's content in the campaign's documents language or languages (names in Chinese,
/// with the Tibetan beside them), its fixed wording from the interface's resource files and the
/// deployment's reviewed translations.
pub(crate) fn content(view: BulletinView, app: &App) -> Bulletin {
    let published = published_on(&view);
    let wordings: Vec<Wording> = view
        .campaign
        .documents_language
        .locales()
        .iter()
        .map(|locale| wording(Tr::new(*locale, app), &view, published))
        .collect();
    let header = Header {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        scheme: view.scheme_name,
        version: view.run.version.unwrap_or(1),
        office: view.office.name,
    };
    let shown = |value| view.rounding.round(value, view.precision);
    let lines = view
        .results
        .into_iter()
        .map(|r| {
            let unit = view.units.get(&r.unit);
            UnitLine {
                unit: unit.map(|u| u.name.clone()).unwrap_or_else(|| r.unit.to_string()),
                unit_bo: unit.and_then(|u| u.name_bo.clone()),
                category: r.category,
                rank: r.rank,
                base: shown(r.base),
                bonus: shown(r.bonus),
                deductions: shown(r.deductions),
                final_score: r.final_score,
                grade: r.grade,
                vetoed: r.vetoed,
                quota_moved: r.quota_moved,
            }
        })
        .collect();
    Bulletin::new(header, lines, &wordings)
}

/// The bulletin's fixed wording in one language, each text by its [`voice`]; the scheme named in
/// that voice's language (its Tibetan name, where it has one, in Tibetan).
fn wording(t: Tr, view: &BulletinView, published: time::Date) -> Wording {
    let scheme = |t: Tr| Named::of(&view.scheme_name, view.scheme_name_bo.as_deref(), t.locale).text;
    let with_scheme = |key: &str, args: &[(&str, &dyn std::fmt::Display)]| {
        let t = voice(t, key);
        let scheme = scheme(t);
        let mut args = args.to_vec();
        args.push(("scheme", &scheme));
        t.f(key, &args)
    };
    let column = |key: &str| t.tk("bulletin.column", key).to_owned();
    let said = voice(t, "bulletin.subtitle");
    let version = view.run.version.unwrap_or(1);
    Wording {
        lang: if t.locale == Locale::Bo { "bo" } else { "zh" },
        heading: with_scheme("bulletin.heading", &[]),
        subtitle: said.f("bulletin.subtitle", &[("version", &version), ("date", &said.date(published))]),
        date: voice(t, "date.long").date(published),
        intro: with_scheme("bulletin.intro", &[("units", &view.results.len())]),
        columns: ["rank", "unit", "base", "bonus", "deductions", "final", "grade"].map(column),
        chart_title: t.t("bulletin.chart_title").to_owned(),
        vetoed: t.t("bulletin.vetoed").to_owned(),
        quota_moved: t.t("bulletin.quota_moved").to_owned(),
    }
}

/// The campaign's day when the run was published: its date in China, or the day a campaign is
/// pinned to (the demo's 2023-06-30), so that a bulletin is dated within its campaign.
pub(crate) fn published_on(view: &BulletinView) -> time::Date {
    view.campaign.today(view.run.published_at.unwrap_or(view.run.created_at))
}

/// Scans `fonts_dir` (once per process) and says which font the bulletins need is missing,
/// naming its Debian package; the server checks at start so that the operator hears of it
/// before anyone asks for a PDF, and the first PDF does not wait for the scan.
pub fn missing_fonts(fonts_dir: &std::path::Path) -> Vec<String> {
    let fonts = FontSet::shared(&[fonts_dir.to_path_buf()]);
    FONTS.iter().filter_map(|(family, package)| fonts.require(family, package).err().map(|e| e.to_string())).collect()
}

pub(crate) fn xlsx(bulletin: &Bulletin) -> Result<Vec<u8>, AppError> {
    bulletin.xlsx().map_err(|e| AppError::Internal(format!("bulletin xlsx: {e}")))
}

/// Compiles the bulletin's PDF.
pub(crate) async fn pdf(fonts_dir: &std::path::Path, bulletin: Bulletin) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, TEMPLATE, ("/bulletin.json", bulletin.json())).await
}

/// Who says a document's wording `key` in `t`'s language: `t` where the key has its own
/// Tibetan, else Chinese — a stand-in is said whole in Chinese (its dates too), never as a
/// Chinese sentence around Tibetan parts.
fn voice(t: Tr, key: &str) -> Tr {
    let chinese = Tr::shipped(Locale::ZhHans);
    match t.locale == Locale::Bo && t.t(key) != chinese.t(key) {
        true => t,
        false => chinese,
    }
}

/// A fixed wording of a document in `language`: `render` in each of its languages, by its
/// [`voice`]; a stand-in is said once.
pub(crate) fn document_said(
    app: &App,
    language: DocumentLanguage,
    key: &str,
    render: impl Fn(Tr) -> String,
) -> Vec<Said> {
    Said::once(language.locales().iter().map(|locale| {
        let t = voice(Tr::new(*locale, app), key);
        Said { text: render(t), lang: if t.locale == Locale::Bo { "bo" } else { "zh" } }
    }))
}

/// A document's date in `language`: "2023年6月30日" with "སྤྱི་ལོ་2023 ཟླ་བ་དྲུག་པའི་ཚེས་30" under it
/// in both languages (CLDR's long date pattern of each).
pub(crate) fn document_date(app: &App, language: DocumentLanguage, day: time::Date) -> Vec<Said> {
    document_said(app, language, "date.long", |t| t.date(day))
}

/// A day as a document in Chinese only writes it: "2023年6月30日".
pub(crate) fn chinese_date(day: time::Date) -> String {
    Tr::shipped(Locale::ZhHans).date(day)
}

/// A contest's certificate of a `prize` (0 the first) for `contest` (its round and the work's
/// title, empty for an award to a unit), in the campaign's documents language or languages.
pub(crate) fn certificate_wording(
    app: &App,
    language: DocumentLanguage,
    contest: &pacesetter_domain::contest::Contest,
    round: &str,
    title: &str,
) -> (Vec<Said>, Vec<Said>) {
    let heading = document_said(app, language, "certificate.heading", |t| t.t("certificate.heading").to_owned());
    let citation = document_said(app, language, "certificate.citation", |t| {
        let name = Named::of(&contest.name, contest.name_bo.as_deref(), t.locale).text;
        let work = if title.is_empty() { String::new() } else { t.f("certificate.work", &[("title", &title)]) };
        t.f("certificate.citation", &[("contest", &name), ("round", &round), ("work", &work)])
    });
    (heading, citation)
}

/// A prize's name ("一等奖") in the documents' language or languages; 0 is the first.
pub(crate) fn prize_said(app: &App, language: DocumentLanguage, prize: usize) -> Vec<Said> {
    let key = ["contest.prize.first", "contest.prize.second", "contest.prize.third"].get(prize).copied();
    document_said(app, language, key.unwrap_or("contest.prize_n"), |t| match key {
        Some(key) => t.t(key).to_owned(),
        None => t.n("contest.prize_n", prize + 1),
    })
}

/// Compiles a prize certificate's PDF.
pub(crate) async fn certificate_pdf(
    fonts_dir: &std::path::Path,
    certificate: pacesetter_export::certificate::Certificate,
) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, pacesetter_export::certificate::TEMPLATE, ("/certificate.json", certificate.json())).await
}

/// The reminder notices (督办单) of a selection, in the campaign's language (Chinese, with
/// Tibetan names), a reply due a week after the campaign's day, and the office's message.
pub(crate) fn chase_notice(notice: pacesetter_app::assignments::ChaseNotice) -> ChaseNotice {
    use pacesetter_domain::light::Light;
    let day = notice.today;
    let units = notice
        .units
        .into_iter()
        .map(|(unit, lines)| NoticeUnit {
            number: format!("{}-{}", unit.code.as_deref().unwrap_or("0"), day.to_string().replace('-', "")),
            name: unit.name,
            name_bo: unit.name_bo,
            lines: lines
                .into_iter()
                .map(|(line, chased)| NoticeLine {
                    code: line.item_code.unwrap_or_default(),
                    task: line.item_title,
                    due_on: chinese_date(line.assignment.due_on),
                    progress: format!("{}%", line.assignment.percent),
                    status: match line.light {
                        Light::Done => "已办结".to_owned(),
                        _ if line.days_left < 0 => format!("已超期 {} 天", -line.days_left),
                        Light::Red => "进度滞后".to_owned(),
                        Light::Yellow => "进度偏慢".to_owned(),
                        Light::Green => "正常推进".to_owned(),
                    },
                    chased: if chased == 0 { "—".to_owned() } else { format!("{chased} 次") },
                })
                .collect(),
        })
        .collect();
    ChaseNotice {
        campaign: notice.campaign.name,
        campaign_bo: notice.campaign.name_bo,
        office: notice.office.name,
        date: chinese_date(day),
        reply_by: chinese_date(day + time::Duration::days(7)),
        message: notice.message.unwrap_or_default(),
        units,
    }
}

/// Compiles the reminder notices' PDF.
pub(crate) async fn chase_notice_pdf(fonts_dir: &std::path::Path, notice: ChaseNotice) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, pacesetter_export::chase_notice::TEMPLATE, ("/notice.json", notice.json())).await
}

/// A meeting's minutes as the document states them, in Chinese (the language of record).
pub(crate) fn minutes(source: pacesetter_app::meetings::MinutesView) -> pacesetter_export::minutes::Minutes {
    use pacesetter_domain::meeting::{Attendance, RollCount};
    use pacesetter_export::minutes::{Minutes, MinutesItem, MinutesVenue};
    let t = crate::i18n::Tr::shipped(pacesetter_domain::Locale::ZhHans);
    let view = source.view;
    let held = view.meeting.starts_at;
    let clock = |at: pacesetter_domain::Timestamp| {
        at.display_cst().split_once(' ').map(|(_, c)| c.to_owned()).unwrap_or_default()
    };
    let venues = view
        .venues
        .iter()
        .map(|v| {
            let count = RollCount::of(&v.venue.expected, &source.entries);
            let named = |attendance: Attendance| -> Vec<String> {
                v.expected
                    .iter()
                    .filter_map(|unit| {
                        let entry =
                            source.entries.iter().find(|e| e.unit_id == unit.id && e.attendance == attendance)?;
                        Some(if entry.reason.is_empty() {
                            unit.name.clone()
                        } else {
                            format!("{}（{}）", unit.name, entry.reason)
                        })
                    })
                    .collect()
            };
            MinutesVenue {
                name: v.venue.name.clone(),
                count: format!(
                    "应到{}个单位，出席{}个，请假{}个，缺席{}个{}",
                    count.expected,
                    count.present,
                    count.leave,
                    count.absent,
                    if count.unmarked > 0 { format!("，未签到{}个", count.unmarked) } else { String::new() }
                ),
                leave: named(Attendance::Leave),
                absent: named(Attendance::Absent),
            }
        })
        .collect();
    let amended = |item: Option<pacesetter_domain::ids::AgendaItemId>| -> Vec<String> {
        view.amendments
            .iter()
            .filter(|a| a.agenda_item_id == item)
            .map(|a| format!("{}（{}）", a.text, a.created_at.display_cst()))
            .collect()
    };
    let items = view
        .agenda
        .iter()
        .map(|s| MinutesItem {
            title: s.item.title.clone(),
            presenter: s.item.presenter.clone(),
            time: format!("{}–{}", clock(s.starts_at), clock(s.ends_at)),
            paragraphs: s.item.summary.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            amendments: amended(Some(s.item.id)),
        })
        .collect();
    Minutes {
        title: view.meeting.title.clone(),
        campaign: view.campaign.clone(),
        held: format!("{} {}", chinese_date(held.date_cst()), clock(held)),
        mode: t.tk("meeting.mode", view.meeting.mode.as_str()).to_owned(),
        chair: view.meeting.chair.clone(),
        status: match view.meeting.closed {
            Some(_) => "已闭会，纪要和签到已锁定".to_owned(),
            None => "会议尚未闭会，本纪要为草稿".to_owned(),
        },
        venues,
        items,
        amendments: amended(None),
    }
}

pub(crate) async fn minutes_pdf(
    fonts_dir: &std::path::Path,
    minutes: pacesetter_export::minutes::Minutes,
) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, pacesetter_export::minutes::TEMPLATE, ("/minutes.json", minutes.json())).await
}

/// Compiles a meeting's briefing pack.
pub(crate) async fn briefing_pdf(
    fonts_dir: &std::path::Path,
    pack: pacesetter_export::briefing::Briefing,
) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, pacesetter_export::briefing::TEMPLATE, ("/briefing.json", pack.json())).await
}

/// Compiles `template` with its one data file on a blocking thread (typst takes about a second a
/// page), with the fonts the templates ask for.
async fn compile(
    fonts_dir: &std::path::Path,
    template: &'static str,
    (path, data): (&'static str, Vec<u8>),
) -> Result<Vec<u8>, AppError> {
    let dirs = vec![fonts_dir.to_path_buf()];
    let job = move || -> Result<Vec<u8>, PdfError> {
        let fonts = FontSet::shared(&dirs);
        for (family, package) in FONTS {
            fonts.require(family, package)?;
        }
        let today = time::OffsetDateTime::now_utc().date();
        let today = (today.year(), u8::from(today.month()), today.day());
        pacesetter_pdf::compile(&fonts, template, &[(path, data)], Some(today))
    };
    let outcome = tokio::task::spawn_blocking(job).await.map_err(|e| AppError::Internal(e.to_string()))?;
    // A missing font is the operator's to fix: the log names the package to install.
    outcome.map_err(|e| AppError::Internal(format!("pdf {path}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_fonts_are_named_with_their_package() {
        let problems = super::missing_fonts(std::path::Path::new("/nonexistent-fonts"));
        assert_eq!(problems.len(), 3);
        assert!(problems[1].contains("fonts-noto-cjk") && problems[2].contains("fonts-noto-core"), "{problems:?}");
        assert!(super::missing_fonts(std::path::Path::new("/usr/share/fonts")).is_empty());
    }
}
