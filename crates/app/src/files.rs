//! Uploaded files on disk, named by the SHA-256 of their content: `blobs/ab/abcdef…`. A name
//! never comes from the user, and the same content is stored once.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use pacesetter_domain::audit::sha256_hex;

use crate::{AppError, Resource, Result};

/// The directory of stored files (shared by every instance on PostgreSQL).
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(data_dir: &Path) -> Self {
        Self { root: data_dir.join("blobs") }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` durably (written to a temporary file, synced, then renamed) and returns
    /// their hash; content already stored is not written again.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha256 = sha256_hex(bytes);
        let path = self.path_of(&sha256).ok_or_else(|| AppError::Internal("bad hash".into()))?;
        if path.exists() {
            return Ok(sha256);
        }
        let dir = path.parent().ok_or_else(|| AppError::Internal("bad blob path".into()))?;
        std::fs::create_dir_all(dir).map_err(io_error)?;
        let temporary = dir.join(format!(".{sha256}.{}", std::process::id()));
        {
            let mut file = std::fs::File::create(&temporary).map_err(io_error)?;
            file.write_all(bytes).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
        }
        std::fs::rename(&temporary, &path).map_err(io_error)?;
        Ok(sha256)
    }

    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.path_of(sha256).ok_or(AppError::NotFound(Resource::Evidence))?;
        std::fs::read(path).map_err(|_| AppError::NotFound(Resource::Evidence))
    }
}

fn io_error(error: std::io::Error) -> AppError {
    // ENOSPC: no space left on the device.
    if error.raw_os_error() == Some(28) {
        return AppError::StorageFull(format!("file store: {error}"));
    }
    AppError::Internal(format!("file store: {error}"))
}
