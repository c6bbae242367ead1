//! The local face adapter: [`LocalFaces`] implements the
//! [`FaceAnalyzer`](riv_consumers::ports::FaceAnalyzer) and
//! [`FaceCollection`](riv_consumers::ports::FaceCollection) ports over riv's
//! face engine, as Rekognition's DetectFaces, SearchFacesByImage,
//! SearchFaces, CompareFaces and IndexFaces do in AWS.
//!
//! - Images are read by key from an [`ObjectStore`]; each is decoded and
//!   analysed once per content ([`cache`]).
//! - The collection is one SQLite file of its own ([`store`], WAL mode,
//!   opened once) and, for search, every descriptor in memory (`index`):
//!   searches are exact, over the whole collection.
//! - Measurements are put on the port's 0–100 scales as [`measures`]
//!   documents.
//! - All engine work and every SQL statement run on tokio's blocking pool;
//!   the locks (`std` mutex around the connection, `RwLock` around the
//!   index, mutex in the cache) are only taken inside those blocking tasks,
//!   never across an `.await`.
//!
//! Writes hold the connection's lock while they also update the index, so
//! the index always lists faces in `seq` order and never disagrees with the
//! table for longer than one write.

pub mod cache;
mod index;
pub mod measures;
pub mod portrait;
mod ports;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use riv_consumers::PortError;
use riv_consumers::ports::ObjectStore;
use riv_events::{ObjectKey, UserId};
use riv_face_engine::{Descriptor, EngineError, FaceEngine};
use rusqlite::Connection;

pub use cache::{Analysis, AnalysisCache, CacheStats, DEFAULT_CACHE_CAPACITY};
pub use store::StoredFace;

use index::Index;

/// The local face analyzer and collection.
///
/// Cheap to clone: clones share the engine, the database connection, the
/// in-memory index and the cache.
#[derive(Clone, Debug)]
pub struct LocalFaces {
    inner: Arc<Inner>,
}

