//! `index_face`: the records protocol around `IndexFaces` (see the
//! [`collection`](super::collection) module's notes), which makes adding a
//! face idempotent by token although `IndexFaces` is not.

use aws_sdk_rekognition::types::{Attribute, QualityFilter};
use riv_consumers::PortError;
use riv_consumers::ports::FaceCollection;
use riv_events::{FaceId, ObjectKey, UserId};

use super::RekognitionCollection;
use super::error::{InvalidParameter, classify};
use crate::dynamodb::face_records::TokenRecord;

/// Where the token's attempt stands after claiming it.
enum Claim {
    /// An earlier attempt indexed and recorded the face.
    Done(FaceId, u64),
    /// The face is to be indexed under this order.
    Order(u64),
}

impl RekognitionCollection {
    /// Adds the largest face of `image` under `user`, once per `token`.
    pub(super) async fn index(
        &self,
        image: &ObjectKey,
        user: &UserId,
        token: &str,
    ) -> Result<(FaceId, u64), PortError> {
        let order = match self.claim(user, token).await? {
            Claim::Done(face, order) => return Ok((face, order)),
            Claim::Order(order) => order,
        };
        let ours = self.index_under(image, order).await?;
        let recorded = self.records.set_token_face(token, &ours).await?;
        if recorded != ours {
            // Another attempt with this token recorded its face first.
            if let Err(err) = self.delete_faces(std::slice::from_ref(&ours)).await {
                // Still findable: its order resolves to the user, and
                // faces_of_user lists it for deletion.
                tracing::warn!(
                    collection = %self.collection,
                    face_id = %ours,
                    order,
                    error = %err,
                    "could not delete a face a concurrent index attempt made redundant"
                );
            }
        }
        self.records.set_order_face(order, &recorded).await?;
        Ok((recorded, order))
    }

    /// The token's face if an attempt recorded one, else its order
    /// (allocating and claiming one if no attempt has).
    async fn claim(&self, user: &UserId, token: &str) -> Result<Claim, PortError> {
        if let Some(record) = self.records.token(token).await? {
            return Ok(settled(record));
        }
        let order = self.records.next_order().await?;
        // Written before the face exists: whatever a search sees resolves.
        self.records.put_order(order, user, token).await?;
        if self.records.claim_token(token, order).await? {
            return Ok(Claim::Order(order));
        }
        // Another attempt claimed the token between our read and our claim:
        // no face will ever carry our order.
        if let Err(err) = self.records.delete_order(order).await {
            tracing::warn!(order, error = %err, "could not delete an unused order record");
        }
        let record = self.records.token(token).await?.ok_or_else(|| {
            PortError::permanent("an index token record disappeared after its claim")
        })?;
        Ok(settled(record))
    }

    /// `IndexFaces` of the largest face of `image`, labelled with `order`.
    async fn index_under(&self, image: &ObjectKey, order: u64) -> Result<FaceId, PortError> {
        let request = self.images.image(image).await?;
        let sent = self
            .client
            .index_faces()
            .collection_id(&self.collection)
            .image(request)
            .external_image_id(order.to_string())
            .max_faces(1)
            .quality_filter(QualityFilter::None)
            .detection_attributes(Attribute::Default)
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(err) => {
                let context = format!("analysing {image}");
                let failure = classify(&context, err, InvalidParameter::BadImage);
                return Err(self.images.settle(image, failure).await);
            }
        };
        let face_id = output
            .face_records()
            .iter()
            .find_map(|record| record.face()?.face_id())
            // The local collection's answer to an image without a face.
            .ok_or_else(|| PortError::invalid_image(format!("no_face: analysing {image}")))?;
        FaceId::parse(face_id).map_err(|err| {
            PortError::permanent("IndexFaces answered an invalid face id").with_source(err)
        })
    }
}

fn settled(record: TokenRecord) -> Claim {
    match record.face_id {
        Some(face) => Claim::Done(face, record.order),
        None => Claim::Order(record.order),
    }
}
