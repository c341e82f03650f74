//! The header's search: one page of units, tasks, findings and people matching a text.

use askama::Template;
use axum::extract::State;
use pacesetter_app::search;
use serde::Deserialize;

use super::{
    assignments::LineRow,
    context::{PageCtx, SignedIn, render},
    page::{PageQuery, PageResult},
};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// One hit: where it leads, what it is called, and a line about it.
pub struct Hit {
    pub link: String,
    pub title: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    p: PageCtx,
    q: String,
    /// (section title key, hits, how many there are in all).
    sections: Vec<(&'static str, Vec<Hit>, i64)>,
}

pub async fn search_page(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<SearchQuery>,
) -> PageResult {
    let found = search::search(&state.app, &actor, &query.q).await?;
    let (t, locale) = (ctx.t, ctx.t.locale);
    let units = found.units.0.iter().map(|u| Hit {
        link: format!("/units/{}", u.id),
        title: u.display_name(locale).to_owned(),
        detail: [t.kind(u.kind.as_str()).to_owned(), u.code.clone().unwrap_or_default(), u.aliases.join("、")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
    });
    let tasks = found.tasks.0.into_iter().map(|line| {
        let row = LineRow::new(line, locale);
        Hit {
            link: format!("/assignments/{}", row.id),
            detail: format!("{} · {} · {}%", row.unit, t.t(&row.state_key), row.percent),
            title: row.task.text,
        }
    });
    let findings = found.findings.0.iter().map(|line| Hit {
        link: format!("/findings/{}", line.finding.id.0),
        title: line.finding.category.clone(),
        detail: line.finding.description.chars().take(80).collect(),
    });
    let people = found.people.0.iter().map(|user| Hit {
        link: format!("/users/{}", user.id),
        title: user.display_name.clone(),
        detail: user.username.clone(),
    });
    let sections = vec![
        ("search.units", units.collect(), found.units.1),
        ("search.tasks", tasks.collect(), found.tasks.1),
        ("search.findings", findings.collect(), found.findings.1),
        ("search.people", people.collect(), found.people.1),
    ];
    Ok(render(&SearchPage { p: ctx, q: query.q, sections }))
}
