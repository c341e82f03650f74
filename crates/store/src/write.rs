//! Write transactions, and on SQLite the turns writers take and the commits they share
//! (decisions 0019 and 0026).
//!
//! SQLite lets one transaction write at a time, so writers take turns on one lock in the store.
//! A writer whose turn ends while others wait for theirs does not commit: it leaves the
//! transaction open, the next writer does its part inside it (a savepoint, so that a part that
//! fails is undone alone), and the last of them commits for all. Every writer's `commit`
//! returns only once that commit is on disk, so what a request acknowledges survives a crash,
//! and a queue of writers pays for one `fsync` instead of one each.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use pacesetter_domain::audit::Anchor;
use sqlx::{Executor, pool::PoolConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::{Backend, Conn, Result, Store, StoreError};

/// At most this many writers share one commit: the first member's answer waits for the last
/// member's part.
const GROUP_MEMBERS_MAX: usize = 16;

/// How long a writer waits for its turn before the request is refused as unavailable: longer
/// than SQLite's own lock wait (`busy_timeout`, 5 s), as a turn waits for a queue of writers.
const TURN_WAIT_MAX: Duration = Duration::from_secs(10);

/// SQLite's writers: whose turn it is, with the transaction they share.
#[derive(Debug, Default)]
pub(crate) struct Writers {
    turn: Arc<Mutex<Group>>,
    /// Writers waiting for a turn (not those waiting for their group's commit).
    waiting: AtomicUsize,
}

/// The transaction writers share, kept between one member's turn and the next's.
#[derive(Debug, Default)]
pub(crate) struct Group {
    /// The open transaction (`BEGIN IMMEDIATE`) while it waits for its next member; `None`
    /// between groups and while a member writes in it.
    conn: Option<PoolConnection<sqlx::Any>>,
    /// The members that have done their part, each waiting for the commit's outcome.
    members: Vec<oneshot::Sender<Result<()>>>,
    /// The audit chain's head as the newest member that wrote a record left it.
    audited: Option<Anchor>,
}

/// A writer's turn, given back when it is dropped.
type Turn = OwnedMutexGuard<Group>;

/// A write transaction; commit it or it rolls back when dropped. Committing also moves the
/// audit anchor, when the store has one.
///
/// The transaction is begun, committed and rolled back here rather than by sqlx's
/// `Transaction`: a COMMIT that fails (a full disk) leaves SQLite inside the transaction, and a
/// connection in that state must never go back to the pool, where every later write on it
/// would fail. Whenever ending the transaction fails, the connection is closed instead.
pub struct WriteTx {
    /// Taken only by `commit`, `rollback` and `drop`, which end the transaction.
    conn: Option<PoolConnection<sqlx::Any>>,
    store: Store,
    /// This writer's turn on SQLite, with the group it writes in.
    turn: Option<Turn>,
    /// Whether this writer joined a group another began: its part is the savepoint `member`.
    joined: bool,
    /// A transaction of its own: it does not join an open group, and no one joins it.
    alone: bool,
    /// The audit chain's head as this transaction leaves it, for the anchor once committed.
    audited: Option<Anchor>,
}

impl Store {
    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a read-then-write cannot fail half-way under contention, and it may share
    /// its commit with the writers before and after it: keep it short.
    pub async fn write(&self) -> Result<WriteTx> {
        self.begin(false).await
    }

    /// A write transaction that shares its commit with no other writer's: for the long ones (an
    /// import, an evaluation run, a recount's step), whose length must not hold back the
    /// answers of the short writes around them.
    pub async fn write_alone(&self) -> Result<WriteTx> {
        self.begin(true).await
    }

    /// How many writers wait for their turn now.
    pub fn writers_waiting(&self) -> usize {
        self.writers.waiting.load(Ordering::SeqCst)
    }

    async fn begin(&self, alone: bool) -> Result<WriteTx> {
        // Each step below awaits inside a `WriteTx`, whose drop undoes whatever the step left,
        // should the request be given up half-way.
        let tx =
            |conn, turn, joined| WriteTx { conn: Some(conn), store: self.clone(), turn, joined, alone, audited: None };
        if self.backend == Backend::Postgres {
            let mut tx = tx(self.pool.acquire().await?, None, false);
            tx.execute("BEGIN").await?;
            return Ok(tx);
        }
        // The turn first, then a connection: waiting writers hold no connection readers need.
        let mut turn = self.take_turn().await?;
        let mut tx = match turn.conn.take() {
            Some(conn) if !alone => {
                let mut tx = tx(conn, Some(turn), true);
                tx.execute("SAVEPOINT member").await?;
                return Ok(tx);
            }
            open => {
                if let Some(conn) = open {
                    // A long write begins: the open group commits first, as it is.
                    let ended = self.end_group(&mut turn, conn, None);
                    let _ = ended.await;
                }
                tx(self.pool.acquire().await?, Some(turn), false)
            }
        };
        tx.execute("BEGIN IMMEDIATE").await?;
        Ok(tx)
    }

    /// Waits for this writer's turn, counted among the waiting meanwhile; bounded, then 503
    /// Unavailable, should a task ever hold one write transaction while it asks for another.
    async fn take_turn(&self) -> Result<Turn> {
        let waiting = Waiting::new(self);
        let turn = tokio::time::timeout(TURN_WAIT_MAX, self.writers.turn.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))?;
        waiting.served();
        Ok(turn)
    }

    /// Passes the group on after a member's part: left open for the writers waiting, or
    /// committed. Returns once the turn is given back.
    async fn hand_on(&self, mut turn: Turn, conn: PoolConnection<sqlx::Any>, alone: bool) {
        if !alone && turn.members.len() < GROUP_MEMBERS_MAX && self.writers_waiting() > 0 {
            turn.conn = Some(conn);
            return;
        }
        let outcome = self.end_group(&mut turn, conn, None);
        let _ = outcome.await;
    }

    /// Ends the group on `conn`: commits it (or rolls it back with `failed`, which every
    /// member is then told), and then, on a task of its own so that a request given up
    /// meanwhile cannot stop it half-way, anchors the audit chain's head and answers the
    /// members. The receiver hears when the transaction has ended, so that the turn can be
    /// given back before the anchor is written.
    fn end_group(
        &self,
        turn: &mut Turn,
        conn: PoolConnection<sqlx::Any>,
        failed: Option<&StoreError>,
    ) -> oneshot::Receiver<()> {
        let members = std::mem::take(&mut turn.members);
        let audited = turn.audited.take();
        let failed = failed.map(StoreError::for_others);
        let (ended, ended_rx) = oneshot::channel();
        let store = self.clone();
        tokio::spawn(async move {
            let outcome = match failed {
                None => end(conn, "COMMIT").await.map_err(|error| {
                    tracing::error!(%error, members = members.len(), "a shared commit failed");
                    error
                }),
                Some(error) => {
                    let _ = end(conn, "ROLLBACK").await;
                    Err(error)
                }
            };
            let _ = ended.send(());
            if outcome.is_ok() {
                store.anchor(audited).await;
            }
            for member in members {
                let _ = member.send(outcome.as_ref().map(|_| ()).map_err(StoreError::for_others));
            }
        });
        ended_rx
    }

    /// Moves the audit anchor to `head`, once committed. After the commit, so a failure here
    /// cannot undo the change: it is logged, and the anchor stays at an older, true record.
    async fn anchor(&self, head: Option<Anchor>) {
        if let (Some(anchor), Some(head)) = (&self.anchor, head)
            && let Err(error) = anchor.advance_to(head).await
        {
            tracing::error!(%error, path = %anchor.path().display(), "cannot write the audit anchor");
        }
    }

    /// Undoes a writer's part. A joined member's savepoint is rolled back and the group goes
    /// on; a group's first member rolls the whole transaction back, as no one else is in it.
    async fn undo(&self, conn: PoolConnection<sqlx::Any>, turn: Option<Turn>, joined: bool, alone: bool) -> Result<()> {
        let mut turn = match turn {
            Some(turn) if joined => turn,
            // No one else is in the transaction; the turn is given back once it has ended.
            first => {
                let outcome = end(conn, "ROLLBACK").await;
                drop(first);
                return outcome;
            }
        };
        let mut conn = conn;
        let undone = match conn.execute("ROLLBACK TO member").await {
            Ok(_) => conn.execute("RELEASE member").await,
            Err(error) => Err(error),
        };
        match undone {
            Ok(_) => {
                self.hand_on(turn, conn, alone).await;
                Ok(())
            }
            Err(error) => {
                let error = StoreError::from(error);
                let _ = self.end_group(&mut turn, conn, Some(&error)).await;
                Err(error)
            }
        }
    }
}

