//! The quality gate: the DetectFaces-equivalent checks on the selfie. The
//! analyzer measures; this decides, check by check, with the configured
//! limits, and reports the measured value of the first check that fails.

use riv_events::{QualityReport, ReasonCode, RequestContext};

use crate::PortError;
use crate::config::QualityConfig;
use crate::decision::{Decision, image_problem};
use crate::ports::{DetectedFace, Ports};

/// Runs the gate.
pub async fn run(
    ports: &Ports,
    config: &QualityConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let faces = match ports.analyzer.detect_faces(&context.images.selfie).await {
        Ok(faces) => faces,
        Err(err) => return image_problem(context, err),
    };
    let counted = counted_faces(&faces, config.background_face_ratio);
    let face = match counted.as_slice() {
        [] => {
            return Ok(Decision::fail(
                context,
                ReasonCode::NoFace,
                "no face was found",
            ));
        }
        [one] => *one,
        many => {
            let n = many.len();
            return Ok(Decision::fail_measured(
                context,
                ReasonCode::MultipleFaces,
                format!("{n} faces were found; a selfie shows one"),
                "faces",
                n as f64,
                1.0,
            ));
        }
    };
    if let Some(decision) = check(face, config, &context) {
        return Ok(decision);
    }
    context.findings.quality = Some(QualityReport {
        faces: counted.len() as u32,
        confidence: face.confidence,
        bounding_box: face.bounding_box,
        face_height_px: face.height_px,
        pose: face.pose,
        sharpness: face.sharpness,
        brightness: face.brightness,
        eyes_occluded: face.eyes_occluded,
    });
    Ok(Decision::Pass(context))
}

/// Faces at least `ratio` of the largest face's height: smaller ones are
/// background faces (bystanders, posters) and do not count.
fn counted_faces(faces: &[DetectedFace], ratio: f32) -> Vec<&DetectedFace> {
    let Some(largest) = faces.iter().map(|f| f.height_px).max() else {
        return Vec::new();
    };
    let floor = largest as f32 * ratio;
    faces
        .iter()
        .filter(|f| f.height_px as f32 >= floor)
        .collect()
}

/// The first failed check, in a fixed order: size, confidence, pose,
/// sharpness, brightness, eyes.
fn check(face: &DetectedFace, q: &QualityConfig, context: &RequestContext) -> Option<Decision> {
    let fail = |reason, message: &str, name: &str, value: f32, limit: f32| {
        Some(Decision::fail_measured(
            context.clone(),
            reason,
            message,
            name,
            f64::from(value),
            f64::from(limit),
        ))
    };
    if face.height_px < q.min_face_height_px {
        return fail(
            ReasonCode::FaceTooSmall,
            "the face is too small",
            "face_height_px",
            face.height_px as f32,
            q.min_face_height_px as f32,
        );
    }
    if face.confidence < q.min_confidence {
        return fail(
            ReasonCode::LowConfidence,
            "the face was found only with low confidence",
            "confidence",
            face.confidence,
            q.min_confidence,
        );
    }
    let pose = [
        ("yaw", face.pose.yaw, q.max_yaw),
        ("pitch", face.pose.pitch, q.max_pitch),
        ("roll", face.pose.roll, q.max_roll),
    ];
    if let Some((name, value, limit)) = pose.into_iter().find(|(_, v, l)| v.abs() > *l) {
        return fail(
            ReasonCode::PoseOutOfRange,
            "the head is turned or tilted too far",
            name,
            value,
            limit,
        );
    }
    if face.sharpness < q.min_sharpness {
        return fail(
            ReasonCode::TooBlurry,
            "the face is not sharp enough",
            "sharpness",
            face.sharpness,
            q.min_sharpness,
        );
    }
    if face.brightness < q.min_brightness {
        return fail(
            ReasonCode::TooDark,
            "the face is too dark",
            "brightness",
            face.brightness,
            q.min_brightness,
        );
    }
    if face.brightness > q.max_brightness {
        return fail(
            ReasonCode::TooBright,
            "the face is overexposed",
            "brightness",
            face.brightness,
            q.max_brightness,
        );
    }
    if face.eyes_occluded >= q.max_eyes_occluded {
        return fail(
            ReasonCode::EyesOccluded,
            "the eyes are hidden (sunglasses?)",
            "eyes_occluded",
            face.eyes_occluded,
            q.max_eyes_occluded,
        );
    }
    None
}
