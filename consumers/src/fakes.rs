//! In-memory fakes of every port, for the domain's unit tests only.
//!
//! Fake images are JSON: `{"faces":[{"person":"ann","height":120}]}`;
//! anything else is an undecodable image. Two faces of one person are 95
//! alike, of two people 20. A fake document image may also carry
//! `"document": {...}`, the analysis its reader returns (the portrait is
//! set when the image has a face).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;
use riv_events::{BoundingBox, FaceId, ObjectKey, Pose, RequestId, Similarity, UserId};
use serde::Deserialize;

use crate::PortError;
use crate::outputs::Output;
use crate::ports::*;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Retryable failures to inject, by operation name, counted down.
#[derive(Default)]
pub struct Faults(Mutex<HashMap<&'static str, usize>>);

impl Faults {
    pub fn inject(&self, op: &'static str, times: usize) {
        lock(&self.0).insert(op, times);
    }
    fn check(&self, op: &'static str) -> Result<(), PortError> {
        let mut map = lock(&self.0);
        match map.get_mut(op) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Err(PortError::retryable(format!("injected fault in {op}")))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Default)]
pub struct World {
    pub objects: Mutex<HashMap<ObjectKey, Vec<u8>>>,
    pub faces: Mutex<Vec<StoredFace>>,
    pub profiles: Mutex<HashMap<UserId, Profile>>,
    pub records: Mutex<HashMap<String, Option<Vec<u8>>>>,
    pub published: Mutex<Vec<Output>>,
    pub faults: Faults,
    pub index_calls: Mutex<usize>,
    /// Searches by a stored face answer not-found this many more times, as
    /// an eventually consistent collection does right after indexing.
    pub unsearchable: Mutex<usize>,
}

#[derive(Clone, Debug)]
pub struct StoredFace {
    pub seq: u64,
    pub face_id: FaceId,
    pub user: UserId,
    pub person: String,
    pub token: String,
}

#[derive(Deserialize)]
struct FakeImage {
    faces: Vec<FakeFace>,
    #[serde(default)]
    document: Option<riv_document::model::DocumentAnalysis>,
}

#[derive(Deserialize, Clone)]
#[serde(default)]
pub struct FakeFace {
    pub person: String,
    pub height: u32,
    pub confidence: f32,
    pub yaw: f32,
    pub sharpness: f32,
    pub brightness: f32,
    pub eyes_occluded: f32,
}

impl Default for FakeFace {
    fn default() -> Self {
        Self {
            person: String::new(),
            height: 120,
            confidence: 99.0,
            yaw: 0.0,
            sharpness: 60.0,
            brightness: 50.0,
            eyes_occluded: 0.0,
        }
    }
}

impl World {
    async fn image(&self, key: &ObjectKey) -> Result<Vec<FakeFace>, PortError> {
        self.fake_image(key).await.map(|i| i.faces)
    }

    async fn fake_image(&self, key: &ObjectKey) -> Result<FakeImage, PortError> {
        let bytes = lock(&self.objects)
            .get(key)
            .cloned()
            .ok_or_else(|| PortError::not_found(format!("no object {key}")))?;
        serde_json::from_slice::<FakeImage>(&bytes)
            .map_err(|_| PortError::invalid_image("image_corrupt"))
    }

    async fn person(&self, key: &ObjectKey) -> Result<String, PortError> {
        let mut faces = self.image(key).await?;
        faces.sort_by_key(|f| std::cmp::Reverse(f.height));
        faces
            .first()
            .map(|f| f.person.clone())
            .ok_or_else(|| PortError::invalid_image("no_face"))
    }

    fn similarity(a: &str, b: &str) -> Similarity {
        Similarity::clamped(if a == b { 95.0 } else { 20.0 })
    }

    fn search(
        &self,
        person: &str,
        threshold: Similarity,
        max: usize,
        skip: Option<&FaceId>,
    ) -> Vec<FaceMatch> {
        let mut matches: Vec<FaceMatch> = lock(&self.faces)
            .iter()
            .filter(|f| Some(&f.face_id) != skip)
            .map(|f| FaceMatch {
                face_id: f.face_id.clone(),
                user_id: f.user.clone(),
                similarity: Self::similarity(&f.person, person),
                indexed_order: f.seq,
            })
            .filter(|m| m.similarity.value() >= threshold.value())
            .collect();
        matches.sort_by(|a, b| b.similarity.value().total_cmp(&a.similarity.value()));
        matches.truncate(max);
        matches
    }

    pub fn outcomes(&self) -> Vec<OutcomeEnvelope> {
        lock(&self.published)
            .iter()
            .filter_map(|o| match o {
                Output::Outcome(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }
}

#[async_trait]
impl ObjectStore for World {
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        self.faults.check("get")?;
        Ok(lock(&self.objects).get(key).cloned())
    }
    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        lock(&self.objects).insert(key.clone(), bytes);
        Ok(())
    }
    async fn delete(&self, key: &ObjectKey) -> Result<(), PortError> {
        lock(&self.objects).remove(key);
        Ok(())
    }
}

#[async_trait]
impl FaceAnalyzer for World {
    async fn detect_faces(&self, image: &ObjectKey) -> Result<Vec<DetectedFace>, PortError> {
        self.faults.check("detect_faces")?;
        let mut faces = self.image(image).await?;
        faces.sort_by_key(|f| std::cmp::Reverse(f.height));
        Ok(faces
            .into_iter()
            .map(|f| DetectedFace {
                bounding_box: BoundingBox {
                    left: 0.2,
                    top: 0.2,
                    width: 0.5,
                    height: 0.5,
                },
                height_px: f.height,
                confidence: f.confidence,
                pose: Pose {
                    yaw: f.yaw,
                    pitch: 0.0,
                    roll: 0.0,
                },
                sharpness: f.sharpness,
                brightness: f.brightness,
                eyes_occluded: f.eyes_occluded,
            })
            .collect())
    }
    async fn compare_faces(
        &self,
        source: &ObjectKey,
        target: &ObjectKey,
    ) -> Result<Option<Similarity>, PortError> {
        let person = self.person(source).await?;
        let faces = self.image(target).await?;
        Ok(faces
            .iter()
            .map(|f| Self::similarity(&f.person, &person))
            .max_by(|a, b| a.value().total_cmp(&b.value())))
    }
}

#[async_trait]
impl DocumentReader for World {
    async fn read_document(
        &self,
        front: &ObjectKey,
        _back: Option<&ObjectKey>,
        _as_of: chrono::NaiveDate,
    ) -> Result<riv_document::model::DocumentAnalysis, PortError> {
        self.faults.check("read_document")?;
        let image = self.fake_image(front).await?;
        let mut analysis = image
            .document
            .unwrap_or_else(riv_document::model::DocumentAnalysis::unknown);
        analysis.portrait = image.faces.first().map(|_| riv_document::model::Portrait {
            left: 0.05,
            top: 0.2,
            width: 0.3,
            height: 0.5,
            confidence: 99.0,
            side: 0,
        });
        Ok(analysis)
    }
}

#[async_trait]
impl FaceCollection for World {
    async fn search_by_image(
        &self,
        image: &ObjectKey,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        self.faults.check("search_by_image")?;
        let person = self.person(image).await?;
        Ok(self.search(&person, threshold, max, None))
    }
    async fn search_by_face(
        &self,
        face: &FaceId,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        self.faults.check("search_by_face")?;
        {
            let mut unsearchable = lock(&self.unsearchable);
            if *unsearchable > 0 {
                *unsearchable -= 1;
                return Err(PortError::not_found(format!(
                    "face {face} is not searchable yet"
                )));
            }
        }
        let person = lock(&self.faces)
            .iter()
            .find(|f| &f.face_id == face)
            .map(|f| f.person.clone())
            .ok_or_else(|| PortError::not_found(format!("face {face} is not in the collection")))?;
        Ok(self.search(&person, threshold, max, Some(face)))
    }
    async fn compare_with_faces(
        &self,
        image: &ObjectKey,
        faces: &[FaceRef],
    ) -> Result<Vec<(FaceId, Similarity)>, PortError> {
        let person = self.person(image).await?;
        let stored = lock(&self.faces).clone();
        Ok(faces
            .iter()
            .filter_map(|r| stored.iter().find(|f| f.face_id == r.face_id))
            .map(|f| (f.face_id.clone(), Self::similarity(&f.person, &person)))
            .collect())
    }
    async fn index_face(
        &self,
        image: &ObjectKey,
        user: &UserId,
        token: &str,
    ) -> Result<(FaceId, u64), PortError> {
        self.faults.check("index_face")?;
        let person = self.person(image).await?;
        let mut faces = lock(&self.faces);
        if let Some(f) = faces.iter().find(|f| f.token == token) {
            return Ok((f.face_id.clone(), f.seq));
        }
        *lock(&self.index_calls) += 1;
        let seq = faces.iter().map(|f| f.seq).max().unwrap_or(0) + 1;
        let face_id = FaceId::parse(format!("face-{seq}"))
            .map_err(|e| PortError::permanent(e.to_string()))?;
        faces.push(StoredFace {
            seq,
            face_id: face_id.clone(),
            user: user.clone(),
            person,
            token: token.into(),
        });
        Ok((face_id, seq))
    }
    async fn delete_faces(&self, faces: &[FaceId]) -> Result<(), PortError> {
        self.faults.check("delete_faces")?;
        lock(&self.faces).retain(|f| !faces.contains(&f.face_id));
        Ok(())
    }
    async fn faces_of_user(&self, user: &UserId) -> Result<Vec<FaceId>, PortError> {
        Ok(lock(&self.faces)
            .iter()
            .filter(|f| &f.user == user)
            .map(|f| f.face_id.clone())
            .collect())
    }
}

#[async_trait]
impl ProfileStore for World {
    async fn get(&self, user: &UserId) -> Result<Option<Profile>, PortError> {
        Ok(lock(&self.profiles).get(user).cloned())
    }
    async fn create(&self, profile: &Profile) -> Result<CreateResult, PortError> {
        self.faults.check("create_profile")?;
        let mut profiles = lock(&self.profiles);
        Ok(match profiles.get(&profile.user_id) {
            Some(p) if p.created_by == profile.created_by => {
                CreateResult::AlreadyCreatedByThisRequest
            }
            Some(_) => CreateResult::Taken,
            None => {
                profiles.insert(profile.user_id.clone(), profile.clone());
                CreateResult::Created
            }
        })
    }
    async fn replace(&self, profile: &Profile, expected_version: u64) -> Result<bool, PortError> {
        let mut profiles = lock(&self.profiles);
        match profiles.get(&profile.user_id) {
            Some(p) if p.version == expected_version => {
                profiles.insert(profile.user_id.clone(), profile.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    async fn delete(&self, user: &UserId, created_by: Option<&RequestId>) -> Result<(), PortError> {
        let mut profiles = lock(&self.profiles);
        if profiles
            .get(user)
            .is_some_and(|p| created_by.is_none_or(|r| &p.created_by == r))
        {
            profiles.remove(user);
        }
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for World {
    async fn begin(&self, key: &IdempotencyKey, _lease: Duration) -> Result<Begin, PortError> {
        let mut records = lock(&self.records);
        Ok(match records.get(&key.as_string()) {
            Some(Some(outputs)) => Begin::Completed(outputs.clone()),
            Some(None) => Begin::InProgress,
            None => {
                records.insert(key.as_string(), None);
                Begin::Started
            }
        })
    }
    async fn complete(&self, key: &IdempotencyKey, outputs: &[u8]) -> Result<Vec<u8>, PortError> {
        let mut records = lock(&self.records);
        let entry = records.entry(key.as_string()).or_insert(None);
        Ok(entry.get_or_insert_with(|| outputs.to_vec()).clone())
    }
    async fn release(&self, key: &IdempotencyKey) -> Result<(), PortError> {
        let mut records = lock(&self.records);
        if matches!(records.get(&key.as_string()), Some(None)) {
            records.remove(&key.as_string());
        }
        Ok(())
    }
}

#[async_trait]
impl Publisher for World {
    async fn publish_event(&self, event: &PipelineEnvelope) -> Result<(), PortError> {
        self.faults.check("publish")?;
        lock(&self.published).push(Output::Event(event.clone()));
        Ok(())
    }
    async fn publish_outcome(&self, outcome: &OutcomeEnvelope) -> Result<(), PortError> {
        self.faults.check("publish")?;
        lock(&self.published).push(Output::Outcome(outcome.clone()));
        Ok(())
    }
    async fn publish_rollback(&self, command: &RollbackEnvelope) -> Result<(), PortError> {
        self.faults.check("publish")?;
        lock(&self.published).push(Output::Rollback(command.clone()));
        Ok(())
    }
}

pub struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }
}
