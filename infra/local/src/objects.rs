//! The bucket as a directory: one file per object, its key the path under
//! the root. Writes are atomic (temporary file, fsync, rename), so a reader
//! sees the old object or the new one, never half of one.
//!
//! A key cannot name both an object and a folder (`a` and `a/b`), unlike in
//! S3; the second put fails permanently.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::ObjectStore;
use riv_events::ObjectKey;

/// The default limit on one object's size: 16 MiB.
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 16 * 1024 * 1024;

/// Names of temporary files start with this; listings skip them.
const TEMP_PREFIX: &str = ".riv-tmp-";

/// [`ObjectStore`] over a directory.
#[derive(Debug, Clone)]
pub struct FsObjectStore {
    /// The directory, canonical, so containment is a prefix test.
    root: PathBuf,
    /// Larger puts fail permanently.
    max_object_bytes: u64,
    /// Whether a delete removes the folders it leaves empty.
    prune_empty_dirs: bool,
}

impl FsObjectStore {
    /// A store over `root`, created if missing.
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        fs::create_dir_all(root.as_ref())?;
        Ok(Self {
            root: fs::canonicalize(root)?,
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
            prune_empty_dirs: true,
        })
    }

    /// Refuses objects larger than `bytes`.
    #[must_use]
    pub fn with_max_object_bytes(mut self, bytes: u64) -> Self {
        self.max_object_bytes = bytes;
        self
    }

    /// Whether deletes remove the folders they leave empty (default yes).
    #[must_use]
    pub fn with_prune_empty_dirs(mut self, prune: bool) -> Self {
        self.prune_empty_dirs = prune;
        self
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every key starting with `prefix` (a plain string prefix, as in S3:
    /// end it with `/` to mean a folder), sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, PortError> {
        let store = self.clone();
        let prefix = prefix.to_owned();
        blocking(move || store.list_blocking(&prefix)).await
    }

    /// Deletes every object whose key starts with `prefix`; how many.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<u64, PortError> {
        let store = self.clone();
        let prefix = prefix.to_owned();
        blocking(move || {
            let keys = store.list_blocking(&prefix)?;
            for key in &keys {
                store.delete_blocking(key)?;
            }
            Ok(u64::try_from(keys.len()).unwrap_or(u64::MAX))
        })
        .await
    }

    /// The path of `key`, checked lexically.
    fn path_of(&self, key: &ObjectKey) -> Result<PathBuf, PortError> {
        let relative = Path::new(key.as_str());
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let temp_name = relative
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(TEMP_PREFIX));
        if !plain || temp_name {
            return Err(PortError::permanent(format!(
                "object key {key} does not name a file under the store"
            )));
        }
        Ok(self.root.join(relative))
    }

    /// Fails unless the deepest existing ancestor of `path` (symbolic links
    /// resolved) lies under the root.
    fn confine(&self, path: &Path) -> Result<(), PortError> {
        let mut existing = path;
        let resolved = loop {
            match fs::canonicalize(existing) {
                Ok(resolved) => break resolved,
                Err(e) if e.kind() == io::ErrorKind::NotFound => match existing.parent() {
                    Some(parent) => existing = parent,
                    None => return Err(io_error("resolving", path, e)),
                },
                Err(e) => return Err(io_error("resolving", path, e)),
            }
        };
        if resolved.starts_with(&self.root) {
            Ok(())
        } else {
            Err(PortError::permanent(format!(
                "{} resolves outside the object store",
                path.display()
            )))
        }
    }

    fn get_blocking(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        let path = self.path_of(key)?;
        self.confine(&path)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if absent(&e) => Ok(None),
            Err(e) => Err(io_error("reading", &path, e)),
        }
    }

    fn exists_blocking(&self, key: &ObjectKey) -> Result<bool, PortError> {
        let path = self.path_of(key)?;
        self.confine(&path)?;
        match fs::metadata(&path) {
            Ok(meta) => Ok(meta.is_file()),
            Err(e) if absent(&e) => Ok(false),
            Err(e) => Err(io_error("checking", &path, e)),
        }
    }

    fn put_blocking(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), PortError> {
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > self.max_object_bytes {
            return Err(PortError::permanent(format!(
                "object {key} is {} bytes, over the limit of {}",
                bytes.len(),
                self.max_object_bytes
            )));
        }
        let path = self.path_of(key)?;
        let dir = path
            .parent()
            .ok_or_else(|| PortError::permanent(format!("object key {key} has no folder")))?;
        // A concurrent delete may prune the folder between creating it and
        // creating the temporary file in it: try again a few times.
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.confine(dir)?;
            fs::create_dir_all(dir).map_err(|e| io_error("creating", dir, e))?;
            self.confine(dir)?;
            match write_atomically(dir, &path, bytes) {
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 3 => continue,
                result => return result.map_err(|e| io_error("writing", &path, e)),
            }
        }
    }

    fn delete_blocking(&self, key: &ObjectKey) -> Result<(), PortError> {
        let path = self.path_of(key)?;
        self.confine(&path)?;
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error("deleting", &path, e)),
        }
        if self.prune_empty_dirs {
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != self.root) {
                // Fails harmlessly once a folder is not empty.
                if fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        Ok(())
    }

    fn list_blocking(&self, prefix: &str) -> Result<Vec<ObjectKey>, PortError> {
        // The folder the prefix's complete segments name.
        let folder = prefix.rfind('/').map_or("", |i| &prefix[..i]);
        let start = if folder.is_empty() {
            self.root.clone()
        } else {
            let key = ObjectKey::parse(folder).map_err(|e| {
                PortError::permanent(format!("listing prefix {prefix:?}")).with_source(e)
            })?;
            self.path_of(&key)?
        };
        self.confine(&start)?;
        let mut keys = Vec::new();
        let mut pending = vec![(start, folder.to_owned())];
        while let Some((dir, key_prefix)) = pending.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if absent(&e) => continue,
                Err(e) => return Err(io_error("listing", &dir, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| io_error("listing", &dir, e))?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with(TEMP_PREFIX) {
                    continue;
                }
                let key = if key_prefix.is_empty() {
                    name
                } else {
                    format!("{key_prefix}/{name}")
                };
                // Symbolic links are never followed.
                let kind = entry
                    .file_type()
                    .map_err(|e| io_error("listing", &dir, e))?;
                if kind.is_dir() {
                    if key.starts_with(prefix) || prefix.starts_with(&format!("{key}/")) {
                        pending.push((entry.path(), key));
                    }
                } else if kind.is_file()
                    && key.starts_with(prefix)
                    && let Ok(key) = ObjectKey::parse(key)
                {
                    keys.push(key);
                }
            }
        }
        keys.sort();
        Ok(keys)
    }
}

