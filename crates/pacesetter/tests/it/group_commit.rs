//! Writers that queue on SQLite share one commit (decision 0026): each is answered only once
//! the commit holding its part is on disk, a part that fails is undone alone, a long write
//! shares with no one, and a writer that gives up waiting leaves no one waiting for ever.

use std::time::Duration;

use pacesetter_app::audit::{Verdict, verify};
use pacesetter_domain::{
    Timestamp, UnitKind,
    unit::{Unit, UnitFields},
};
use pacesetter_store::{Backend, Store, StoreError, WriteTx, audit::NewAudit, units};
use pacesetter_testkit::{TestDb, backend_test};

fn county(code: &str) -> UnitFields {
    UnitFields {
        kind: UnitKind::County,
        code: Some(code.into()),
        name: format!("县{code}"),
        name_bo: None,
        name_en: None,
        category: None,
        aliases: Vec::new(),
    }
}

/// A store with one prefecture to write counties under.
async fn prefecture(db: &TestDb) -> Unit {
    let mut tx = db.store.write().await.unwrap();
    let fields = UnitFields { kind: UnitKind::Prefecture, name: "甲市".into(), ..county("P") };
    let unit = units::insert(&mut tx, None, &fields, Timestamp::now()).await.unwrap();
    tx.commit().await.unwrap();
    unit
}

async fn write_county(tx: &mut WriteTx, parent: &Unit, code: &str) -> Result<Unit, StoreError> {
    units::insert(tx, Some(parent), &county(code), Timestamp::now()).await
}

/// The codes of the committed counties, as another connection reads them.
async fn committed(store: &Store, parent: &Unit) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let filter = units::UnitFilter { within: vec![parent.path.clone()], limit: 100, ..Default::default() };
    let mut codes: Vec<String> = units::list(&mut conn, &filter)
        .await
        .unwrap()
        .0
        .into_iter()
        .filter(|u| u.id != parent.id)
        .filter_map(|u| u.code)
        .collect();
    codes.sort();
    codes
}

/// A database with a prefecture, and a writer that has written county A under it.
async fn first_writer() -> (TestDb, Unit, WriteTx) {
    let db = TestDb::new(Backend::Sqlite).await;
    let parent = prefecture(&db).await;
    let mut first = db.store.write().await.unwrap();
    write_county(&mut first, &parent, "A").await.unwrap();
    (db, parent, first)
}

/// The next writer, alone, commits county C: whatever went before left the store clean.
async fn then_commits_afresh(db: &TestDb, parent: &Unit, before: &[&str]) {
    let mut tx = db.store.write().await.unwrap();
    write_county(&mut tx, parent, "C").await.unwrap();
    tx.commit().await.unwrap();
    let mut expected: Vec<&str> = before.to_vec();
    expected.push("C");
    assert_eq!(committed(&db.store, parent).await, expected);
}

/// Lets the other tasks run until `writers` writers wait for their turn.
async fn until_waiting(store: &Store, writers: usize) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while store.writers_waiting() != writers {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the writer did not queue");
}

/// Polls `future` once: it must not be ready yet.
async fn still_waiting<F: std::future::Future + Unpin>(future: &mut F)
where
    F::Output: std::fmt::Debug,
{
    tokio::select! {
        biased;
        outcome = future => panic!("answered before its group committed: {outcome:?}"),
        () = std::future::ready(()) => {}
    }
}

/// A writer queued behind the current one that writes county `code` and then holds its
/// transaction open: `began` hears once its part is written, `go` lets it commit.
struct Held {
    writer: tokio::task::JoinHandle<Result<(), StoreError>>,
    began: tokio::sync::oneshot::Receiver<()>,
    go: tokio::sync::oneshot::Sender<()>,
}

fn held_writer(store: &Store, parent: &Unit, code: &'static str, alone: bool) -> Held {
    let (began, began_rx) = tokio::sync::oneshot::channel();
    let (go, go_rx) = tokio::sync::oneshot::channel::<()>();
    let (store, parent) = (store.clone(), parent.clone());
    let writer = tokio::spawn(async move {
        let mut tx = if alone { store.write_alone().await? } else { store.write().await? };
        write_county(&mut tx, &parent, code).await?;
        let _ = began.send(());
        let _ = go_rx.await;
        tx.commit().await
    });
    Held { writer, began: began_rx, go }
}

#[tokio::test]
async fn a_writer_is_answered_only_once_the_commit_it_shares_with_the_next_is_on_disk() {
    let (db, parent, first) = first_writer().await;

    let next = held_writer(&db.store, &parent, "B", false);
    until_waiting(&db.store, 1).await;

    // The first writer's part is done while the next waits: it leaves the transaction open.
    let mut first_commit = Box::pin(first.commit());
    still_waiting(&mut first_commit).await;
    next.began.await.unwrap();
    still_waiting(&mut first_commit).await;
    assert!(committed(&db.store, &parent).await.is_empty(), "nothing is committed before the group is");

    next.go.send(()).unwrap();
    first_commit.await.unwrap();
    next.writer.await.unwrap().unwrap();
    assert_eq!(committed(&db.store, &parent).await, ["A", "B"]);
    db.remove().await;
}

