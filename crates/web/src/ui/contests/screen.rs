//! The big screen of a round: the board, redrawn from its feed.

use crate::ui::{
    context::{PageCtx, SignedIn, render, render_html},
    screens::Lang,
};
use crate::{AppState, i18n::Tr, ui::page::PageResult};
use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use pacesetter_app::{
    AppError,
    contests::{self},
    live::Screen,
};
use pacesetter_domain::ids::ContestRoundId;

use super::round::{board_view, unit_names};
use super::*;

#[derive(Template)]
#[template(path = "contests/screen.html")]
struct ScreenPage {
    p: PageCtx,
    id: i64,
    board: BoardView,
}

#[derive(Template)]
#[template(path = "contests/_board.html")]
struct BoardFragment {
    p: Lang,
    board: BoardView,
}

/// The board of a round as HTML in the language of `t`, the same for everyone signed in.
pub(crate) async fn board_html(state: &AppState, t: Tr, id: ContestRoundId) -> Result<String, AppError> {
    let scoreboard = contests::scoreboard(&state.app, id).await?;
    let board = board_view(&scoreboard.board, &unit_names(&scoreboard.entry_units, t), t);
    render_html(&BoardFragment { p: Lang { t }, board })
        .ok_or_else(|| AppError::Internal("board template failed".into()))
}

/// The big screen for a projector: the contestant on stage, each judge's score as it arrives
/// (as the contest's reveal rule allows), and the ranking, kept current by [`board_events`].
pub async fn show_screen(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let scoreboard = contests::scoreboard(&state.app, ContestRoundId(id)).await?;
    let board = board_view(&scoreboard.board, &unit_names(&scoreboard.entry_units, ctx.t), ctx.t);
    Ok(render(&ScreenPage { p: ctx.with_nav("contests"), id, board }))
}

/// The board as a stream of HTML fragments for the big screen.
pub async fn board_events(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, crate::ui::page::PageError> {
    crate::ui::screens::events(state, ctx, Screen::ContestRound(ContestRoundId(id))).await
}
