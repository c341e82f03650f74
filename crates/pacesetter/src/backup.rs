//! `pacesetter backup` and `pacesetter restore` for the embedded database: one file holding a
//! consistent snapshot of the database (taken while the server writes), the audit anchor of
//! that snapshot, and every uploaded file, each with its SHA-256 in a manifest. A restore
//! checks every byte against the manifest and the database's integrity before anything is put
//! in place, and never into a data directory that holds data. Copying the files of a running
//! SQLite database is not a backup (a copy can catch a write half done); this is.
//!
//! The file is a ZIP archive: `pacesetter.db`, `audit-anchor` (when the chain has records),
//! `blobs/ab/ab…` as the file store keeps them, and `manifest.json` last.

use std::{
    fs,
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

use pacesetter_store::snapshot;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The archive layout this build writes and reads.
const FORMAT: u32 = 1;
const DATABASE: &str = "pacesetter.db";
const ANCHOR: &str = "audit-anchor";
const MANIFEST: &str = "manifest.json";

/// Why a backup or restore did not happen; nothing is left half-written either way.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The operator asked for something this refuses to do; says why and what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("the backup file is damaged or not a Pacesetter backup: {0}")]
    Damaged(String),
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("database: {0}")]
    Store(#[from] pacesetter_store::StoreError),
}

impl From<zip::result::ZipError> for BackupError {
    fn from(error: zip::result::ZipError) -> Self {
        Self::Damaged(error.to_string())
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.display().to_string(), source }
}

/// The archive's table of contents.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// The newest migration applied to the database in it.
    schema: i64,
    created_at: String,
    files: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: String,
    sha256: String,
    size: u64,
}

/// What a backup holds, or a restore put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: i64,
    /// Uploaded files.
    pub blobs: usize,
    /// Bytes of the database and the files together.
    pub bytes: u64,
    /// The newest audit record's sequence number (0 for none).
    pub audit_seq: i64,
}

/// Writes a backup of the SQLite data directory `data_dir` to the new file `to`, while the
/// server may go on writing. The file appears only once complete and synced.
pub async fn backup(data_dir: &Path, to: &Path) -> Result<Summary, BackupError> {
    if to.exists() {
        return Err(BackupError::Refused(format!("{} exists already; give the backup a new name", to.display())));
    }
    let database = data_dir.join(DATABASE);
    if !database.exists() {
        return Err(BackupError::Refused(format!(
            "{} holds no Pacesetter database (on PostgreSQL, back up with pg_dump: see the README)",
            data_dir.display()
        )));
    }
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = parent.join(format!(".pacesetter-backup-{}", std::process::id()));
    fs::create_dir_all(&work).map_err(io_at(&work))?;
    let result = write_backup(data_dir, &work, to).await;
    let _ = fs::remove_dir_all(&work);
    result
}

async fn write_backup(data_dir: &Path, work: &Path, to: &Path) -> Result<Summary, BackupError> {
    let copy = work.join(DATABASE);
    let taken = snapshot::sqlite_snapshot(&data_dir.join(DATABASE), &copy).await?;
    let partial = work.join("backup.partial");
    let file = fs::File::create(&partial).map_err(io_at(&partial))?;
    let mut zip = zip::ZipWriter::new(io::BufWriter::new(file));
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    // Uploaded files are mostly compressed already (photos, PDFs, office files).
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut files = vec![add_file(&mut zip, DATABASE, &copy, deflated)?];
    if let Some(head) = &taken.head {
        let text = head.to_text();
        zip.start_file(ANCHOR, stored)?;
        zip.write_all(text.as_bytes()).map_err(io_at(to))?;
        files.push(Entry {
            path: ANCHOR.into(),
            sha256: hex(&Sha256::digest(text.as_bytes())),
            size: text.len() as u64,
        });
    }
    // Files are stored once and never changed, under their own hash; every one the snapshot
    // refers to was written before it, so copying them after it misses none.
    let mut blobs = 0;
    for (name, path) in blob_files(&data_dir.join("blobs"))? {
        let entry = add_file(&mut zip, &name, &path, stored)?;
        if !name.ends_with(&entry.sha256) {
            return Err(BackupError::Refused(format!(
                "the stored file {} does not match its name (damaged on disk); the backup was not written",
                path.display()
            )));
        }
        files.push(entry);
        blobs += 1;
    }
    let bytes = files.iter().map(|f| f.size).sum();
    let manifest = Manifest {
        format: FORMAT,
        schema: taken.schema,
        created_at: pacesetter_domain::Timestamp::now().to_db(),
        files,
    };
    zip.start_file(MANIFEST, deflated)?;
    serde_json::to_writer_pretty(&mut zip, &manifest)
        .map_err(|e| BackupError::Io { path: to.display().to_string(), source: io::Error::other(e) })?;
    let mut writer = zip.finish()?;
    writer.flush().map_err(io_at(to))?;
    writer.get_ref().sync_all().map_err(io_at(to))?;
    drop(writer);
    fs::rename(&partial, to).map_err(io_at(to))?;
    sync_dir(to)?;
    Ok(Summary { schema: taken.schema, blobs, bytes, audit_seq: taken.head.map_or(0, |h| h.seq) })
}