/// Ends the transaction on `conn` with `statement`; closes the connection if that fails.
async fn end(mut conn: PoolConnection<sqlx::Any>, statement: &'static str) -> Result<()> {
    if let Err(error) = conn.execute(statement).await {
        if statement == "COMMIT" && conn.execute("ROLLBACK").await.is_ok() {
            return Err(error.into());
        }
        conn.close_on_drop();
        return Err(error.into());
    }
    Ok(())
}

/// A writer counted among those waiting for a turn. One that stops waiting without its turn
/// (given up with its request, or timed out) may have been what a group was left open for: a
/// task then takes a turn in its place and commits the group, should no one else be waiting.
struct Waiting {
    store: Option<Store>,
}

impl Waiting {
    fn new(store: &Store) -> Self {
        store.writers.waiting.fetch_add(1, Ordering::SeqCst);
        Self { store: Some(store.clone()) }
    }

    fn served(mut self) {
        if let Some(store) = self.store.take() {
            store.writers.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else { return };
        store.writers.waiting.fetch_sub(1, Ordering::SeqCst);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            let mut turn = store.writers.turn.clone().lock_owned().await;
            if let Some(conn) = turn.conn.take() {
                store.hand_on(turn, conn, false).await;
            }
        });
    }
}

impl WriteTx {
    /// Commits, and returns once the commit is on disk: on SQLite perhaps together with other
    /// writers' parts, whose failure to commit is then this one's too.
    pub async fn commit(mut self) -> Result<()> {
        if self.joined {
            // Dropped here (an error, or the request given up), the transaction undoes this part.
            self.execute("RELEASE member").await?;
        }
        let Some(conn) = self.conn.take() else { return Ok(()) };
        let Some(mut turn) = self.turn.take() else {
            end(conn, "COMMIT").await?;
            self.store.anchor(self.audited.take()).await;
            return Ok(());
        };
        let (member, outcome) = oneshot::channel();
        turn.members.push(member);
        if let Some(head) = self.audited.take() {
            turn.audited = Some(head);
        }
        self.store.hand_on(turn, conn, self.alone).await;
        outcome.await.unwrap_or_else(|_| Err(StoreError::Unavailable(sqlx::Error::PoolClosed)))
    }

