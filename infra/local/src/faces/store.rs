//! The collection's SQLite table: synchronous statements on one
//! [`Connection`], called from the blocking pool by [`super::LocalFaces`].
//!
//! ```sql
//! faces(seq INTEGER PRIMARY KEY AUTOINCREMENT, face_id TEXT UNIQUE,
//!       user_id TEXT, image_key TEXT, token TEXT UNIQUE,
//!       descriptor BLOB, indexed_at TEXT)
//! ```
//!
//! `seq` is the face's `indexed_order`: `AUTOINCREMENT` never reuses a value,
//! even after the newest face is deleted, so it is strictly increasing over
//! the collection's whole life. `descriptor` holds the 128 `f32`s
//! little-endian (512 bytes); `indexed_at` is RFC 3339 UTC.

use std::path::Path;
use std::time::Duration;

use riv_consumers::PortError;
use riv_events::{FaceId, ObjectKey, UserId};
use riv_face_engine::Descriptor;
use riv_face_engine::similarity::DESCRIPTOR_LEN;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

/// How long a statement waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS faces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    face_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    image_key TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    descriptor BLOB NOT NULL,
    indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS faces_by_user ON faces (user_id, seq);";

/// A face as the table holds it (without its descriptor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFace {
    /// The collection's id.
    pub face_id: FaceId,
    /// Whose face.
    pub user_id: UserId,
    /// The image it was indexed from.
    pub image_key: ObjectKey,
    /// Its `indexed_order` (the table's `seq`).
    pub indexed_order: u64,
    /// When it was indexed, RFC 3339 UTC.
    pub indexed_at: String,
}

/// A face with its descriptor, as loaded into memory.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub seq: u64,
    pub face_id: FaceId,
    pub user_id: UserId,
    pub descriptor: Descriptor,
}