/// Puts the backup `from` back as the new data directory `data_dir`, which must not exist or
/// be empty. Every file is checked against the manifest and the database's integrity checked
/// in a directory beside it before it takes the place of `data_dir`.
pub async fn restore(from: &Path, data_dir: &Path) -> Result<Summary, BackupError> {
    if let Ok(mut entries) = fs::read_dir(data_dir)
        && entries.next().is_some()
    {
        return Err(BackupError::Refused(format!(
            "{} is not empty; restore into a new or empty directory (stop the server and move the old data aside first)",
            data_dir.display()
        )));
    }
    let file = fs::File::open(from).map_err(io_at(from))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file))?;
    let manifest: Manifest = {
        let entry = archive.by_name(MANIFEST).map_err(|_| BackupError::Damaged("it has no manifest".into()))?;
        serde_json::from_reader(entry).map_err(|e| BackupError::Damaged(format!("its manifest: {e}")))?
    };
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "the backup's format {} is not one this build reads",
            manifest.format
        )));
    }
    if manifest.schema > snapshot::LATEST_SCHEMA {
        return Err(BackupError::Refused(format!(
            "the backup was made by a newer Pacesetter (database version {}, this one knows {}); restore it with that version",
            manifest.schema,
            snapshot::LATEST_SCHEMA
        )));
    }
    let listed: std::collections::HashSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    if let Some(extra) = archive.file_names().find(|name| *name != MANIFEST && !listed.contains(name)) {
        return Err(BackupError::Damaged(format!("{extra} is not in its manifest")));
    }
    let name = data_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let parent = data_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_at(parent))?;
    let staging = parent.join(format!(".{name}.restoring-{}", std::process::id()));
    let result = unpack(&mut archive, &manifest, &staging).await;
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
        return result;
    }
    if data_dir.exists() {
        fs::remove_dir(data_dir).map_err(io_at(data_dir))?;
    }
    fs::rename(&staging, data_dir).map_err(io_at(data_dir))?;
    sync_dir(data_dir)?;
    result
}

async fn unpack<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    manifest: &Manifest,
    staging: &Path,
) -> Result<Summary, BackupError> {
    let mut blobs = 0;
    for entry in &manifest.files {
        let target = staging.join(checked_path(&entry.path)?);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        let mut source =
            archive.by_name(&entry.path).map_err(|_| BackupError::Damaged(format!("{} is missing", entry.path)))?;
        let mut out = fs::File::create(&target).map_err(io_at(&target))?;
        let (sha256, size) =
            copy_hashing(&mut source, &mut out).map_err(|e| BackupError::Damaged(format!("{}: {e}", entry.path)))?;
        out.sync_all().map_err(io_at(&target))?;
        if sha256 != entry.sha256 || size != entry.size {
            return Err(BackupError::Damaged(format!("{} does not match its checksum", entry.path)));
        }
        if entry.path.starts_with("blobs/") {
            blobs += 1;
        }
    }
    let database = staging.join(DATABASE);
    if !database.exists() {
        return Err(BackupError::Damaged("it holds no database".into()));
    }
    let integrity = snapshot::sqlite_integrity(&database).await?;
    if integrity != "ok" {
        return Err(BackupError::Damaged(format!("the database fails its integrity check: {integrity}")));
    }
    let found = snapshot::describe(&database).await?;
    Ok(Summary {
        schema: found.schema,
        blobs,
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        audit_seq: found.head.map_or(0, |h| h.seq),
    })
}

/// An archive's path as a relative path under the data directory: the database, the anchor,
/// or a stored file by its hash; anything else (`..`, absolute paths) is refused.
fn checked_path(path: &str) -> Result<PathBuf, BackupError> {
    let blob = path.strip_prefix("blobs/").and_then(|rest| rest.split_once('/')).is_some_and(|(dir, name)| {
        dir.len() == 2 && name.len() == 64 && name.starts_with(dir) && name.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if path == DATABASE || path == ANCHOR || blob {
        Ok(PathBuf::from(path))
    } else {
        Err(BackupError::Damaged(format!("it names a file Pacesetter does not keep: {path}")))
    }
}

/// Every stored file under `root` (`ab/ab…`), by its archive name, sorted.
fn blob_files(root: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let mut found = Vec::new();
    let Ok(dirs) = fs::read_dir(root) else { return Ok(found) };
    for dir in dirs {
        let dir = dir.map_err(io_at(root))?.path();
        let Ok(files) = fs::read_dir(&dir) else { continue };
        for file in files {
            let path = file.map_err(io_at(&dir))?.path();
            let (Some(dir_name), Some(name)) = (dir.file_name(), path.file_name()) else { continue };
            let name = name.to_string_lossy();
            // Skips a file being written (`.<hash>.<pid>`).
            if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                found.push((format!("blobs/{}/{name}", dir_name.to_string_lossy()), path));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn add_file<W: Write + io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    path: &Path,
    options: zip::write::SimpleFileOptions,
) -> Result<Entry, BackupError> {
    zip.start_file(name, options)?;
    let mut file = fs::File::open(path).map_err(io_at(path))?;
    let (sha256, size) = copy_hashing(&mut file, zip).map_err(io_at(path))?;
    Ok(Entry { path: name.into(), sha256, size })
}

/// Copies `from` into `to`, returning the SHA-256 and length of what passed.
fn copy_hashing(from: &mut impl Read, to: &mut impl Write) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut size = 0;
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        to.write_all(&buffer[..n])?;
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Syncs the directory holding `path`, so that a rename into it survives a crash.
fn sync_dir(path: &Path) -> Result<(), BackupError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_at(dir))
}
