//! The big screens' live feed: a contest round's board or a quiz's standings as a stream of HTML
//! fragments (Server-Sent Events, event `board`), sent at once and then whenever the subject
//! changes. `app.js` swaps each fragment into the page's `[data-board-events]` element.
//!
//! A hall has one subject and hundreds of screens, and everyone signed in sees the same board. So
//! each (subject, language) has one [`Feeds`] entry: a task that renders the fragment once for
//! every screen watching it, when the subject changes on this instance (however many changes
//! queued up meanwhile) and after a look every two seconds for changes made through other
//! instances. Screens only receive what it rendered; the feed ends with its last screen.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::response::{
    IntoResponse, Response,
    sse::{Event, KeepAlive, Sse},
};
use futures_util::stream;
use pacesetter_app::{
    AppError,
    live::{self, Screen},
};
use pacesetter_domain::locale::Locale;
use tokio::sync::{
    broadcast::{self, error::TryRecvError},
    watch,
};

use super::context::PageCtx;
use crate::{AppState, i18n::Tr, ui::page::PageError};

/// How often a feed looks again without being told: for changes made on other instances.
const POLL: Duration = Duration::from_secs(2);

/// What a fragment's template reads of the page: only its language.
pub(super) struct Lang {
    pub t: Tr,
}

/// The fragment a screen shows, in `locale`, ready to be an event's data (one line).
async fn fragment(state: &AppState, screen: Screen, locale: Locale) -> Result<Arc<str>, AppError> {
    let t = Tr::new(locale, &state.app);
    let html = match screen {
        Screen::ContestRound(round) => super::contests::board_html(state, t, round).await?,
        Screen::Quiz(quiz) => super::quizzes::standings_html(state, t, quiz).await?,
    };
    Ok(html.replace(['\r', '\n'], " ").into())
}

type Key = (Screen, Locale);

/// The running feeds of this instance, each with the fragment its screens show now.
#[derive(Debug, Default)]
pub struct Feeds {
    running: Mutex<HashMap<Key, watch::Sender<Arc<str>>>>,
}

impl Feeds {
    fn running(&self) -> MutexGuard<'_, HashMap<Key, watch::Sender<Arc<str>>>> {
        // The map is only read and written whole under the lock: a panicked holder left it sound.
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The feed of `key`, started if no screen watches it yet. The first look is then this
    /// visitor's, so a subject that is gone is their error.
    async fn subscribe(&self, state: &AppState, key: Key) -> Result<watch::Receiver<Arc<str>>, AppError> {
        if let Some(feed) = self.running().get(&key) {
            return Ok(feed.subscribe());
        }
        // Heard from before the first look, so that no change falls between the two.
        let changes = live::watch(&state.app);
        let first = fragment(state, key.0, key.1).await?;
        let mut running = self.running();
        if let Some(feed) = running.get(&key) {
            return Ok(feed.subscribe());
        }
        let (feed, screen) = watch::channel(first);
        running.insert(key, feed.clone());
        drop(running);
        tokio::spawn(refresh(state.clone(), key, feed, changes));
        Ok(screen)
    }

    /// Ends `key`'s feed if no screen watches it any more; false if one came meanwhile.
    fn retire(&self, key: Key, feed: &watch::Sender<Arc<str>>) -> bool {
        let mut running = self.running();
        if feed.receiver_count() > 0 {
            return false;
        }
        running.remove(&key);
        true
    }

    /// Ends `key`'s feed at once: the server is going away.
    fn retire_now(&self, key: Key) {
        self.running().remove(&key);
    }
}

/// Keeps `key`'s feed current until its last screen goes.
async fn refresh(state: AppState, key: Key, feed: watch::Sender<Arc<str>>, mut changes: broadcast::Receiver<Screen>) {
    let feeds = &state.feeds;
    loop {
        tokio::select! {
            () = feed.closed() => {
                if feeds.retire(key, &feed) {
                    return;
                }
                continue;
            }
            heard = heard_of(&mut changes, key.0) => {
                if !heard {
                    feeds.retire_now(key);
                    return;
                }
            }
            () = tokio::time::sleep(POLL) => {}
        }
        // What queued up while the last fragment rendered is all in the next one.
        while matches!(changes.try_recv(), Ok(_) | Err(TryRecvError::Lagged(_))) {}
        match fragment(&state, key.0, key.1).await {
            Ok(html) => {
                feed.send_if_modified(|shown| {
                    let new = *shown != html;
                    if new {
                        *shown = html;
                    }
                    new
                });
            }
            // A database hiccup keeps the screens as they are until the next look.
            Err(error) => tracing::warn!(%error, "a screen's feed could not be refreshed"),
        }
    }
}

/// Waits until `screen` changes on this instance (true), or the instance stops telling (false).
/// A listener that fell behind assumes it missed `screen`.
async fn heard_of(changes: &mut broadcast::Receiver<Screen>, screen: Screen) -> bool {
    loop {
        match changes.recv().await {
            Ok(changed) if changed == screen => return true,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return true,
            Err(broadcast::error::RecvError::Closed) => return false,
        }
    }
}

/// The stream of `screen`'s fragments in the page's language. A subject that is gone is the error
/// page before the stream starts.
pub async fn events(state: AppState, ctx: PageCtx, screen: Screen) -> Result<Response, PageError> {
    let feed = state.feeds.subscribe(&state, (screen, ctx.t.locale)).await?;
    let events = stream::unfold((feed, true), |(mut feed, first)| async move {
        if !first {
            feed.changed().await.ok()?;
        }
        let html = feed.borrow_and_update().clone();
        let event: Result<Event, Infallible> = Ok(Event::default().event("board").data(&*html));
        Some((event, (feed, false)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}
