//! The collection in memory: every face's descriptor beside its id, user and
//! order, searched exactly (brute force over the whole collection) with the
//! engine's own search and similarity scale.
//!
//! A 128-d distance costs well under a microsecond, so a brute-force search
//! of 100,000 faces takes tens of milliseconds: no approximate index, and
//! so no missed match, is needed at the scale a local collection has.

use riv_consumers::ports::FaceMatch;
use riv_events::{FaceId, Similarity, UserId};
use riv_face_engine::{Descriptor, FaceEngine};

use super::store::Row;

/// Who a descriptor belongs to.
#[derive(Debug, Clone)]
struct Meta {
    seq: u64,
    face_id: FaceId,
    user_id: UserId,
}

/// Descriptors and their owners, in parallel, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Index {
    meta: Vec<Meta>,
    descriptors: Vec<Descriptor>,
}

impl Index {
    /// The index of the rows `store::load_all` returned.
    pub fn from_rows(rows: Vec<Row>) -> Self {
        let mut index = Self::default();
        for row in rows {
            index.push(row.seq, row.face_id, row.user_id, row.descriptor);
        }
        index
    }

    /// Adds a face (its `seq` is newer than every face held).
    pub fn push(&mut self, seq: u64, face_id: FaceId, user_id: UserId, descriptor: Descriptor) {
        self.meta.push(Meta {
            seq,
            face_id,
            user_id,
        });
        self.descriptors.push(descriptor);
    }

    /// Drops faces; unknown ids are ignored.
    pub fn remove(&mut self, faces: &[FaceId]) {
        let mut i = 0;
        while i < self.meta.len() {
            if faces.contains(&self.meta[i].face_id) {
                self.meta.remove(i);
                self.descriptors.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// How many faces.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// The stored descriptor of a face.
    pub fn descriptor(&self, face: &FaceId) -> Option<&Descriptor> {
        self.meta
            .iter()
            .position(|m| &m.face_id == face)
            .map(|i| &self.descriptors[i])
    }

    /// Faces at or above `threshold`, most similar first (ties: oldest
    /// first), at most `max`, leaving out `exclude`.
    pub fn search(
        &self,
        engine: &FaceEngine,
        probe: &Descriptor,
        threshold: Similarity,
        max: usize,
        exclude: Option<&FaceId>,
    ) -> Vec<FaceMatch> {
        // One more hit than asked for, in case the excluded face is among them.
        let wanted = max.saturating_add(usize::from(exclude.is_some()));
        engine
            .search(
                probe,
                &self.descriptors,
                f64::from(threshold.value()),
                wanted,
            )
            .into_iter()
            .filter_map(|hit| {
                let meta = self.meta.get(hit.index)?;
                (Some(&meta.face_id) != exclude).then(|| FaceMatch {
                    face_id: meta.face_id.clone(),
                    user_id: meta.user_id.clone(),
                    // f64 ≥ t implies f32 ≥ t for an f32 t: rounding is monotonic.
                    similarity: Similarity::clamped(hit.similarity as f32),
                    indexed_order: meta.seq,
                })
            })
            .take(max)
            .collect()
    }
}
