//! The collections: one SQLite file in the data directory, and every face
//! (with its descriptor) in memory for exact search.
//!
//! ```sql
//! collections(collection_id TEXT PRIMARY KEY, created_at TEXT)
//! faces(seq INTEGER PRIMARY KEY AUTOINCREMENT, collection_id TEXT,
//!       face_id TEXT UNIQUE, image_id TEXT, external_image_id TEXT NULL,
//!       box_width REAL, box_height REAL, box_left REAL, box_top REAL,
//!       confidence REAL, descriptor BLOB, created_at TEXT)
//! ```
//!
//! `seq` orders faces by creation and is never reused. `descriptor` holds
//! the 128 `f32`s little-endian. Every method is synchronous: the caller
//! runs it on the blocking pool, holding the [`Collections`] mutex.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use riv_face_engine::similarity::DESCRIPTOR_LEN;
use riv_face_engine::{Descriptor, SimilarityScale};
use rusqlite::{Connection, params};

use crate::error::{ApiError, ErrorType};
use crate::shapes::BoundingBox;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS collections (
    collection_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS faces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id TEXT NOT NULL REFERENCES collections (collection_id),
    face_id TEXT NOT NULL UNIQUE,
    image_id TEXT NOT NULL,
    external_image_id TEXT,
    box_width REAL NOT NULL,
    box_height REAL NOT NULL,
    box_left REAL NOT NULL,
    box_top REAL NOT NULL,
    confidence REAL NOT NULL,
    descriptor BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS faces_by_collection ON faces (collection_id, seq);";

/// A face of a collection.
#[derive(Debug, Clone)]
pub struct StoredFace {
    /// Creation order, strictly increasing.
    pub seq: i64,
    /// UUID.
    pub face_id: String,
    /// UUID of the image's bytes.
    pub image_id: String,
    /// The caller's label.
    pub external_image_id: Option<String>,
    /// Where the face was in its image.
    pub bounding_box: BoundingBox,
    /// Detection confidence, 0–100.
    pub confidence: f32,
    /// For search.
    pub descriptor: Descriptor,
}

/// Every collection: the database and its in-memory copy.
#[derive(Debug)]
pub struct Collections {
    /// The one connection.
    conn: Connection,
    /// Collection id → its faces in `seq` order.
    faces: BTreeMap<String, Vec<StoredFace>>,
}

impl Collections {
    /// Opens (creating if needed) the database and loads every face.
    pub fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        conn.execute_batch(SCHEMA)?;
        let mut faces: BTreeMap<String, Vec<StoredFace>> = BTreeMap::new();
        {
            let mut stmt = conn.prepare("SELECT collection_id FROM collections")?;
            for id in stmt.query_map([], |row| row.get::<_, String>(0))? {
                faces.insert(id?, Vec::new());
            }
            let mut stmt = conn.prepare(
                "SELECT collection_id, seq, face_id, image_id, external_image_id, box_width,
                        box_height, box_left, box_top, confidence, descriptor
                 FROM faces ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |row| {
                let blob: Vec<u8> = row.get(10)?;
                let face = StoredFace {
                    seq: row.get(1)?,
                    face_id: row.get(2)?,
                    image_id: row.get(3)?,
                    external_image_id: row.get(4)?,
                    bounding_box: BoundingBox {
                        width: row.get::<_, f64>(5)? as f32,
                        height: row.get::<_, f64>(6)? as f32,
                        left: row.get::<_, f64>(7)? as f32,
                        top: row.get::<_, f64>(8)? as f32,
                    },
                    confidence: row.get::<_, f64>(9)? as f32,
                    descriptor: descriptor_from_blob(&blob).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            10,
                            rusqlite::types::Type::Blob,
                            format!("descriptor of {} bytes", blob.len()).into(),
                        )
                    })?,
                };
                Ok((row.get::<_, String>(0)?, face))
            })?;
            for row in rows {
                let (collection, face) = row?;
                faces.entry(collection).or_default().push(face);
            }
        }
        Ok(Self { conn, faces })
    }

    /// Creates an empty collection.
    pub fn create(&mut self, id: &str) -> Result<(), ApiError> {
        if self.faces.contains_key(id) {
            return Err(ApiError::new(
                ErrorType::ResourceAlreadyExists,
                format!("The collection id: {id} already exists"),
            ));
        }
        let now = chrono::Utc::now().to_rfc3339();
        self.conn
            .execute(
                "INSERT INTO collections (collection_id, created_at) VALUES (?1, ?2)",
                params![id, now],
            )
            .map_err(sql)?;
        self.faces.insert(id.to_owned(), Vec::new());
        Ok(())
    }

    /// Deletes a collection and its faces.
    pub fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        self.faces(id)?;
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM faces WHERE collection_id = ?1", params![id])
            .map_err(sql)?;
        tx.execute(
            "DELETE FROM collections WHERE collection_id = ?1",
            params![id],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.faces.remove(id);
        Ok(())
    }

    /// The faces of a collection, oldest first.
    pub fn faces(&self, id: &str) -> Result<&[StoredFace], ApiError> {
        self.faces
            .get(id)
            .map(Vec::as_slice)
            .ok_or_else(|| ApiError::no_collection(id))
    }

    /// Adds faces (their `seq` is assigned here) in one transaction.
    pub fn add(&mut self, id: &str, new: Vec<StoredFace>) -> Result<Vec<StoredFace>, ApiError> {
        self.faces(id)?;
        let now = chrono::Utc::now().to_rfc3339();
        let tx = self.conn.transaction().map_err(sql)?;
        let mut added = Vec::with_capacity(new.len());
        for mut face in new {
            let b = face.bounding_box;
            tx.execute(
                "INSERT INTO faces (collection_id, face_id, image_id, external_image_id,
                    box_width, box_height, box_left, box_top, confidence, descriptor, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id,
                    face.face_id,
                    face.image_id,
                    face.external_image_id,
                    f64::from(b.width),
                    f64::from(b.height),
                    f64::from(b.left),
                    f64::from(b.top),
                    f64::from(face.confidence),
                    descriptor_to_blob(&face.descriptor),
                    now,
                ],
            )
            .map_err(sql)?;
            face.seq = tx.last_insert_rowid();
            added.push(face);
        }
        tx.commit().map_err(sql)?;
        if let Some(list) = self.faces.get_mut(id) {
            list.extend(added.iter().cloned());
        }
        Ok(added)
    }

    /// Deletes the faces with these ids; returns those deleted and those
    /// not found, each in the order asked.
    pub fn remove(
        &mut self,
        id: &str,
        face_ids: &[String],
    ) -> Result<(Vec<String>, Vec<String>), ApiError> {
        let present = self.faces(id)?;
        let (found, missing): (Vec<String>, Vec<String>) = face_ids
            .iter()
            .cloned()
            .partition(|f| present.iter().any(|p| &p.face_id == f));
        let tx = self.conn.transaction().map_err(sql)?;
        for face_id in &found {
            tx.execute(
                "DELETE FROM faces WHERE collection_id = ?1 AND face_id = ?2",
                params![id, face_id],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        if let Some(list) = self.faces.get_mut(id) {
            list.retain(|f| !found.contains(&f.face_id));
        }
        Ok((found, missing))
    }

    /// The descriptor of a face of a collection, if it holds the face.
    pub fn descriptor(&self, id: &str, face_id: &str) -> Result<Option<Descriptor>, ApiError> {
        Ok(self
            .faces(id)?
            .iter()
            .find(|face| face.face_id == face_id)
            .map(|face| face.descriptor))
    }

    /// Exact search: faces at or above `threshold`, most similar first, at
    /// most `max`, leaving out the face `exclude`.
    pub fn search(
        &self,
        id: &str,
        probe: &Descriptor,
        scale: &SimilarityScale,
        threshold: f64,
        max: usize,
        exclude: Option<&str>,
    ) -> Result<Vec<(f64, StoredFace)>, ApiError> {
        let mut hits: Vec<(f64, StoredFace)> = self
            .faces(id)?
            .iter()
            .filter(|face| Some(face.face_id.as_str()) != exclude)
            .filter_map(|face| {
                let similarity = scale.compare(probe, &face.descriptor).similarity;
                (similarity >= threshold).then(|| (similarity, face.clone()))
            })
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0));
        hits.truncate(max);
        Ok(hits)
    }
}

