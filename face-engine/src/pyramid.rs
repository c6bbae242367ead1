//! dlib's `pyramid_down<N>` image pyramids.
