//! Head pose from the 5 landmarks: a scaled orthographic projection of a
//! mean 3-D face fitted by least squares.

use serde::{Deserialize, Serialize};

use crate::geometry::Point;

/// Head pose in degrees, estimated from the 5 landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Turn left/right; positive when the face turns towards the image's right.
    pub yaw: f64,
    /// Nod up/down; positive when the chin goes down (face looks down).
    pub pitch: f64,
    /// In-plane tilt; positive when the face tilts clockwise in the image.
    pub roll: f64,
}

/// A mean face in millimetres, axes as the image's (x right, y down) and z
/// out of the face towards the camera. Typical adult proportions: outer eye
/// corners 90 mm apart and about 9 mm behind the inner corners (32 mm
/// apart), the base of the nose 45 mm below the eye line and 14 mm in front.
const MODEL_FACE: [[f64; 3]; 5] = [
    [45.0, 0.0, -9.0],
    [16.0, 0.0, 0.0],
    [-45.0, 0.0, -9.0],
    [-16.0, 0.0, 0.0],
    [0.0, 45.0, 14.0],
];

/// Estimates yaw, pitch and roll by fitting a scaled orthographic projection
/// of [`MODEL_FACE`] to the landmarks (least squares), then reading Euler
/// angles off the rotation.
///
/// Limits: five points, one of them off the eye plane, carry little depth
/// information. Roll is reliable to a degree or two; yaw to within about
/// 5–10° up to ±45°; pitch is the weakest, because faces differ in how far
/// the nose sits below the eyes — treat pitch within ±10° as frontal. Beyond
/// ±60° yaw the landmarks themselves are unreliable.
pub fn pose(landmarks: &[Point; 5]) -> Pose {
    let model_mean = mean3(&MODEL_FACE);
    let image_mean = Point::new(
        landmarks.iter().map(|p| p.x).sum::<f64>() / 5.0,
        landmarks.iter().map(|p| p.y).sum::<f64>() / 5.0,
    );
    // Normal equations of M (2x3) minimising sum |M P_i - p_i|^2.
    let mut ppt = [[0.0f64; 3]; 3];
    let mut xpt = [[0.0f64; 3]; 2];
    for (model, image) in MODEL_FACE.iter().zip(landmarks) {
        let p = [
            model[0] - model_mean[0],
            model[1] - model_mean[1],
            model[2] - model_mean[2],
        ];
        let q = [image.x - image_mean.x, image.y - image_mean.y];
        for r in 0..3 {
            for c in 0..3 {
                ppt[r][c] += p[r] * p[c];
            }
            xpt[0][r] += q[0] * p[r];
            xpt[1][r] += q[1] * p[r];
        }
    }
    let inv = invert3(&ppt);
    let mut rows = [[0.0f64; 3]; 2];
    for (row, x) in rows.iter_mut().zip(&xpt) {
        for c in 0..3 {
            row[c] = (0..3).map(|k| x[k] * inv[k][c]).sum();
        }
    }
    // Orthonormalise the two projected axes symmetrically, then complete the
    // rotation with their cross product.
    let r1 = normalise(rows[0]);
    let r2 = normalise(rows[1]);
    let sum_dir = normalise(add(r1, r2));
    let gap_dir = normalise(sub(r1, r2));
    let (a, b) = (
        normalise(add(sum_dir, gap_dir)),
        normalise(sub(sum_dir, gap_dir)),
    );
    let r3 = cross(a, b);
    // R = Rz(roll) * Ry(yaw) * Rx(tilt), rows a, b, r3. With y pointing
    // down, a positive rotation about z is clockwise in the image; a face
    // looking down is a negative rotation about x, reported as positive pitch.
    let yaw = (-r3[0]).clamp(-1.0, 1.0).asin();
    let tilt = r3[1].atan2(r3[2]);
    let roll = b[0].atan2(a[0]);
    Pose {
        yaw: yaw.to_degrees(),
        pitch: -tilt.to_degrees(),
        roll: roll.to_degrees(),
    }
}

fn mean3(points: &[[f64; 3]; 5]) -> [f64; 3] {
    let mut m = [0.0; 3];
    for p in points {
        for i in 0..3 {
            m[i] += p[i] / 5.0;
        }
    }
    m
}

fn invert3(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    // The model is not planar, so its scatter matrix is never singular.
    let d = 1.0 / det;
    [
        [
            (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * d,
            (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * d,
            (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * d,
        ],
        [
            (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * d,
            (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * d,
            (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * d,
        ],
        [
            (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * d,
            (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * d,
            (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * d,
        ],
    ]
}

fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if n == 0.0 {
        a
    } else {
        [a[0] / n, a[1] / n, a[2] / n]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(yaw: f64, pitch: f64, roll: f64) -> [Point; 5] {
        let (y, p, r) = (yaw.to_radians(), -pitch.to_radians(), roll.to_radians());
        let rx = [
            [1.0, 0.0, 0.0],
            [0.0, p.cos(), -p.sin()],
            [0.0, p.sin(), p.cos()],
        ];
        let ry = [
            [y.cos(), 0.0, y.sin()],
            [0.0, 1.0, 0.0],
            [-y.sin(), 0.0, y.cos()],
        ];
        let rz = [
            [r.cos(), -r.sin(), 0.0],
            [r.sin(), r.cos(), 0.0],
            [0.0, 0.0, 1.0],
        ];
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut m = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
                }
            }
            m
        };
        let rot = mul(rz, mul(ry, rx));
        MODEL_FACE.map(|v| {
            let x: f64 = (0..3).map(|k| rot[0][k] * v[k]).sum();
            let y: f64 = (0..3).map(|k| rot[1][k] * v[k]).sum();
            Point::new(200.0 + 1.3 * x, 150.0 + 1.3 * y)
        })
    }

    #[test]
    fn pose_recovers_synthetic_rotations() {
        for (yaw, pitch, roll) in [
            (0.0, 0.0, 0.0),
            (20.0, 0.0, 0.0),
            (-35.0, 0.0, 0.0),
            (0.0, 15.0, 0.0),
            (0.0, -12.0, 0.0),
            (0.0, 0.0, 25.0),
            (15.0, 10.0, -20.0),
        ] {
            let est = pose(&project(yaw, pitch, roll));
            assert!((est.yaw - yaw).abs() < 1.0, "yaw {yaw}: {est:?}");
            assert!((est.pitch - pitch).abs() < 1.0, "pitch {pitch}: {est:?}");
            assert!((est.roll - roll).abs() < 1.0, "roll {roll}: {est:?}");
        }
    }

    #[test]
    fn roll_sign_follows_the_image() {
        // Turn the frontal landmarks 10 degrees clockwise in the image plane
        // (y points down): the eye on the image's right ends up lower.
        let frontal = project(0.0, 0.0, 0.0);
        let (s, c) = 10f64.to_radians().sin_cos();
        let turned = frontal.map(|p| {
            let (x, y) = (p.x - 200.0, p.y - 150.0);
            Point::new(200.0 + c * x - s * y, 150.0 + s * x + c * y)
        });
        assert!(turned[0].y > turned[2].y);
        let est = pose(&turned);
        assert!((est.roll - 10.0).abs() < 0.5, "{est:?}");
    }
}