fn sql(error: rusqlite::Error) -> ApiError {
    ApiError::internal(format!("collection database: {error}"))
}

fn descriptor_to_blob(descriptor: &Descriptor) -> Vec<u8> {
    descriptor.0.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn descriptor_from_blob(blob: &[u8]) -> Option<Descriptor> {
    if blob.len() != DESCRIPTOR_LEN * 4 {
        return None;
    }
    let mut out = [0f32; DESCRIPTOR_LEN];
    for (value, chunk) in out.iter_mut().zip(blob.chunks_exact(4)) {
        *value = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    Some(Descriptor(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn face(id: &str, value: f32) -> StoredFace {
        StoredFace {
            seq: 0,
            face_id: id.into(),
            image_id: "img".into(),
            external_image_id: Some("ext".into()),
            bounding_box: BoundingBox {
                width: 0.5,
                height: 0.25,
                left: 0.1,
                top: 0.2,
            },
            confidence: 99.0,
            descriptor: Descriptor([value; DESCRIPTOR_LEN]),
        }
    }

    #[test]
    fn faces_survive_reopening_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        {
            let mut c = Collections::open(&path).unwrap();
            c.create("a").unwrap();
            assert_eq!(
                c.create("a").unwrap_err().kind,
                ErrorType::ResourceAlreadyExists
            );
            let added = c.add("a", vec![face("f1", 0.0), face("f2", 1.0)]).unwrap();
            assert!(added[0].seq < added[1].seq);
            let (gone, missing) = c.remove("a", &["f1".into(), "nope".into()]).unwrap();
            assert_eq!(
                (gone, missing),
                (vec!["f1".into()], vec!["nope".to_owned()])
            );
        }
        let c = Collections::open(&path).unwrap();
        let faces = c.faces("a").unwrap();
        assert_eq!(faces.len(), 1);
        assert_eq!(faces[0].face_id, "f2");
        assert_eq!(faces[0].descriptor.0[5], 1.0);
        assert_eq!(faces[0].external_image_id.as_deref(), Some("ext"));
        let probe = Descriptor([1.0; DESCRIPTOR_LEN]);
        let scale = SimilarityScale::CALIBRATED;
        let hits = c.search("a", &probe, &scale, 80.0, 10, None).unwrap();
        assert_eq!(hits.len(), 1);
        let stored = c.descriptor("a", "f2").unwrap().unwrap();
        assert_eq!(stored.0[0], 1.0);
        assert!(c.descriptor("a", "f1").unwrap().is_none());
        let itself = c.search("a", &stored, &scale, 0.0, 10, Some("f2"));
        assert!(itself.unwrap().is_empty(), "the excluded face is left out");
        assert_eq!(c.faces("b").unwrap_err().kind, ErrorType::ResourceNotFound);
    }
}
