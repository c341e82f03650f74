//! Notifications: what reaches a person's inbox, and what each person chooses to receive.

use crate::Timestamp;

/// A notification in someone's inbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub assignment_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: Timestamp,
    pub read: bool,
}

/// What a person chose to receive (everything unless they said otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prefs {
    pub due_soon: bool,
    pub overdue: bool,
    pub escalation: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self { due_soon: true, overdue: true, escalation: true }
    }
}

impl Prefs {
    pub fn wants(&self, kind: &str) -> bool {
        match kind {
            "due_soon" => self.due_soon,
            "overdue" => self.overdue,
            _ => self.escalation,
        }
    }
}
