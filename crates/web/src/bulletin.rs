//! The bulletin (通报) of a published run as files: the XLSX from `export`, the PDF compiled by
//! typst (`pacesetter-pdf`) off the async threads, with fonts from the configured directory; and
//! a contest prize's certificate, compiled the same way.

use pacesetter_app::{AppError, evaluations::bulletin::BulletinView};
use pacesetter_domain::timestamp::format_date;
use pacesetter_export::bulletin::{Bulletin, Header, TEMPLATE, UnitLine};
use pacesetter_pdf::{FontSet, PdfError};

/// The font families the template asks for, with the Debian package that installs each.
const FONTS: [(&str, &str); 2] = [("Noto Sans CJK SC", "fonts-noto-cjk"), ("Noto Serif Tibetan", "fonts-noto-core")];

/// The bulletin's content in the campaign's language (Chinese, with Tibetan names).
pub(crate) fn content(view: BulletinView) -> Bulletin {
    let published = view.run.published_at.unwrap_or(view.run.created_at);
    let header = Header {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        scheme: view.scheme_name,
        version: view.run.version.unwrap_or(1),
        published_on: format_date(published.datetime().date()),
        office: view.office.name,
    };
    let lines = view
        .results
        .into_iter()
        .map(|r| {
            let unit = view.units.get(&r.unit);
            UnitLine {
                unit: unit.map(|u| u.name.clone()).unwrap_or_else(|| r.unit.to_string()),
                unit_bo: unit.and_then(|u| u.name_bo.clone()),
                category: r.category,
                rank: r.rank,
                base: r.base,
                bonus: r.bonus,
                deductions: r.deductions,
                final_score: r.final_score,
                grade: r.grade,
                vetoed: r.vetoed,
                quota_moved: r.quota_moved,
            }
        })
        .collect();
    Bulletin::new(header, lines)
}

/// Scans `fonts_dir` (once per process) and says which font the bulletins need is missing,
/// naming its Debian package; the server checks at start so that the operator hears of it
/// before anyone asks for a PDF, and the first PDF does not wait for the scan.
pub fn missing_fonts(fonts_dir: &std::path::Path) -> Vec<String> {
    let fonts = FontSet::shared(&[fonts_dir.to_path_buf()]);
    FONTS.iter().filter_map(|(family, package)| fonts.require(family, package).err().map(|e| e.to_string())).collect()
}

pub(crate) fn xlsx(bulletin: &Bulletin) -> Result<Vec<u8>, AppError> {
    bulletin.xlsx().map_err(|e| AppError::Internal(format!("bulletin xlsx: {e}")))
}

/// Compiles the bulletin's PDF.
pub(crate) async fn pdf(fonts_dir: &std::path::Path, bulletin: Bulletin) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, TEMPLATE, ("/bulletin.json", bulletin.json())).await
}

/// Compiles a prize certificate's PDF.
pub(crate) async fn certificate_pdf(
    fonts_dir: &std::path::Path,
    certificate: pacesetter_export::certificate::Certificate,
) -> Result<Vec<u8>, AppError> {
    compile(fonts_dir, pacesetter_export::certificate::TEMPLATE, ("/certificate.json", certificate.json())).await
}

/// Compiles `template` with its one data file on a blocking thread (typst takes about a second a
/// page), with the fonts the templates ask for.
async fn compile(
    fonts_dir: &std::path::Path,
    template: &'static str,
    (path, data): (&'static str, Vec<u8>),
) -> Result<Vec<u8>, AppError> {
    let dirs = vec![fonts_dir.to_path_buf()];
    let job = move || -> Result<Vec<u8>, PdfError> {
        let fonts = FontSet::shared(&dirs);
        for (family, package) in FONTS {
            fonts.require(family, package)?;
        }
        let today = time::OffsetDateTime::now_utc().date();
        let today = (today.year(), u8::from(today.month()), today.day());
        pacesetter_pdf::compile(&fonts, template, &[(path, data)], Some(today))
    };
    let outcome = tokio::task::spawn_blocking(job).await.map_err(|e| AppError::Internal(e.to_string()))?;
    // A missing font is the operator's to fix: the log names the package to install.
    outcome.map_err(|e| AppError::Internal(format!("pdf {path}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_fonts_are_named_with_their_package() {
        let problems = super::missing_fonts(std::path::Path::new("/nonexistent-fonts"));
        assert_eq!(problems.len(), 2);
        assert!(problems[0].contains("fonts-noto-cjk") && problems[1].contains("fonts-noto-core"), "{problems:?}");
        assert!(super::missing_fonts(std::path::Path::new("/usr/share/fonts")).is_empty());
    }
}
