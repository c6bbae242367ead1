//! Tensors, the layers of dlib's networks, and the networks built from them.
