//! A record's chases (催办), shown the same way on a task's page and a finding's page
//! (`_chase.html`), with the form to chase it again.

use pacesetter_app::Chase;

/// One chase: when, by whom, and the message (empty when none was written).
pub struct ChaseRow {
    pub at: String,
    pub actor: String,
    pub message: String,
}

/// The chases of a record and where its chase form posts.
pub struct ChaseBlock {
    pub action: String,
    pub can_chase: bool,
    /// What the form's help says the chase does.
    pub help_key: &'static str,
    pub rows: Vec<ChaseRow>,
}

impl ChaseBlock {
    pub fn new(action: String, can_chase: bool, help_key: &'static str, chases: &[Chase]) -> Self {
        let rows = chases
            .iter()
            .map(|c| ChaseRow {
                at: c.at.display_cst(),
                actor: c.actor_name.clone(),
                message: c.message.clone().unwrap_or_default(),
            })
            .collect();
        Self { action, can_chase, help_key, rows }
    }
}
