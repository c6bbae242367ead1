//! A small cache of image analyses, so that one request's quality, search
//! and index stages (or a redelivered message) do not decode and analyse the
//! same object again and again.
//!
//! - **Key**: the object key *and* the SHA-256 of the object's bytes. The
//!   bytes are always read from the object store (reading is cheap next to
//!   decoding and the detector); only the analysis is cached. An object
//!   replaced under the same key therefore hashes differently and is
//!   analysed afresh — the cache never serves a stale analysis.
//! - **Value**: what [`super::LocalFaces`] needs from an image: the upright
//!   image's size, every face's [`FaceDetail`] (largest first) and the
//!   descriptor of the largest face.
//! - **Bound**: at most `capacity` entries (default
//!   [`DEFAULT_CACHE_CAPACITY`]); the least recently used entry goes first.
//!   One entry per key: a new analysis of a key replaces the old one.
//!   Entries hold no pixels, about 1 KB per face, so the bound is on count.
//!
//! The lock is a `std` mutex taken only for a lookup or an insert, on the
//! blocking pool, never across an `.await`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use riv_events::ObjectKey;
use riv_face_engine::{Descriptor, FaceDetail};
use sha2::{Digest, Sha256};

/// How many analyses the cache keeps unless told otherwise.
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// One image as the engine saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Width of the upright image the faces' coordinates refer to.
    pub width: u32,
    /// Height of that image.
    pub height: u32,
    /// Degrees the image was turned clockwise before faces were found.
    pub rotation: u16,
    /// Every face, largest first.
    pub faces: Vec<FaceDetail>,
    /// The largest face's descriptor; `None` when there is no face.
    pub largest: Option<Descriptor>,
}

/// SHA-256 of an object's bytes.
pub type ContentHash = [u8; 32];

/// The SHA-256 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> ContentHash {
    Sha256::digest(bytes).into()
}

/// How often the cache answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to analyse the image.
    pub misses: u64,
    /// Entries held now.
    pub entries: usize,
}

struct Entry {
    key: ObjectKey,
    hash: ContentHash,
    analysis: Arc<Analysis>,
}

struct Inner {
    /// Least recently used first.
    entries: VecDeque<Entry>,
    hits: u64,
    misses: u64,
}

/// A bounded, least-recently-used cache of [`Analysis`] by object key and
/// content hash.
pub struct AnalysisCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for AnalysisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalysisCache")
            .field("capacity", &self.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

impl AnalysisCache {
    /// A cache of at most `capacity` entries (0 turns caching off).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner {
                entries: VecDeque::with_capacity(capacity.min(1024)),
                hits: 0,
                misses: 0,
            }),
        }
    }

    /// The analysis of `key` with exactly these contents, if cached; counts
    /// a hit or a miss.
    pub fn get(&self, key: &ObjectKey, hash: &ContentHash) -> Option<Arc<Analysis>> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let found = inner
            .entries
            .iter()
            .position(|e| &e.key == key && &e.hash == hash);
        match found.and_then(|i| inner.entries.remove(i)) {
            Some(entry) => {
                inner.hits += 1;
                let analysis = Arc::clone(&entry.analysis);
                inner.entries.push_back(entry);
                Some(analysis)
            }
            None => {
                inner.misses += 1;
                None
            }
        }
    }

    /// Records the analysis of `key` with these contents, replacing any
    /// older analysis of the key and evicting the least recently used entry
    /// when full.
    pub fn insert(&self, key: ObjectKey, hash: ContentHash, analysis: Arc<Analysis>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.entries.retain(|e| e.key != key);
        while inner.entries.len() >= self.capacity {
            inner.entries.pop_front();
        }
        inner.entries.push_back(Entry {
            key,
            hash,
            analysis,
        });
    }

    /// Hits, misses and size so far.
    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            entries: inner.entries.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn analysis(width: u32) -> Arc<Analysis> {
        Arc::new(Analysis {
            width,
            height: 1,
            rotation: 0,
            faces: Vec::new(),
            largest: None,
        })
    }

    #[test]
    fn keyed_by_contents_bounded_and_least_recently_used_first() {
        let cache = AnalysisCache::new(2);
        let (a, b, c) = (
            ObjectKey::parse("a").unwrap(),
            ObjectKey::parse("b").unwrap(),
            ObjectKey::parse("c").unwrap(),
        );
        let (h1, h2) = (content_hash(b"one"), content_hash(b"two"));
        cache.insert(a.clone(), h1, analysis(1));
        assert_eq!(cache.get(&a, &h1).unwrap().width, 1);
        assert!(cache.get(&a, &h2).is_none(), "replaced bytes are a miss");
        cache.insert(a.clone(), h2, analysis(2));
        assert_eq!(cache.stats().entries, 1, "one entry per key");
        cache.insert(b.clone(), h1, analysis(3));
        cache.get(&a, &h2).unwrap();
        cache.insert(c.clone(), h1, analysis(4));
        assert!(cache.get(&b, &h1).is_none(), "b was least recently used");
        assert!(cache.get(&a, &h2).is_some() && cache.get(&c, &h1).is_some());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (4, 2, 2));
    }
}
