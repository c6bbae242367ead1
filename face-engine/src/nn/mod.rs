//! Tensors, the layers of dlib's networks, and the networks built from them:
//! the 128-d face descriptor ([`DescriptorNet`]) and the MMOD CNN face
//! detector ([`MmodNet`]).
//!
//! The layer records come from [`crate::dlib::net`]; each network here walks
//! that list, checks it is the architecture it implements, and keeps the
//! weights in the form its forward pass wants. All arithmetic is `f32`, as in
//! dlib, and follows dlib's CPU code operation for operation; only the
//! summation order inside matrix products differs, so outputs agree with
//! dlib's to about 1e-6 relative.

mod arch;
pub mod conv;
pub mod descriptor;
mod gemm;
mod im2col;
pub mod layers;
pub mod mmod;
pub mod resize;
pub mod tensor;

pub use descriptor::{CHIP_SIZE, DESCRIPTOR_MODEL_NAME, DescriptorNet};
pub use gemm::Threads;
pub use mmod::{MMOD_MODEL_NAME, MmodDetection, MmodNet, ScoreMap};
pub use tensor::{Shape, Tensor};