/// Writes `bytes` to a new file in `dir`, syncs it, renames it over `path`
/// and syncs the folder.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4()));
    let written = write_synced(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&temp);
    }
    written?;
    // Makes the rename itself durable. Opening a folder works on Unix only,
    // and some file systems refuse to sync one: both are left at that.
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Writes `bytes` to the new file `path` and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Whether a read failed because there is no file there.
fn absent(error: &io::Error) -> bool {
    use io::ErrorKind as K;
    matches!(
        error.kind(),
        K::NotFound | K::IsADirectory | K::NotADirectory
    )
}

/// An I/O failure as a port error: retryable if a retry may help.
fn io_error(doing: &str, path: &Path, error: io::Error) -> PortError {
    use io::ErrorKind as K;
    let context = format!("{doing} {}", path.display());
    let retryable = matches!(
        error.kind(),
        K::Interrupted
            | K::WouldBlock
            | K::TimedOut
            | K::StorageFull
            | K::QuotaExceeded
            | K::ResourceBusy
            | K::OutOfMemory
    );
    let port = if retryable {
        PortError::retryable(context)
    } else {
        PortError::permanent(context)
    };
    port.with_source(error)
}

/// Runs `f` on the blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, PortError>
where
    F: FnOnce() -> Result<T, PortError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        let error = if e.is_cancelled() {
            PortError::retryable("object store task cancelled")
        } else {
            PortError::permanent("object store task panicked")
        };
        error.with_source(e)
    })?
}

#[async_trait]
impl ObjectStore for FsObjectStore {
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        let (store, key) = (self.clone(), key.clone());
        blocking(move || store.get_blocking(&key)).await
    }

    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        let (store, key) = (self.clone(), key.clone());
        blocking(move || store.put_blocking(&key, &bytes)).await
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), PortError> {
        let (store, key) = (self.clone(), key.clone());
        blocking(move || store.delete_blocking(&key)).await
    }

    async fn exists(&self, key: &ObjectKey) -> Result<bool, PortError> {
        let (store, key) = (self.clone(), key.clone());
        blocking(move || store.exists_blocking(&key)).await
    }
}
