//! The 5-point shape predictor (dlib's cascade of regression trees).
