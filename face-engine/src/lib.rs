//! riv's face engine: dlib's published face models run in pure Rust.
//!
//! The crate is the local answer to Rekognition's DetectFaces, CompareFaces,
//! IndexFaces and SearchFacesByImage. It is synchronous and owns no threads
//! beyond the compute pool the linear algebra uses; callers that live on an
//! async runtime run it inside `spawn_blocking`.
//!
//! Start with [`FaceEngine`] (configured by [`EngineConfig`]): it owns the
//! loaded models and offers `detect`, `landmarks`, `descriptor`, `analyze`,
//! `compare` and `search` over plain data.
//!
//! Map of the modules:
//! - [`engine`] and [`config`]: the API above and its configuration.
//! - [`dlib`]: readers for dlib's binary serialisation (integers, floats,
//!   matrices, tensors, serialised networks) — file formats only, no maths.
//! - [`nn`]: tensors, the layers dlib's networks use, and the two networks
//!   (the 128-d ResNet descriptor and the MMOD CNN detector) built from the
//!   layer list the reader hands over.
//! - [`hog`]: dlib's HOG frontal face detector (fHOG features, the detector's
//!   five filters, sliding window and non-max suppression).
//! - [`pyramid`]: dlib's `pyramid_down<N>` image pyramids.
//! - [`shape`]: the 5-point shape predictor (cascade of regression trees).
//! - [`chip`]: face chips cut exactly as dlib cuts them.
//! - [`similarity`]: descriptors, distances and the 0–100 similarity scale.
//! - [`image`]: safe decoding (byte and pixel limits checked before decoding,
//!   EXIF orientation) and the plain image types the engine works on.
//! - [`measure`]: pose, sharpness, brightness and eye occlusion.
//! - [`models`]: the model files, their checksums and licences, and the
//!   model directory they are read from.
//! - [`svd`]: dlib's SVD, step for step (transforms and HOG filters depend
//!   on its last bit).
//! - [`geometry`]: rectangles and points with dlib's conventions.

pub mod chip;
pub mod config;
pub mod dlib;
pub mod engine;
pub mod error;
pub mod geometry;
pub mod hog;
pub mod image;
pub mod measure;
pub mod models;
pub mod nn;
pub mod pyramid;
pub mod shape;
pub mod similarity;
pub mod svd;

pub use config::{DetectionConfig, EngineConfig};
pub use engine::{AnalyzedFace, Detection, FaceDetail, FaceEngine, LoadError, SearchHit};
pub use error::{EngineError, ModelError};
pub use geometry::{Point, Rect};
pub use image::{DecodeLimits, RgbImage};
pub use similarity::{Comparison, Descriptor, SimilarityScale};
