//! What the big screens in a hall watch: a contest round's board or a quiz's standings. A use
//! case that changes one says so here; a screen's stream hears it at once on this instance and
//! looks again now and then for changes made through other instances.

use pacesetter_domain::ids::{ContestRoundId, QuizId};

use crate::App;

/// A screen's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    ContestRound(ContestRoundId),
    Quiz(QuizId),
}

/// Tells the screens watching `screen` that it changed. Nobody watching is no error.
pub(crate) fn changed(app: &App, screen: Screen) {
    let _ = app.screen_changes.send(screen);
}

/// The screens that changed on this instance, as they change.
pub fn watch(app: &App) -> tokio::sync::broadcast::Receiver<Screen> {
    app.screen_changes.subscribe()
}
