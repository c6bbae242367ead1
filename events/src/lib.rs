//! riv's wire schemas: everything that crosses a queue, a bus, a topic or a
//! bucket, typed and versioned. No I/O lives here.
//!
//! - [`ids`]: validated identifiers (request, user, face, object key, event).
//! - [`workflow`]: the workflows and stages, by name.
//! - [`manifest`]: the request manifest an app uploads beside its images.
//! - [`s3`]: the subset of S3 object-created notifications riv reads.
//! - [`envelope`]: the metadata every event carries.
//! - [`context`]: the request as it travels from stage to stage.
//! - [`document`]: what the ID-match stage read from an identity document.
//! - [`pipeline`]: one event per stage result, routed to the next stage.
//! - [`outcome`]: what apps subscribe to.
//! - [`rollback`]: commands that undo a failed request's effects.
//! - [`reason`]: stable reason codes.
//!
//! Every schema carries [`SCHEMA_VERSION`]; a reader refuses versions it does
//! not know instead of guessing.

pub mod context;
pub mod document;
pub mod envelope;
pub mod ids;
pub mod manifest;
pub mod outcome;
pub mod pipeline;
pub mod reason;
pub mod rollback;
pub mod s3;
pub mod schema;
pub mod workflow;

pub use context::{
    BoundingBox, Effect, Findings, IndexedFace, MatchMethod, MatchReport, Measurement, Pose,
    QualityReport, RequestContext, SearchReport, Similarity,
};
pub use document::{DocumentField, DocumentKind, DocumentReport, ValueSource};
pub use envelope::{Envelope, EnvelopeError, EventMeta, SCHEMA_VERSION};
pub use ids::{EventId, FaceId, IdError, ObjectKey, RequestId, UserId};
pub use manifest::{ImageKeys, LivenessRef, ManifestError, RequestManifest};
pub use outcome::{Outcome, OutcomeKind};
pub use pipeline::PipelineEvent;
pub use reason::ReasonCode;
pub use rollback::RollbackCommand;
pub use workflow::{Stage, Workflow};
