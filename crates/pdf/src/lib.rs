//! PDF documents: typst markup compiled in process with fonts found on the system. No network,
//! no packages, no files but the ones passed in. Its own crate because typst takes minutes to
//! build: only the crates that serve PDFs depend on it, so edits elsewhere never rebuild it.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
};

use typst::{
    Library, LibraryExt, World,
    diag::{FileError, FileResult, SourceDiagnostic},
    foundations::{Bytes, Datetime, Duration},
    syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot},
    text::{Font, FontBook, FontInfo},
    utils::LazyHash,
};
use typst_layout::PagedDocument;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A font the document needs is not installed; names the family and the Debian package.
    #[error(
        "font family \"{family}\" not found in {dirs}; install the Debian package {package} or set the fonts directory"
    )]
    MissingFont { family: String, package: String, dirs: String },
    /// The markup did not compile (a bug in the caller's template, or data it did not escape).
    #[error("typst: {0}")]
    Compile(String),
}

/// The Debian directories fonts are installed in.
pub const SYSTEM_FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

struct Slot {
    path: PathBuf,
    index: u32,
    font: OnceLock<Option<Font>>,
}

/// Every font under some directories: their metadata read once, each face loaded on first use.
pub struct FontSet {
    dirs: Vec<PathBuf>,
    book: LazyHash<FontBook>,
    slots: Vec<Slot>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet").field("dirs", &self.dirs).field("faces", &self.slots.len()).finish()
    }
}

impl FontSet {
    /// Reads the metadata of every TrueType/OpenType file (and collection) under `dirs`,
    /// recursively; unreadable files and missing directories are skipped.
    pub fn scan(dirs: &[PathBuf]) -> Self {
        let mut files = Vec::new();
        for dir in dirs {
            walk(dir, &mut files);
        }
        files.sort();
        let mut book = FontBook::new();
        let mut slots = Vec::new();
        for path in files {
            let Ok(data) = fs::read(&path) else { continue };
            for (index, info) in FontInfo::iter(&data).enumerate() {
                book.push(info);
                slots.push(Slot { path: path.clone(), index: index as u32, font: OnceLock::new() });
            }
        }
        Self { dirs: dirs.to_vec(), book: LazyHash::new(book), slots }
    }

    /// The fonts under `dirs`, scanned on the first call and kept for the life of the process
    /// (installing fonts takes a restart).
    pub fn shared(dirs: &[PathBuf]) -> Arc<Self> {
        static SETS: OnceLock<Mutex<HashMap<Vec<PathBuf>, Arc<FontSet>>>> = OnceLock::new();
        let sets = SETS.get_or_init(Mutex::default);
        // A poisoned lock only means another scan panicked; the map itself is still sound.
        let mut sets = sets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        sets.entry(dirs.to_vec()).or_insert_with(|| Arc::new(Self::scan(dirs))).clone()
    }

    /// Fails, naming the family and `package`, unless a face of `family` was found.
    pub fn require(&self, family: &str, package: &str) -> Result<(), PdfError> {
        if self.book.contains_family(&family.to_lowercase()) {
            return Ok(());
        }
        let dirs = self.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
        Err(PdfError::MissingFont { family: family.to_owned(), package: package.to_owned(), dirs })
    }

    fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| {
                let data = fs::read(&slot.path).ok()?;
                Font::new(Bytes::new(data), slot.index)
            })
            .clone()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if let Some(ext) = path.extension().and_then(|e| e.to_str())
            && matches!(ext.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc")
        {
            out.push(path);
        }
    }
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|e| PdfError::Compile(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One compilation: the main markup and the files it may read (images, data).
struct Job<'a> {
    library: &'a LazyHash<Library>,
    fonts: &'a FontSet,
    main: Source,
    files: Vec<(FileId, Bytes)>,
    today: Option<Datetime>,
}

impl World for Job<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let bytes = self.file(id)?;
        let text = bytes.as_str().map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_owned()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_owned()));
        }
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(PathBuf::from(id.vpath().get_with_slash())))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// Compiles typst `markup` to PDF. `files` are the only other files it can read, by the path
/// it names them with (e.g. `("/chart.svg", svg)`). `today` is what `datetime.today()` gives.
pub fn compile(
    fonts: &FontSet,
    markup: &str,
    files: &[(&str, Vec<u8>)],
    today: Option<(i32, u8, u8)>,
) -> Result<Vec<u8>, PdfError> {
    let main = Source::new(file_id("/main.typ")?, markup.to_owned());
    let files = files
        .iter()
        .map(|(path, data)| Ok((file_id(path)?, Bytes::new(data.clone()))))
        .collect::<Result<Vec<_>, PdfError>>()?;
    let today = today.and_then(|(y, m, d)| Datetime::from_ymd(y, m, d));
    let job = Job { library: library(), fonts, main, files, today };
    let document = typst::compile::<PagedDocument>(&job).output.map_err(|e| diagnostics(&e))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|e| diagnostics(&e))
}

fn diagnostics(list: &typst::ecow::EcoVec<SourceDiagnostic>) -> PdfError {
    PdfError::Compile(list.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; "))
}
