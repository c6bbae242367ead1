//! Readers for dlib's binary serialisation. File formats only: the maths that
//! uses the weights lives in [`crate::nn`], [`crate::hog`] and [`crate::shape`].

pub mod compress;
pub mod net;
pub mod reader;

pub use reader::{DlibReader, FormatError, Matrix};
