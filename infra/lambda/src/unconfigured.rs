//! The port of a resource this process was not given. Each function gets
//! only the resources its stage needs (least privilege); should a stage
//! reach for another, the call fails permanently, naming the variable, and
//! the request ends `failed` with that message instead of an access-denied
//! puzzle.

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::{
    CreateResult, FaceCollection, FaceMatch, FaceRef, Profile, ProfileStore,
};
use riv_events::{FaceId, ObjectKey, RequestId, Similarity, UserId};

/// A resource that is not configured: every call fails permanently.
#[derive(Debug, Clone, Copy)]
pub struct Unconfigured {
    /// The variable that would name it.
    pub variable: &'static str,
}

impl Unconfigured {
    fn refuse<T>(&self, what: &str) -> Result<T, PortError> {
        Err(PortError::permanent(format!(
            "{what}: this process has no {} (the stage is not meant to use it)",
            self.variable
        )))
    }
}

#[async_trait]
impl ProfileStore for Unconfigured {
    async fn get(&self, _: &UserId) -> Result<Option<Profile>, PortError> {
        self.refuse("reading a profile")
    }
    async fn create(&self, _: &Profile) -> Result<CreateResult, PortError> {
        self.refuse("creating a profile")
    }
    async fn replace(&self, _: &Profile, _: u64) -> Result<bool, PortError> {
        self.refuse("replacing a profile")
    }
    async fn delete(&self, _: &UserId, _: Option<&RequestId>) -> Result<(), PortError> {
        self.refuse("deleting a profile")
    }
}

#[async_trait]
impl FaceCollection for Unconfigured {
    async fn search_by_image(
        &self,
        _: &ObjectKey,
        _: Similarity,
        _: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        self.refuse("searching the collection")
    }
    async fn search_by_face(
        &self,
        _: &FaceId,
        _: Similarity,
        _: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        self.refuse("searching the collection")
    }
    async fn compare_with_faces(
        &self,
        _: &ObjectKey,
        _: &[FaceRef],
    ) -> Result<Vec<(FaceId, Similarity)>, PortError> {
        self.refuse("comparing faces")
    }
    async fn index_face(
        &self,
        _: &ObjectKey,
        _: &UserId,
        _: &str,
    ) -> Result<(FaceId, u64), PortError> {
        self.refuse("indexing a face")
    }
    async fn delete_faces(&self, _: &[FaceId]) -> Result<(), PortError> {
        self.refuse("deleting faces")
    }
    async fn faces_of_user(&self, _: &UserId) -> Result<Vec<FaceId>, PortError> {
        self.refuse("listing a user's faces")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refusals_are_permanent_and_name_the_variable() {
        let port = Unconfigured {
            variable: "RIV_PROFILES_TABLE",
        };
        let user = UserId::parse("ana").unwrap();
        let err = ProfileStore::get(&port, &user).await.unwrap_err();
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("RIV_PROFILES_TABLE"), "{err}");
    }
}