/// Opens (creating if needed) the database file in WAL mode and creates the
/// table.
pub(crate) fn open(path: &Path) -> Result<Connection, PortError> {
    let context = || format!("opening the face collection {}", path.display());
    let conn = Connection::open(path).map_err(|e| sql_error(context(), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error(context(), e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| sql_error(context(), e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(PortError::permanent(format!(
            "{}: journal mode is {mode}, not wal",
            context()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL;")
        .map_err(|e| sql_error(context(), e))?;
    conn.execute_batch(SCHEMA)
        .map_err(|e| sql_error(context(), e))?;
    Ok(conn)
}

/// Every face with its descriptor, oldest first.
pub(crate) fn load_all(conn: &Connection) -> Result<Vec<Row>, PortError> {
    let context = "loading the face collection";
    let mut stmt = conn
        .prepare("SELECT seq, face_id, user_id, descriptor FROM faces ORDER BY seq")
        .map_err(|e| sql_error(context, e))?;
    let raw = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Vec<u8>>(3)?,
            ))
        })
        .map_err(|e| sql_error(context, e))?;
    let mut rows = Vec::new();
    for item in raw {
        let (seq, face_id, user_id, blob) = item.map_err(|e| sql_error(context, e))?;
        rows.push(Row {
            seq: to_order(seq),
            face_id: parse_face_id(face_id)?,
            user_id: parse_user_id(user_id)?,
            descriptor: descriptor_from_blob(&blob)?,
        });
    }
    Ok(rows)
}

/// The face an earlier call with this token indexed, if any.
pub(crate) fn by_token(conn: &Connection, token: &str) -> Result<Option<(FaceId, u64)>, PortError> {
    let found = conn
        .query_row(
            "SELECT face_id, seq FROM faces WHERE token = ?1",
            params![token],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )
        .optional()
        .map_err(|e| sql_error("looking up an index token", e))?;
    found
        .map(|(face_id, seq)| Ok((parse_face_id(face_id)?, to_order(seq))))
        .transpose()
}

/// Inserts a face; returns its `seq`.
pub(crate) fn insert(
    conn: &Connection,
    face_id: &FaceId,
    user_id: &UserId,
    image_key: &ObjectKey,
    token: &str,
    descriptor: &Descriptor,
    indexed_at: &str,
) -> Result<u64, PortError> {
    conn.execute(
        "INSERT INTO faces (face_id, user_id, image_key, token, descriptor, indexed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            face_id.as_str(),
            user_id.as_str(),
            image_key.as_str(),
            token,
            descriptor_to_blob(descriptor),
            indexed_at
        ],
    )
    .map_err(|e| sql_error("adding a face to the collection", e))?;
    Ok(to_order(conn.last_insert_rowid()))
}

/// Deletes faces in one transaction; missing ones are ignored.
pub(crate) fn delete(conn: &mut Connection, faces: &[FaceId]) -> Result<(), PortError> {
    let context = "deleting faces from the collection";
    let tx = conn.transaction().map_err(|e| sql_error(context, e))?;
    {
        let mut stmt = tx
            .prepare("DELETE FROM faces WHERE face_id = ?1")
            .map_err(|e| sql_error(context, e))?;
        for face in faces {
            stmt.execute(params![face.as_str()])
                .map_err(|e| sql_error(context, e))?;
        }
    }
    tx.commit().map_err(|e| sql_error(context, e))
}

/// The faces of one user (or of everyone), oldest first.
pub(crate) fn list(conn: &Connection, user: Option<&UserId>) -> Result<Vec<StoredFace>, PortError> {
    let context = "listing the face collection";
    let mut stmt = conn
        .prepare(
            "SELECT face_id, user_id, image_key, seq, indexed_at FROM faces
             WHERE ?1 IS NULL OR user_id = ?1 ORDER BY seq",
        )
        .map_err(|e| sql_error(context, e))?;
    let raw = stmt
        .query_map(params![user.map(UserId::as_str)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .map_err(|e| sql_error(context, e))?;
    let mut faces = Vec::new();
    for item in raw {
        let (face_id, user_id, image_key, seq, indexed_at) =
            item.map_err(|e| sql_error(context, e))?;
        faces.push(StoredFace {
            face_id: parse_face_id(face_id)?,
            user_id: parse_user_id(user_id)?,
            image_key: ObjectKey::parse(image_key).map_err(|e| {
                PortError::permanent("a stored image key is invalid").with_source(e)
            })?,
            indexed_order: to_order(seq),
            indexed_at,
        });
    }
    Ok(faces)
}

/// 128 `f32`s, little-endian.
fn descriptor_to_blob(descriptor: &Descriptor) -> Vec<u8> {
    descriptor.0.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn descriptor_from_blob(blob: &[u8]) -> Result<Descriptor, PortError> {
    if blob.len() != DESCRIPTOR_LEN * 4 {
        return Err(PortError::permanent(format!(
            "a stored descriptor is {} bytes, expected {}",
            blob.len(),
            DESCRIPTOR_LEN * 4
        )));
    }
    let mut values = [0f32; DESCRIPTOR_LEN];
    for (value, chunk) in values.iter_mut().zip(blob.chunks_exact(4)) {
        *value = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    Ok(Descriptor(values))
}

/// `seq` is a positive rowid; anything else would be a corrupt table.
fn to_order(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

fn parse_face_id(value: String) -> Result<FaceId, PortError> {
    FaceId::parse(value)
        .map_err(|e| PortError::permanent("a stored face id is invalid").with_source(e))
}

fn parse_user_id(value: String) -> Result<UserId, PortError> {
    UserId::parse(value)
        .map_err(|e| PortError::permanent("a stored user id is invalid").with_source(e))
}

/// A busy or locked database may free up: retryable; anything else is
/// permanent.
pub(crate) fn sql_error(context: impl Into<String>, error: rusqlite::Error) -> PortError {
    let busy = matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    );
    let port = if busy {
        PortError::retryable(context)
    } else {
        PortError::permanent(context)
    };
    port.with_source(error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn descriptors_round_trip_through_blobs() {
        let mut values = [0f32; DESCRIPTOR_LEN];
        for (i, v) in values.iter_mut().enumerate() {
            *v = i as f32 * -0.01;
        }
        let blob = descriptor_to_blob(&Descriptor(values));
        assert_eq!(blob.len(), 512);
        assert_eq!(descriptor_from_blob(&blob).unwrap(), Descriptor(values));
        assert!(descriptor_from_blob(&blob[..511]).is_err());
    }
}