#[tokio::test]
async fn a_part_that_fails_in_a_shared_transaction_is_undone_alone() {
    let (db, parent, first) = first_writer().await;

    let (store, next_parent) = (db.store.clone(), parent.clone());
    let next = tokio::spawn(async move {
        let mut tx = store.write().await?;
        write_county(&mut tx, &next_parent, "B").await?;
        // The first writer's county, not yet committed, is already in the shared transaction.
        write_county(&mut tx, &next_parent, "A").await?;
        tx.commit().await
    });
    until_waiting(&db.store, 1).await;
    first.commit().await.unwrap();
    let refused = next.await.unwrap();
    assert!(matches!(refused, Err(StoreError::Duplicate("code"))), "{refused:?}");
    assert_eq!(committed(&db.store, &parent).await, ["A"], "B went with the part that failed");

    then_commits_afresh(&db, &parent, &["A"]).await;
    db.remove().await;
}

#[tokio::test]
async fn a_shared_commit_that_fails_fails_for_every_member_and_stores_none_of_them() {
    let (db, parent, first) = first_writer().await;

    let (store, next_parent) = (db.store.clone(), parent.clone());
    let next = tokio::spawn(async move {
        let mut tx = store.write().await?;
        let unit = write_county(&mut tx, &next_parent, "B").await?;
        // A foreign key checked only at the commit, as a full disk would fail it: a parent
        // that does not exist.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
        sqlx::query("UPDATE units SET parent_id = 999999 WHERE id = $1").bind(unit.id.0).execute(&mut *tx).await?;
        tx.commit().await
    });
    until_waiting(&db.store, 1).await;
    let first_outcome = first.commit().await;
    let next_outcome = next.await.unwrap();
    assert!(matches!(first_outcome, Err(StoreError::Unavailable(_))), "{first_outcome:?}");
    assert!(next_outcome.is_err(), "{next_outcome:?}");
    assert!(committed(&db.store, &parent).await.is_empty(), "neither part is stored");

    then_commits_afresh(&db, &parent, &[]).await;
    db.remove().await;
}

#[tokio::test]
async fn a_long_write_commits_the_open_group_before_it_begins() {
    let (db, parent, first) = first_writer().await;

    let long = held_writer(&db.store, &parent, "L", true);
    until_waiting(&db.store, 1).await;
    // The first writer is answered while the long one still holds its transaction open.
    tokio::time::timeout(Duration::from_secs(10), first.commit()).await.expect("held back by a long write").unwrap();
    long.began.await.unwrap();
    assert_eq!(committed(&db.store, &parent).await, ["A"]);
    long.go.send(()).unwrap();
    long.writer.await.unwrap().unwrap();
    assert_eq!(committed(&db.store, &parent).await, ["A", "L"]);
    db.remove().await;
}

#[tokio::test]
async fn a_writer_that_gives_up_waiting_does_not_leave_the_group_it_was_awaited_by_open() {
    let (db, parent, first) = first_writer().await;

    let store = db.store.clone();
    let next = tokio::spawn(async move { store.write().await.map(drop) });
    until_waiting(&db.store, 1).await;
    // The first leaves the transaction open for the next (one poll, on this one thread: the
    // next has not run since), which is then given up before it takes its turn.
    let mut first_commit = Box::pin(first.commit());
    still_waiting(&mut first_commit).await;
    next.abort();
    assert!(next.await.unwrap_err().is_cancelled());
    tokio::time::timeout(Duration::from_secs(10), first_commit).await.expect("left waiting").unwrap();
    assert_eq!(committed(&db.store, &parent).await, ["A"]);
    db.remove().await;
}

backend_test! {
    /// Many writers at once, each with an audit record: every one is answered, stored, and the
    /// chain with its anchor is intact.
    async fn writers_at_once_are_all_stored_with_an_intact_audit_chain(t) {
        // The application's store, anchoring its audit chain where the application does.
        let store = t.db.store.clone().with_audit_anchor(t.data_dir.join("audit-anchor"));
        let mut tx = store.write().await.unwrap();
        let fields = UnitFields { kind: UnitKind::Prefecture, name: "并发".into(), ..county("CONC") };
        let parent = units::insert(&mut tx, None, &fields, Timestamp::now()).await.unwrap();
        tx.commit().await.unwrap();
        let writers: Vec<_> = (0..24)
            .map(|n| {
                let (store, parent) = (store.clone(), parent.clone());
                tokio::spawn(async move {
                    let mut tx = store.write().await?;
                    let unit = write_county(&mut tx, &parent, &format!("C{n:02}")).await?;
                    tx.audit(NewAudit {
                        at: Timestamp::now().to_db(),
                        actor_id: None,
                        actor_name: "test".into(),
                        action: "unit.create".into(),
                        entity: "unit".into(),
                        entity_id: Some(unit.id.0),
                        before: None,
                        after: None,
                        ip: None,
                        request_id: None,
                    })
                    .await?;
                    tx.commit().await
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        assert_eq!(committed(&store, &parent).await.len(), 24);
        let verdict = verify(&t.app).await.unwrap();
        assert!(matches!(verdict, Verdict::Intact { records } if records >= 24), "{verdict:?}");
        t.remove().await;
    }
}
