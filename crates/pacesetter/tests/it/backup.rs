//! Backup and restore of the embedded database (issue 13): a backup taken while units upload
//! files and audited changes are written restores into an empty directory with every table and
//! file of its snapshot, an intact audit chain and an anchor of its own; a damaged backup and a
//! directory holding data are refused, with nothing put in place.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use pacesetter::{
    backup::{self, BackupError},
    config::Config,
    server,
};
use pacesetter_app::{App, Origin, audit::Verdict, auth, demo};
use sqlx::{Connection, Row};

fn temp(name: &str) -> PathBuf {
    let n: u64 = rand_suffix();
    std::env::temp_dir().join(format!("pacesetter-{name}-{n}"))
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

async fn open(dir: &Path) -> App {
    let config = Config { data_dir: dir.to_path_buf(), ..Config::default() };
    let store = server::open_store(&config).await.unwrap();
    server::app(&config, store)
}

/// Every table's rows, each row as its columns' text, in a stable order: what "the same
/// database" means here.
async fn tables(db: &Path) -> BTreeMap<String, Vec<String>> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display())).await.unwrap();
    let names: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect();
    let mut all = BTreeMap::new();
    for name in names {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{name}\" ORDER BY 1")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let text = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        let value: Option<String> = row
                            .try_get::<Option<String>, _>(i)
                            .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| v.map(|v| v.to_string())))
                            .or_else(|_| row.try_get::<Option<f64>, _>(i).map(|v| v.map(|v| v.to_string())))
                            .or_else(|_| row.try_get::<Option<Vec<u8>>, _>(i).map(|v| v.map(|v| format!("{v:?}"))))
                            .unwrap();
                        value.unwrap_or_else(|| "NULL".into())
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        all.insert(name, text);
    }
    all
}

fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            found.insert(file.file_name().to_string_lossy().into_owned(), std::fs::read(file.path()).unwrap());
        }
    }
    found
}

#[tokio::test]
async fn a_backup_under_load_restores_every_table_and_file_of_its_snapshot() {
    let source = temp("backup-source");
    let app = open(&source).await;
    demo::seed(&app).await.unwrap();
    demo::evaluation::seed(&app).await.unwrap();
    demo::inspection::seed(&app).await.unwrap();
    let session = auth::login(&app, "lhasa", demo::DEMO_PASSWORD, &Origin::default())
        .await
        .unwrap()
        .into_session()
        .expect("no second step");
    let lhasa = auth::session_actor(&app, &session.token, Origin::default()).await.unwrap().0;
    let unit = lhasa.user.unit_id;

    // Lhasa's liaison uploads a new file every few milliseconds (a row, a blob and an audit
    // record each) while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let load = {
        let (app, stop, written, lhasa) = (app.clone(), stop.clone(), written.clone(), lhasa.clone());
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let bytes = format!("%PDF-1.4\n% 台账 {n}\n%%EOF\n").into_bytes();
                pacesetter_app::evidence::upload(&app, &lhasa, unit, &format!("台账{n}.pdf"), &bytes).await.unwrap();
                written.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        })
    };
    while written.load(Ordering::Relaxed) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let file = temp("backup").with_extension("zip");
    let made = backup::backup(&source, &file).await.unwrap();
    let during = written.load(Ordering::Relaxed);
    while written.load(Ordering::Relaxed) < during + 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    assert!(made.blobs > 5 && made.audit_seq > 0, "{made:?}");

    // Restored into a new directory: the snapshot's tables are a consistent cut of the source —
    // every table but the file library equal, the library a prefix of the source's, every file
    // its rows name present — and the audit chain is intact up to its own anchor.
    let restored = temp("backup-restored");
    let back = backup::restore(&file, &restored).await.unwrap();
    assert_eq!((back.blobs, back.audit_seq, back.schema), (made.blobs, made.audit_seq, made.schema));
    let (before, after) = (tables(&source.join("pacesetter.db")).await, tables(&restored.join("pacesetter.db")).await);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    for (name, rows) in after.iter().filter(|(name, _)| *name != "audit_head") {
        let now = &before[name];
        assert!(
            rows.len() <= now.len() && now[..rows.len()] == rows[..],
            "{name}: the restored rows are the source's first"
        );
    }
    assert!(after["evidence"].len() < before["evidence"].len(), "uploads after the snapshot are not in it");
    let head_seq = |rows: &Vec<String>| rows[0].split('|').nth(1).unwrap().parse::<i64>().unwrap();
    assert_eq!(head_seq(&after["audit_head"]), made.audit_seq, "the head of the snapshot's chain");
    assert!(head_seq(&before["audit_head"]) > made.audit_seq);
    assert_eq!(after["units"], before["units"]);
    let restored_files = files_under(&restored.join("blobs"));
    let source_files = files_under(&source.join("blobs"));
    for (name, bytes) in &restored_files {
        assert_eq!(Some(bytes), source_files.get(name), "{name}");
    }
    let app_back = open(&restored).await;
    assert!(matches!(pacesetter_app::audit::verify(&app_back).await.unwrap(), Verdict::Intact { .. }));
    let library = pacesetter_app::evidence::library(&app_back, &lhasa, unit).await.unwrap();
    for evidence in &library {
        if let Some(sha) = &evidence.sha256 {
            assert!(restored_files.contains_key(sha), "the file of {} is there", evidence.title);
        }
    }

    // A second backup with nothing writing is the source, table for table and file for file.
    let quiet = temp("backup-quiet").with_extension("zip");
    backup::backup(&source, &quiet).await.unwrap();
    let again = temp("backup-again");
    backup::restore(&quiet, &again).await.unwrap();
    assert_eq!(tables(&again.join("pacesetter.db")).await, before);
    assert_eq!(files_under(&again.join("blobs")), source_files);

    // Refused: a directory holding data, an existing backup file, a damaged backup.
    let busy = backup::restore(&quiet, &source).await.unwrap_err();
    assert!(matches!(busy, BackupError::Refused(_)) && busy.to_string().contains("not empty"), "{busy}");
    assert!(matches!(backup::backup(&source, &quiet).await.unwrap_err(), BackupError::Refused(_)));
    let mut bytes = std::fs::read(&quiet).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = temp("backup-damaged").with_extension("zip");
    std::fs::write(&damaged, &bytes).unwrap();
    let target = temp("backup-from-damaged");
    let refused = backup::restore(&damaged, &target).await.unwrap_err();
    assert!(matches!(refused, BackupError::Damaged(_)), "{refused}");
    assert!(!target.exists(), "nothing put in place");

    for path in [&source, &restored, &again] {
        let _ = std::fs::remove_dir_all(path);
    }
    for path in [&file, &quiet, &damaged] {
        let _ = std::fs::remove_file(path);
    }
}
