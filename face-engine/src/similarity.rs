//! Comparing descriptors: the raw Euclidean distance, and a 0–100
//! similarity that reads like Rekognition's.
//!
//! dlib's descriptors are compared by Euclidean distance (dlib's own
//! threshold is 0.6). Rekognition reports a similarity from 0 to 100 where
//! 80 is the default match threshold and 95–99 are used for high assurance.
//! The mapping here is a logistic curve in the distance whose two parameters
//! were fitted on LFW development pairs so that the cut-offs 80, 90, 95 and
//! 99 mean what they mean on Rekognition: the false-match and false-non-match
//! rates measured at each are in `docs/face-engine.md`, with the command that
//! reproduces them (`riv faces evaluate`).

use serde::{Deserialize, Serialize};

/// Length of a face descriptor.
pub const DESCRIPTOR_LEN: usize = 128;

/// A 128-d face descriptor (dlib's ResNet embedding).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Descriptor(#[serde(with = "descriptor_serde")] pub [f32; DESCRIPTOR_LEN]);

mod descriptor_serde {
    use super::DESCRIPTOR_LEN;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &[f32; DESCRIPTOR_LEN], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[f32; DESCRIPTOR_LEN], D::Error> {
        let values = Vec::<f32>::deserialize(d)?;
        let len = values.len();
        <[f32; DESCRIPTOR_LEN]>::try_from(values).map_err(|_| {
            D::Error::custom(format!(
                "descriptor of {len} values, expected {DESCRIPTOR_LEN}"
            ))
        })
    }
}

impl Descriptor {
    /// Euclidean distance, accumulated in f64.
    pub fn distance(&self, other: &Descriptor) -> f64 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| {
                let d = f64::from(*a) - f64::from(*b);
                d * d
            })
            .sum::<f64>()
            .sqrt()
    }

    /// Cosine similarity, -1..=1.
    pub fn cosine(&self, other: &Descriptor) -> f64 {
        let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            let (a, b) = (f64::from(*a), f64::from(*b));
            dot += a * b;
            na += a * a;
            nb += b * b;
        }
        if na == 0.0 || nb == 0.0 {
            0.0
        } else {
            dot / (na.sqrt() * nb.sqrt())
        }
    }

    /// The element-wise mean of two descriptors (used to average a face with
    /// its mirror image).
    pub fn mean(&self, other: &Descriptor) -> Descriptor {
        let mut out = [0f32; DESCRIPTOR_LEN];
        for (o, (a, b)) in out.iter_mut().zip(self.0.iter().zip(other.0.iter())) {
            *o = (a + b) / 2.0;
        }
        Descriptor(out)
    }
}

/// The outcome of comparing two faces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// 0–100, Rekognition's scale; higher is more alike.
    pub similarity: f64,
    /// Euclidean distance between the descriptors; dlib's own threshold is 0.6.
    pub distance: f64,
}

/// The distance → similarity curve: `100 / (1 + exp((d - midpoint) / width))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimilarityScale {
    /// Distance that maps to similarity 50.
    pub midpoint: f64,
    /// How fast similarity falls with distance.
    pub width: f64,
}

impl SimilarityScale {
    /// Fitted on the 5,646 LFW development pairs (`docs/face-engine.md`):
    /// similarity 80 at distance 0.600, dlib's own threshold (98.7 % accuracy
    /// there), and 99 at 0.450, well inside the closest different-person
    /// pair seen (0.521); 90 and 95 fall at 0.562 and 0.527.
    pub const CALIBRATED: SimilarityScale = SimilarityScale {
        midpoint: 0.665,
        width: 0.0467,
    };

    pub fn similarity(&self, distance: f64) -> f64 {
        if !distance.is_finite() {
            return 0.0;
        }
        100.0 / (1.0 + ((distance - self.midpoint) / self.width).exp())
    }

    /// The distance at which the similarity equals `similarity` (0 < s < 100).
    pub fn distance_at(&self, similarity: f64) -> f64 {
        let s = similarity.clamp(1e-9, 100.0 - 1e-9);
        self.midpoint + self.width * (100.0 / s - 1.0).ln()
    }

    pub fn compare(&self, a: &Descriptor, b: &Descriptor) -> Comparison {
        let distance = a.distance(b);
        Comparison {
            similarity: self.similarity(distance),
            distance,
        }
    }
}

impl Default for SimilarityScale {
    fn default() -> Self {
        Self::CALIBRATED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Descriptor {
        let mut d = [0f32; DESCRIPTOR_LEN];
        d[i] = 1.0;
        Descriptor(d)
    }

    #[test]
    fn distance_cosine_and_mean() {
        let (a, b) = (unit(0), unit(1));
        assert!((a.distance(&b) - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(a.cosine(&b), 0.0);
        assert_eq!(a.cosine(&a), 1.0);
        assert_eq!(a.mean(&b).0[0], 0.5);
        assert_eq!(a.distance(&a), 0.0);
    }

    #[test]
    fn scale_is_monotonic_and_invertible() {
        let scale = SimilarityScale::CALIBRATED;
        let mut last = 100.0;
        for step in 0..200 {
            let s = scale.similarity(f64::from(step) * 0.01);
            assert!(s < last && (0.0..=100.0).contains(&s));
            last = s;
        }
        for s in [80.0, 90.0, 95.0, 99.0] {
            assert!((scale.similarity(scale.distance_at(s)) - s).abs() < 1e-9);
        }
        // The calibration's anchors.
        assert!((scale.distance_at(80.0) - 0.600).abs() < 0.001);
        assert!((scale.distance_at(99.0) - 0.450).abs() < 0.001);
        assert_eq!(scale.similarity(f64::NAN), 0.0);
    }

    #[test]
    fn descriptors_round_trip_through_json() {
        let d = unit(3);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Descriptor>(&json).unwrap(), d);
        assert!(serde_json::from_str::<Descriptor>("[1.0, 2.0]").is_err());
    }
}
