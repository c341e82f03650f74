//! The audit anchor file: the newest committed audit record's sequence number and hash, kept
//! outside the database so that records cut off the chain's end (with the head rewound to
//! match) are found by the verifier. See docs/decisions/0012-audit-anchor.md.

use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use pacesetter_domain::audit::Anchor;

/// Where the anchor lives, and the highest sequence number this process has written to it.
#[derive(Debug)]
pub struct AuditAnchor {
    path: PathBuf,
    written: Mutex<i64>,
    /// The newest committed head waiting to be anchored.
    newest: Mutex<Option<Anchor>>,
    /// One replacement of the file at a time; the writers waiting meanwhile are covered by the
    /// next one.
    writing: tokio::sync::Mutex<()>,
}

/// Why the anchor file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("the audit anchor {path} cannot be read: {source}")]
    Read { path: String, source: io::Error },
    #[error("the audit anchor {path} is damaged (not an anchor written by Pacesetter)")]
    Damaged { path: String },
}

impl AuditAnchor {
    pub fn new(path: PathBuf) -> Self {
        Self { path, written: Mutex::new(0), newest: Mutex::new(None), writing: tokio::sync::Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The anchor, or `None` before the first audited change (or on an installation that
    /// predates anchors).
    pub fn read(&self) -> Result<Option<Anchor>, AnchorError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(AnchorError::Read { path: self.path.display().to_string(), source }),
        };
        Anchor::parse(&text).map(Some).ok_or_else(|| AnchorError::Damaged { path: self.path.display().to_string() })
    }

    /// Moves the anchor to `head`, a committed head, or further, and returns once the file
    /// names it or a newer one. Concurrent commits share the replacements: while one is being
    /// written the others wait, and the next one written anchors the newest of their heads.
    pub(crate) async fn advance_to(self: &Arc<Self>, head: Anchor) -> io::Result<()> {
        let seq = head.seq;
        {
            let mut newest = lock(&self.newest);
            if newest.as_ref().is_none_or(|newest| newest.seq < seq) {
                *newest = Some(head);
            }
        }
        let _turn = self.writing.lock().await;
        if *lock(&self.written) >= seq {
            return Ok(());
        }
        let Some(newest) = lock(&self.newest).clone() else { return Ok(()) };
        let anchor = Arc::clone(self);
        tokio::task::spawn_blocking(move || anchor.advance(&newest)).await.map_err(io::Error::other)?
    }

    /// Moves the anchor to `head` if that is newer than what the file holds; never back. The
    /// file is replaced whole (written beside it, synced, renamed, directory synced), so a
    /// crash leaves the old anchor or the new one. `head` must be committed.
    pub(crate) fn advance(&self, head: &Anchor) -> io::Result<()> {
        let mut written = lock(&self.written);
        if head.seq <= *written {
            return Ok(());
        }
        // Another process (a second instance on a shared data directory, the CLI) may have
        // moved it further; anchoring an older committed record is still true, only weaker.
        if let Ok(Some(current)) = self.read()
            && current.seq >= head.seq
        {
            *written = current.seq;
            return Ok(());
        }
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let temp = dir.join(format!(".audit-anchor.{}.{}", std::process::id(), next_temp()));
        let result = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(head.to_text().as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)?;
            fs::File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result?;
        *written = head.seq;
        Ok(())
    }
}

/// The value behind `mutex`, also after a panic elsewhere left it poisoned (the values here are
/// always whole).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn next_temp() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: i64) -> Anchor {
        Anchor { seq, hash: format!("{seq:064x}") }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_share_replacements_and_each_returns_anchored() {
        let dir = std::env::temp_dir().join(format!("pacesetter-anchor-test-{}", std::process::id()));
        let anchor = Arc::new(AuditAnchor::new(dir.join("audit-anchor")));
        let commits: Vec<_> = (1..=40)
            .map(|seq| {
                let anchor = Arc::clone(&anchor);
                tokio::spawn(async move {
                    anchor.advance_to(head(seq)).await.unwrap();
                    // Returned: the file names this head or a newer one.
                    assert!(anchor.read().unwrap().unwrap().seq >= seq);
                })
            })
            .collect();
        for commit in commits {
            commit.await.unwrap();
        }
        assert_eq!(anchor.read().unwrap(), Some(head(40)));
        // Never back: an older head, however late, leaves the newest in place.
        anchor.advance_to(head(7)).await.unwrap();
        assert_eq!(anchor.read().unwrap(), Some(head(40)));
        let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("audit-anchor")], "no temporary file left");
        fs::remove_dir_all(&dir).unwrap();
    }
}
