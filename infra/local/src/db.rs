//! The local database: one SQLite file, opened once, shared by the queues,
//! the idempotency records and the profiles.
//!
//! Every statement runs in [`Db::call`], on the blocking pool, so a slow disk
//! never stalls the runtime; the connection's lock is taken and released
//! inside that blocking task and never held across an `.await`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use riv_consumers::PortError;
use rusqlite::{Connection, ErrorCode};

/// How long a statement waits for another process's lock before failing busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one step per entry; entry `n` takes `user_version` from `n` to
/// `n + 1`. Append only: a released step is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: queues. `seq` orders messages oldest first; a message's receipt is
    // replaced on every receive, so a stale receipt matches nothing.
    "CREATE TABLE queue_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        queue TEXT NOT NULL,
        body BLOB NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_received_at INTEGER,
        receipt TEXT UNIQUE
    );
    CREATE INDEX queue_messages_by_visibility ON queue_messages (queue, visible_at);
    CREATE TABLE queue_dedup (
        queue TEXT NOT NULL,
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (queue, dedup_id)
    );
    CREATE INDEX queue_dedup_by_age ON queue_dedup (recorded_at);",
    // 2: idempotency records.
    "CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
        lease_until INTEGER,
        outputs BLOB,
        expires_at INTEGER
    );",
    // 3: profiles, the whole profile as JSON beside the columns writes test.
    "CREATE TABLE profiles (
        user_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        body TEXT NOT NULL
    );",
];

/// A database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The file could not be opened or configured.
    #[error("opening the database {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// A schema step failed.
    #[error("migrating the database to schema version {version}")]
    Migrate {
        /// The version the step leads to.
        version: usize,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer riv.
    #[error("the database has schema version {found}, newer than the {known} this build knows")]
    TooNew {
        /// The file's `user_version`.
        found: i64,
        /// The newest version this build knows.
        known: usize,
    },
    /// A statement failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document does not parse, or a value does not serialize.
    #[error("a stored document is invalid")]
    Json(#[from] serde_json::Error),
    /// A value does not fit the database or a stored value is out of range.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The blocking task panicked or was cancelled by a shutdown.
    #[error("the database task did not finish")]
    Task(#[from] tokio::task::JoinError),
}

impl DbError {
    /// Whether a retry may help: another process holds the lock, or the
    /// runtime is shutting down.
    pub fn is_retryable(&self) -> bool {
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            )
        };
        match self {
            Self::Open { source, .. } | Self::Migrate { source, .. } => busy(source),
            Self::Sqlite(e) => busy(e),
            Self::Task(e) => e.is_cancelled(),
            Self::TooNew { .. } | Self::Json(_) | Self::Invalid(_) => false,
        }
    }

    /// The port error for this failure, with `context` saying what was being
    /// done: retryable when busy, permanent otherwise.
    pub fn into_port(self, context: impl Into<String>) -> PortError {
        let error = if self.is_retryable() {
            PortError::retryable(context)
        } else {
            PortError::permanent(context)
        };
        error.with_source(self)
    }
}

impl From<DbError> for PortError {
    fn from(error: DbError) -> Self {
        error.into_port("local database")
    }
}

/// The database file, opened once and shared (cloning shares the connection).
#[derive(Debug, Clone)]
pub struct Db {
    /// The one connection; statements are serialized through it, which keeps
    /// every transaction simple and is plenty for one machine.
    conn: Arc<Mutex<Connection>>,
    /// The file, for messages.
    path: Arc<PathBuf>,
}

impl Db {
    /// Opens (creating if needed) the database at `path`: WAL journal,
    /// `synchronous=NORMAL`, a 5 s busy timeout, foreign keys on, schema
    /// migrated to the newest version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| DbError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection on the blocking pool.
    pub async fn call<F, T>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic inside an earlier closure unwound through its
            // transaction, which rolled back on drop: the connection is sound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await?
    }
}

/// Brings the schema to the newest version, one transaction per step. The
/// version is read inside each step's transaction, so two processes opening
/// a new file at once do not both run a step.
fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let known = MIGRATIONS.len();
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let current = usize::try_from(found)
            .ok()
            .filter(|current| *current <= known)
            .ok_or(DbError::TooNew { found, known })?;
        let Some(step) = MIGRATIONS.get(current) else {
            return Ok(());
        };
        let version = current + 1;
        let failed = |source| DbError::Migrate { version, source };
        tx.execute_batch(step).map_err(failed)?;
        let stamp = i64::try_from(version).unwrap_or(i64::MAX);
        tx.pragma_update(None, "user_version", stamp)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::debug!(version, "database schema migrated");
    }
}

/// A time as stored: milliseconds since the Unix epoch.
pub(crate) fn to_millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// A stored time back.
pub(crate) fn from_millis(millis: i64) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| DbError::Invalid(format!("timestamp {millis} ms is out of range")))
}

/// A duration in milliseconds, saturating.
pub(crate) fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `time + duration`, as stored, saturating.
pub(crate) fn millis_after(time: DateTime<Utc>, duration: Duration) -> i64 {
    to_millis(time).saturating_add(duration_millis(duration))
}

/// A counter as stored.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, DbError> {
    i64::try_from(value).map_err(|_| DbError::Invalid(format!("{what} {value} is too large")))
}

/// A stored counter back.
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, DbError> {
    u64::try_from(value).map_err(|_| DbError::Invalid(format!("{what} {value} is negative")))
}