    /// Rolls back; on SQLite only this writer's part, the rest of its group goes on.
    pub async fn rollback(mut self) -> Result<()> {
        let Some(conn) = self.conn.take() else { return Ok(()) };
        let (store, turn, joined, alone) = (self.store.clone(), self.turn.take(), self.joined, self.alone);
        // On a task of its own, so that it ends whole should the request be given up meanwhile.
        tokio::spawn(async move { store.undo(conn, turn, joined, alone).await })
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable(sqlx::Error::PoolClosed)))
    }

    pub fn backend(&self) -> Backend {
        self.store.backend
    }

    /// Appends a record to the audit chain in this transaction, so the change and its record
    /// commit together or not at all.
    pub async fn audit(&mut self, record: crate::audit::NewAudit) -> Result<i64> {
        let backend = self.store.backend;
        let head = crate::audit::append(self, backend, record).await?;
        let seq = head.seq;
        self.audited = Some(head);
        Ok(seq)
    }
}

impl Drop for WriteTx {
    /// Undoes a transaction left unfinished (an error returned early) on the runtime; the
    /// connection goes back to the pool only once that has worked.
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let turn = self.turn.take();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (store, joined, alone) = (self.store.clone(), self.joined, self.alone);
                runtime.spawn(async move {
                    let _ = store.undo(conn, turn, joined, alone).await;
                });
            }
            Err(_) => {
                conn.close_on_drop();
                // No runtime to roll back on: the members waiting for this group are told it
                // failed (dropping their senders does), and the turn goes with the connection.
                if let Some(mut turn) = turn {
                    turn.members.clear();
                    turn.audited = None;
                }
            }
        }
    }
}

impl Deref for WriteTx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        match &self.conn {
            Some(conn) => conn,
            // `conn` is taken only by the methods that consume the transaction, and by `drop`.
            None => unreachable!("a write transaction is used after it ended"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a write transaction is used after it ended"),
        }
    }
}
