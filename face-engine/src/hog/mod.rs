//! dlib's HOG frontal face detector.
