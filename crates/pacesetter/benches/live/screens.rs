//! The big screens of the live benchmark: each reads the round's Server-Sent Events stream as a
//! browser would, and notes when each judge's seat first shows a score for the contestant on
//! stage.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use reqwest::header::{ACCEPT, COOKIE};

use crate::BoxError;

/// What one screen has seen of one contestant on stage.
#[derive(Debug)]
pub struct Seen {
    /// When the contestant first showed as on stage.
    pub appeared: Instant,
    /// By seat: when the seat first showed a score.
    pub seats: Vec<Option<Instant>>,
}

/// What one screen has received.
#[derive(Debug, Default)]
pub struct Log {
    pub events: usize,
    pub bytes: usize,
    /// By contestant on stage.
    pub seen: HashMap<String, Seen>,
    /// Why the stream ended, if it did.
    pub ended: Option<String>,
}

impl Log {
    /// Notes a board fragment received at `at`.
    fn record(&mut self, html: &str, at: Instant) {
        self.events += 1;
        self.bytes += html.len();
        let Some((contestant, seats)) = on_stage(html) else { return };
        let seen = self
            .seen
            .entry(contestant.to_owned())
            .or_insert_with(|| Seen { appeared: at, seats: vec![None; seats.len()] });
        for (first, scored) in seen.seats.iter_mut().zip(seats) {
            if scored && first.is_none() {
                *first = Some(at);
            }
        }
    }
}

/// The contestant on stage in a board fragment (`contests/_board.html`), and by seat whether
/// the seat shows a score: a number, not "—" or "excused".
fn on_stage(html: &str) -> Option<(&str, Vec<bool>)> {
    let name = html.split_once("class=\"board-name\">")?.1.split_once('<')?.0.trim();
    let seats = html
        .split("class=\"seat-score\">")
        .skip(1)
        .map(|rest| rest.split('<').next().is_some_and(|text| text.trim().parse::<f64>().is_ok()))
        .collect();
    Some((name, seats))
}

/// A screen's log, shared between its reader and the run.
pub type Shared = Arc<Mutex<Log>>;

pub fn read(log: &Shared) -> std::sync::MutexGuard<'_, Log> {
    log.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Watches `url` with the session `cookie` until the stream ends, noting every board event.
pub async fn watch(client: reqwest::Client, url: String, cookie: String, log: Shared) {
    let ended = match stream(&client, &url, &cookie, &log).await {
        Ok(()) => "the server ended the stream".to_owned(),
        Err(error) => error.to_string(),
    };
    read(&log).ended = Some(ended);
}

async fn stream(client: &reqwest::Client, url: &str, cookie: &str, log: &Shared) -> Result<(), BoxError> {
    let mut response =
        client.get(url).header(COOKIE, cookie).header(ACCEPT, "text/event-stream").send().await?.error_for_status()?;
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let at = Instant::now();
        buffer.extend_from_slice(&chunk);
        // Events end with a blank line; a board event is `event: board` and one `data:` line
        // (the server puts the fragment on one line). Keep-alives are comments, skipped.
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
            if field("event:") == Some("board")
                && let Some(html) = field("data:")
            {
                read(log).record(html, at);
            }
        }
    }
    Ok(())
}

/// Waits until `done` holds for every screen, looking every few milliseconds (the screens time
/// their own events, so the look does not count), or until `deadline`. Returns whether it held.
pub async fn wait_for(logs: &[Shared], deadline: Instant, done: impl Fn(&Log) -> bool) -> bool {
    loop {
        if logs.iter().all(|log| done(&read(log))) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The first reason a screen's stream ended, if any did.
pub fn failure(logs: &[Shared]) -> Option<String> {
    logs.iter().find_map(|log| read(log).ended.clone())
}

/// When the last screen showed something (`at`), if every screen did.
pub fn last(logs: &[Shared], at: impl Fn(&Log) -> Option<Instant>) -> Option<Instant> {
    logs.iter().map(|log| at(&read(log))).collect::<Option<Vec<_>>>()?.into_iter().max()
}

/// When the first screen showed something (`at`), if any did.
pub fn first(logs: &[Shared], at: impl Fn(&Log) -> Option<Instant>) -> Option<Instant> {
    logs.iter().filter_map(|log| at(&read(log))).min()
}

/// Board events and their bytes received by every screen so far.
pub fn totals(logs: &[Shared]) -> (usize, usize) {
    logs.iter().map(|log| read(log)).fold((0, 0), |(events, bytes), log| (events + log.events, bytes + log.bytes))
}
