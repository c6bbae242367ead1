//! [`LocalFaces`] as the [`FaceAnalyzer`] and [`FaceCollection`] ports.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use riv_consumers::PortError;
use riv_consumers::ports::{DetectedFace, FaceAnalyzer, FaceCollection, FaceMatch, FaceRef};
use riv_events::{FaceId, ObjectKey, Similarity, UserId};
use uuid::Uuid;

use super::{LocalFaces, blocking, measures, store};

#[async_trait]
impl FaceAnalyzer for LocalFaces {
    /// Every face, largest first, measured as [`measures`] documents. Also
    /// describes the largest face, so the search and index stages that
    /// follow find the image in the cache.
    async fn detect_faces(&self, image: &ObjectKey) -> Result<Vec<DetectedFace>, PortError> {
        let analysis = self.analysis(image).await?;
        Ok(analysis
            .faces
            .iter()
            .map(|face| measures::detected_face(face, analysis.width, analysis.height))
            .collect())
    }

    /// The selfie's largest face against every face on the target, found
    /// as document portraits are ([`super::portrait`]).
    async fn compare_faces(
        &self,
        source: &ObjectKey,
        target: &ObjectKey,
    ) -> Result<Option<Similarity>, PortError> {
        let probe = self.largest_descriptor(source).await?;
        let faces = self.document_faces(target).await?;
        let engine = Arc::clone(&self.inner.engine);
        Ok(faces
            .iter()
            .map(|f| engine.compare(&probe, &f.face.descriptor).similarity as f32)
            .reduce(f32::max)
            .map(Similarity::clamped))
    }
}

#[async_trait]
impl FaceCollection for LocalFaces {
    async fn search_by_image(
        &self,
        image: &ObjectKey,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        let probe = self.largest_descriptor(image).await?;
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            Ok(inner
                .read_index()
                .search(&inner.engine, &probe, threshold, max, None))
        })
        .await
    }

    /// An unknown `face` is [`PortError::not_found`].
    async fn search_by_face(
        &self,
        face: &FaceId,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        let inner = Arc::clone(&self.inner);
        let face = face.clone();
        blocking(move || {
            let index = inner.read_index();
            let probe = *index.descriptor(&face).ok_or_else(|| {
                PortError::not_found(format!("face {face} is not in the collection"))
            })?;
            Ok(index.search(&inner.engine, &probe, threshold, max, Some(&face)))
        })
        .await
    }

    /// In the order of `faces`; faces not in the collection are left out.
    async fn compare_with_faces(
        &self,
        image: &ObjectKey,
        faces: &[FaceRef],
    ) -> Result<Vec<(FaceId, Similarity)>, PortError> {
        let probe = self.largest_descriptor(image).await?;
        let inner = Arc::clone(&self.inner);
        let wanted: Vec<FaceId> = faces.iter().map(|f| f.face_id.clone()).collect();
        blocking(move || {
            let index = inner.read_index();
            Ok(wanted
                .into_iter()
                .filter_map(|face| {
                    let stored = index.descriptor(&face)?;
                    let similarity = inner.engine.compare(&probe, stored).similarity;
                    Some((face, Similarity::clamped(similarity as f32)))
                })
                .collect())
        })
        .await
    }

    /// A token seen before returns its face without reading the image; the
    /// token is checked again under the write lock, so two concurrent calls
    /// with one token still add one face. A face id is a random UUID v4.
    async fn index_face(
        &self,
        image: &ObjectKey,
        user: &UserId,
        token: &str,
    ) -> Result<(FaceId, u64), PortError> {
        let known = token.to_owned();
        if let Some(existing) = self
            .with_db(move |conn| store::by_token(conn, &known))
            .await?
        {
            return Ok(existing);
        }
        let descriptor = self.largest_descriptor(image).await?;
        let inner = Arc::clone(&self.inner);
        let (image, user, token) = (image.clone(), user.clone(), token.to_owned());
        blocking(move || {
            let conn = inner.lock_db();
            if let Some(existing) = store::by_token(&conn, &token)? {
                return Ok(existing);
            }
            let face_id = FaceId::parse(Uuid::new_v4().to_string())
                .map_err(|e| PortError::permanent("minting a face id").with_source(e))?;
            let indexed_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
            let seq = store::insert(
                &conn,
                &face_id,
                &user,
                &image,
                &token,
                &descriptor,
                &indexed_at,
            )?;
            // Still under the connection's lock: the index stays in seq order.
            inner
                .write_index()
                .push(seq, face_id.clone(), user, descriptor);
            Ok((face_id, seq))
        })
        .await
    }

    async fn delete_faces(&self, faces: &[FaceId]) -> Result<(), PortError> {
        if faces.is_empty() {
            return Ok(());
        }
        let inner = Arc::clone(&self.inner);
        let faces = faces.to_vec();
        blocking(move || {
            let mut conn = inner.lock_db();
            store::delete(&mut conn, &faces)?;
            inner.write_index().remove(&faces);
            Ok(())
        })
        .await
    }

    /// Oldest first.
    async fn faces_of_user(&self, user: &UserId) -> Result<Vec<FaceId>, PortError> {
        Ok(self
            .list(Some(user))
            .await?
            .into_iter()
            .map(|face| face.face_id)
            .collect())
    }
}
