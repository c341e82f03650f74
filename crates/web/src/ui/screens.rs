//! The big screens' live feed: a contest round's board or a quiz's standings as a stream of HTML
//! fragments (Server-Sent Events, event `board`), sent at once, then whenever the subject changes
//! on this instance, and after a look every two seconds for changes made through other instances.
//! `app.js` swaps each fragment into the page's `[data-board-events]` element.

use std::{convert::Infallible, time::Duration};

use axum::response::{
    IntoResponse, Response,
    sse::{Event, KeepAlive, Sse},
};
use futures_util::stream;
use pacesetter_app::{
    Actor, AppError,
    live::{self, Screen},
};

use super::context::PageCtx;
use crate::{AppState, ui::page::PageError};

/// How often a screen looks again without being told: for changes made on other instances.
const POLL: Duration = Duration::from_secs(2);

/// The fragment a screen shows, in the page's language.
async fn fragment(state: &AppState, actor: &Actor, ctx: &PageCtx, screen: Screen) -> Result<String, AppError> {
    match screen {
        Screen::ContestRound(round) => super::contests::board_html(state, actor, ctx, round).await,
        Screen::Quiz(quiz) => super::quizzes::standings_html(state, actor, ctx, quiz).await,
    }
}

/// The stream of `screen`'s fragments. A subject the visitor may not see, or that is gone, is
/// the error page before the stream starts.
pub async fn events(state: AppState, actor: Actor, ctx: PageCtx, screen: Screen) -> Result<Response, PageError> {
    let first = fragment(&state, &actor, &ctx, screen).await?;
    let changes = live::watch(&state.app);
    let start = (state, actor, ctx, changes, None::<String>, Some(first));
    let events = stream::unfold(start, move |(state, actor, ctx, mut changes, last, ready)| async move {
        let mut html = ready;
        while html.is_none() {
            let wait = tokio::time::timeout(POLL, changes.recv()).await;
            if let Ok(Ok(changed)) = &wait
                && *changed != screen
            {
                continue;
            }
            if matches!(wait, Ok(Err(tokio::sync::broadcast::error::RecvError::Closed))) {
                return None;
            }
            // An error (a database hiccup) keeps the screen as it is until the next look.
            html = match fragment(&state, &actor, &ctx, screen).await {
                Ok(html) => Some(html).filter(|h| Some(h) != last.as_ref()),
                Err(error) => {
                    tracing::warn!(%error, "a screen could not be refreshed");
                    None
                }
            };
        }
        let html = html?;
        let event: Result<Event, Infallible> =
            Ok(Event::default().event("board").data(html.replace(['\r', '\n'], " ")));
        Some((event, (state, actor, ctx, changes, Some(html), None)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}
