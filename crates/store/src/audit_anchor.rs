//! The audit anchor file: the newest committed audit record's sequence number and hash, kept
//! outside the database so that records cut off the chain's end (with the head rewound to
//! match) are found by the verifier. See docs/decisions/0012-audit-anchor.md.

use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use pacesetter_domain::audit::Anchor;

/// Where the anchor lives, and the highest sequence number this process has written to it.
#[derive(Debug)]
pub struct AuditAnchor {
    path: PathBuf,
    written: Mutex<i64>,
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
        Self { path, written: Mutex::new(0) }
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

    /// Moves the anchor to `head` if that is newer than what the file holds; never back. The
    /// file is replaced whole (written beside it, synced, renamed, directory synced), so a
    /// crash leaves the old anchor or the new one. `head` must be committed.
    pub(crate) fn advance(&self, head: &Anchor) -> io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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

fn next_temp() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}
