//! How outcomes and profiles are printed for people, or as JSON.

use std::io::Write;

use anyhow::Result;
use riv_client::UserProfile;
use riv_events::outcome::OutcomeEnvelope;
use serde::Serialize;

/// Writes a value as indented JSON and a newline.
pub fn json(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Writes an outcome for people: what happened, to whom, and why.
pub fn outcome(out: &mut impl Write, envelope: &OutcomeEnvelope) -> Result<()> {
    let outcome = envelope.outcome();
    let user = outcome.user_id.as_ref().map_or("(no user)", |u| u.as_str());
    writeln!(out, "{}  {user}", outcome.outcome)?;
    if let Some(reason) = outcome.reason {
        match &outcome.message {
            Some(message) => writeln!(out, "  reason      {reason}: {message}")?,
            None => writeln!(out, "  reason      {reason}")?,
        }
    } else if let Some(message) = &outcome.message {
        writeln!(out, "  message     {message}")?;
    }
    if let Some(measured) = &outcome.measured {
        writeln!(
            out,
            "  measured    {} {} (limit {})",
            measured.name,
            round(measured.value),
            round(measured.limit)
        )?;
    }
    let findings = &outcome.findings;
    if let Some(document) = &findings.document {
        let country = document.issuing_country.as_deref().unwrap_or("?");
        writeln!(
            out,
            "  document    {} {country}, {} fields read",
            document.document_type.as_str(),
            document.fields.len()
        )?;
        if let Some(similarity) = document.portrait_similarity {
            writeln!(
                out,
                "  portrait    similarity {:.1} (threshold {:.1})",
                similarity.value(),
                document.threshold.value()
            )?;
        }
    }
    if let Some(matched) = &findings.face_match {
        writeln!(
            out,
            "  similarity  {:.1} (threshold {:.1})",
            matched.similarity.value(),
            matched.threshold.value()
        )?;
    }
    if let Some(best) = findings
        .duplicate_search
        .as_ref()
        .and_then(|s| s.best_other_user)
    {
        writeln!(out, "  other user  similarity {:.1}", best.value())?;
    }
    if !outcome.face_ids.is_empty() {
        writeln!(out, "  faces       {}", outcome.face_ids.len())?;
    }
    writeln!(out, "  request     {}", envelope.meta.correlation_id)?;
    Ok(())
}

/// A number with at most two decimals, without trailing zeros.
fn round(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Writes a profile for people.
pub fn profile(out: &mut impl Write, profile: &UserProfile) -> Result<()> {
    writeln!(
        out,
        "user {}  (version {})",
        profile.user_id, profile.version
    )?;
    writeln!(
        out,
        "  created     {} by request {}",
        profile.created_at.to_rfc3339(),
        profile.created_by
    )?;
    writeln!(out, "  updated     {}", profile.updated_at.to_rfc3339())?;
    for (key, value) in &profile.properties {
        let source = profile
            .property_sources
            .get(key)
            .map_or(String::new(), |source| {
                format!("  (from the document's {source})")
            });
        match value.as_str() {
            Some(text) => writeln!(out, "  property    {key} = {text}{source}")?,
            None => writeln!(out, "  property    {key} = {value}{source}")?,
        }
    }
    writeln!(out, "  faces       {}", profile.faces.len())?;
    for face in &profile.faces {
        writeln!(
            out,
            "    {}  {}  {}",
            face.face_id,
            face.added_at.to_rfc3339(),
            face.image_key
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_why_and_by_how_much() {
        let envelope: OutcomeEnvelope = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "event_id": "6f1c1d52-3f7e-4a55-9f35-2d7f7a3c9b10",
            "correlation_id": "r1",
            "workflow": "auth",
            "stage": "face_match",
            "attempt": 1,
            "occurred_at": "2025-01-01T00:00:00Z",
            "received_at": "2025-01-01T00:00:00Z",
            "type": "outcome",
            "detail": {
                "outcome": "denied",
                "user_id": "alice",
                "reason": "face_mismatch",
                "message": "the selfie is not the user",
                "measured": {"name": "similarity", "value": 41.25, "limit": 80.0},
                "findings": {"face_match": {
                    "threshold": 80.0, "similarity": 41.25, "method": "one_to_one", "face_id": null
                }}
            }
        }))
        .unwrap();
        let mut text = Vec::new();
        outcome(&mut text, &envelope).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("denied  alice\n"), "{text}");
        assert!(
            text.contains("face_mismatch: the selfie is not the user"),
            "{text}"
        );
        assert!(text.contains("similarity 41.25 (limit 80)"), "{text}");
        assert!(text.contains("similarity  41.2 (threshold 80.0)"), "{text}");
        assert!(text.contains("request     r1"), "{text}");
    }

    #[test]
    fn rounds_without_trailing_zeros() {
        assert_eq!(round(80.0), "80");
        assert_eq!(round(12.345), "12.35");
        assert_eq!(round(0.5), "0.5");
    }
}
