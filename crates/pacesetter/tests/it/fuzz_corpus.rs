//! The fuzz targets' seed corpus, replayed on stable Rust: every file of `fuzz/corpus/<target>/`
//! goes through the same reader its fuzz target calls (`pacesetter::untrusted`), and none may
//! panic. What the fuzzer finds is added there, so CI keeps checking it.
//!
//! `write_the_seed_corpus` (ignored) writes the generated seeds that are missing (a workbook
//! differs on every write, by its creation time; delete a seed to write it again):
//! `cargo test -p pacesetter --test it fuzz_corpus::write_the_seed_corpus -- --ignored`.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use pacesetter::untrusted::TARGETS;
use rust_xlsxwriter::{Format, Workbook};

use crate::{damaged_sheets::damaged_xlsx, plan_import::office_sheet};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

#[test]
fn every_seed_of_every_target_is_read_without_a_panic() {
    let mut panicked = Vec::new();
    let mut total = 0;
    for (target, read) in TARGETS {
        let dir = corpus().join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(files.len() >= 5, "{target} has a seed corpus: {files:?}");
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            total += bytes.len();
            if std::panic::catch_unwind(|| read(&bytes)).is_err() {
                panicked.push(format!("{target}: {}", file.display()));
            }
        }
    }
    assert!(panicked.is_empty(), "these seeds panic their reader:\n{}", panicked.join("\n"));
    assert!(total < 1024 * 1024, "the seed corpus stays small ({total} bytes)");
}

/// A small valid workbook of the office's kind: a title merged across, headers, codes.
fn units_xlsx() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.merge_range(0, 0, 0, 3, "2023年单位名单", &Format::new()).unwrap();
    for (column, header) in ["编码", "名称", "类型", "上级编码"].iter().enumerate() {
        sheet.write_string(1, column as u16, *header).unwrap();
    }
    sheet.write_number(2, 0, 540100.0).unwrap();
    sheet.write_string(2, 1, "拉萨市").unwrap();
    sheet.write_string(2, 2, "地市").unwrap();
    sheet.write_number(2, 3, 540000.0).unwrap();
    workbook.save_to_buffer().unwrap()
}

const PDF: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Bytes from a fixed seed (xorshift64), the same on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn half(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

/// The seeds every target gets: nothing, a PDF, noise, and the damaged workbook.
fn common() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("header.pdf", PDF.to_vec()),
        ("random.bin", noise(512)),
        ("damaged_shared_string.xlsx", damaged_xlsx()),
        ("truncated_zip.xlsx", half(&units_xlsx())),
    ]
}

fn seeds(target: &str) -> Vec<(&'static str, Vec<u8>)> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/evaluation");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/fixtures");
    let read = |path: PathBuf| std::fs::read(path).unwrap();
    let units_csv = "\u{feff}编码,名称,类型,上级编码\r\n540100,拉萨市,地市,540000\r\n540102,\"城关区\",县区,540100\r\n";
    let mut seeds = common();
    match target {
        "read_sheet" => seeds.extend([
            ("units.xlsx", units_xlsx()),
            ("units.csv", units_csv.as_bytes().to_vec()),
            ("gbk.csv", b"\xb1\xe0\xc2\xeb,\xc3\xfb\xb3\xc6\n540100,x\n".to_vec()),
            ("legacy.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        ]),
        "csv" => seeds.extend([
            ("units.csv", units_csv.as_bytes().to_vec()),
            ("quoted.csv", b"a,\"b\nc\",\"d\"\"e\"\n1,2,3\n\"unterminated\n".to_vec()),
            ("gbk.csv", b"\xb1\xe0\xc2\xeb,\xc3\xfb\xb3\xc6\n540100,x\n".to_vec()),
            ("nul.csv", b"a,b\n1,\0\n".to_vec()),
        ]),
        "plan_sheet" => seeds.extend([
            ("tasks.xlsx", office_sheet("自治区文化厅", "2023年11月底")),
            (
                "tasks.csv",
                "工程,重点任务,牵头单位,责任单位,完成时限\n文化润心工程,办好论坛,宣传部,各地（市）,2023年6月底\n,,文化厅,,6月30日前\n"
                    .as_bytes()
                    .to_vec(),
            ),
        ]),
        "evaluation_scheme" => {
            seeds.extend([("scheme.xlsx", read(examples.join("scheme.xlsx"))), ("scheme.csv", read(examples.join("scheme.csv")))])
        }
        "photo" => seeds.extend([
            ("phone.jpg", read(fixtures.join("photo-gps.jpg"))),
            ("text.png", read(fixtures.join("photo-text.png"))),
            ("truncated.jpg", half(&read(fixtures.join("photo-gps.jpg")))),
            ("eoi_only.jpg", vec![0xFF, 0xD8, 0xFF, 0xD9]),
            ("riff_only.webp", b"RIFF\x04\0\0\0WEBP".to_vec()),
        ]),
        "evidence" => seeds.extend([
            ("text.png", read(fixtures.join("photo-text.png"))),
            ("link.txt", b"https://example.org/report?id=1#p2".to_vec()),
            ("name.txt", "报告\u{202E}fdp.exe".as_bytes().to_vec()),
        ]),
        other => panic!("no seeds for {other}"),
    }
    seeds
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand when a target or its seeds change"]
fn write_the_seed_corpus() {
    for (target, _) in TARGETS {
        let dir = corpus().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds(target) {
            if let Ok(mut file) = std::fs::File::create_new(dir.join(name)) {
                file.write_all(&bytes).unwrap();
            }
        }
    }
}