/// What every clone shares.
struct Inner {
    /// Runs detection, descriptors and comparisons.
    engine: Arc<FaceEngine>,
    /// Where images are read from.
    objects: Arc<dyn ObjectStore>,
    /// The collection's file, for messages.
    path: PathBuf,
    /// The one connection; a `std` mutex, locked only on the blocking pool.
    db: Mutex<Connection>,
    /// Every descriptor, for exact search.
    index: RwLock<Index>,
    /// Analyses by object key and content hash.
    cache: AnalysisCache,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalFaces")
            .field("path", &self.path)
            .field("faces", &self.read_index().len())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl LocalFaces {
    /// Opens (creating if needed) the collection in the SQLite file at
    /// `db_path` and loads every descriptor into memory. Images are read from
    /// `objects`; the analysis cache holds [`DEFAULT_CACHE_CAPACITY`] entries.
    pub async fn open(
        engine: Arc<FaceEngine>,
        objects: Arc<dyn ObjectStore>,
        db_path: impl AsRef<Path>,
    ) -> Result<Self, PortError> {
        Self::open_with_cache(engine, objects, db_path, DEFAULT_CACHE_CAPACITY).await
    }

    /// [`Self::open`] with an analysis cache of `cache_capacity` entries
    /// (0 turns the cache off).
    pub async fn open_with_cache(
        engine: Arc<FaceEngine>,
        objects: Arc<dyn ObjectStore>,
        db_path: impl AsRef<Path>,
        cache_capacity: usize,
    ) -> Result<Self, PortError> {
        let path = db_path.as_ref().to_path_buf();
        let opened = path.clone();
        let (conn, rows) = blocking(move || {
            let conn = store::open(&opened)?;
            let rows = store::load_all(&conn)?;
            Ok((conn, rows))
        })
        .await?;
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                objects,
                path,
                db: Mutex::new(conn),
                index: RwLock::new(Index::from_rows(rows)),
                cache: AnalysisCache::new(cache_capacity),
            }),
        })
    }

    /// How many faces the collection holds.
    pub fn count(&self) -> usize {
        self.inner.read_index().len()
    }

    /// The faces of `user` (or of every user, with `None`), oldest first.
    pub async fn list(&self, user: Option<&UserId>) -> Result<Vec<StoredFace>, PortError> {
        let user = user.cloned();
        self.with_db(move |conn| store::list(conn, user.as_ref()))
            .await
    }

    /// How often the analysis cache answered.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner.cache.stats()
    }

    /// The engine's analysis of an image: from the cache when these exact
    /// bytes were analysed under this key before, else decoded, detected
    /// and described (the largest face) now.
    pub async fn analysis(&self, image: &ObjectKey) -> Result<Arc<Analysis>, PortError> {
        let bytes = self
            .inner
            .objects
            .get(image)
            .await?
            .ok_or_else(|| PortError::not_found(format!("reading {image}: no such object")))?;
        let inner = Arc::clone(&self.inner);
        let key = image.clone();
        blocking(move || inner.analyse(key, &bytes)).await
    }

    /// The engine, for work that brings its own images.
    pub(crate) fn engine(&self) -> Arc<FaceEngine> {
        Arc::clone(&self.inner.engine)
    }

    /// The faces on a document image, looked for as [`portrait`] describes;
    /// a missing object is `not_found`, an undecodable one `invalid_image`.
    /// Not cached: documents are read once, by one stage.
    pub async fn document_faces(
        &self,
        image: &ObjectKey,
    ) -> Result<Vec<portrait::DocumentFace>, PortError> {
        let bytes = self
            .inner
            .objects
            .get(image)
            .await?
            .ok_or_else(|| PortError::not_found(format!("reading {image}: no such object")))?;
        let inner = Arc::clone(&self.inner);
        let key = image.clone();
        blocking(move || {
            let decoded = inner
                .engine
                .decode(&bytes)
                .map_err(|e| engine_error(&key, &e))?;
            portrait::document_faces(&inner.engine, &decoded).map_err(|e| engine_error(&key, &e))
        })
        .await
    }

    /// The descriptor of the largest face in the image, or `invalid_image`
    /// with `no_face` in its context.
    pub(crate) async fn largest_descriptor(
        &self,
        image: &ObjectKey,
    ) -> Result<Descriptor, PortError> {
        self.analysis(image)
            .await?
            .largest
            .ok_or_else(|| engine_error(image, &EngineError::NoFace))
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with_db<T, F>(&self, f: F) -> Result<T, PortError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, PortError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || f(&mut inner.lock_db())).await
    }
}

impl Inner {
    /// Cached analysis of `bytes`, or a fresh one (then cached).
    fn analyse(&self, key: ObjectKey, bytes: &[u8]) -> Result<Arc<Analysis>, PortError> {
        let hash = cache::content_hash(bytes);
        if let Some(found) = self.cache.get(&key, &hash) {
            return Ok(found);
        }
        let image = self
            .engine
            .decode(bytes)
            .map_err(|e| engine_error(&key, &e))?;
        let (detection, upright) = self.engine.detect(&image);
        // The descriptor analyze() would give the largest face: the same
        // chip, cut from the same upright image.
        let largest = detection
            .faces
            .first()
            .map(|face| self.engine.descriptor(&upright, &face.landmarks))
            .transpose()
            .map_err(|e| engine_error(&key, &e))?;
        let analysis = Arc::new(Analysis {
            width: upright.width(),
            height: upright.height(),
            rotation: detection.rotation,
            faces: detection.faces,
            largest,
        });
        self.cache.insert(key, hash, Arc::clone(&analysis));
        Ok(analysis)
    }

    fn lock_db(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-statement leaves no open transaction (rusqlite rolls
        // back on drop), so the connection stays usable.
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read_index(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_index(&self) -> RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An engine error about `image` as a port error: image problems (and no
/// face) are `invalid_image` with the engine's reason code first in the
/// context; anything else is permanent.
pub(crate) fn engine_error(image: &ObjectKey, error: &EngineError) -> PortError {
    let context = format!("{}: analysing {image}", error.code());
    let port = match error {
        EngineError::InvalidArgument { .. } => PortError::permanent(context),
        _ => PortError::invalid_image(context),
    };
    port.with_source(error.clone())
}

/// Runs blocking work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, PortError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, PortError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PortError::permanent("face adapter task failed").with_source(e))?
}
