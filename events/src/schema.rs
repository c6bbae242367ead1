//! JSON Schemas of every wire document, for `docs/schemas/` (a test keeps
//! the committed files equal to these).

use schemars::{JsonSchema, schema_for};

use crate::RequestManifest;
use crate::outcome::OutcomeEnvelope;
use crate::pipeline::PipelineEnvelope;
use crate::rollback::RollbackEnvelope;

/// `(file name, pretty JSON)` for every schema.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("request-manifest.schema.json", render::<RequestManifest>()),
        ("pipeline-event.schema.json", render::<PipelineEnvelope>()),
        ("outcome.schema.json", render::<OutcomeEnvelope>()),
        ("rollback-command.schema.json", render::<RollbackEnvelope>()),
    ]
}

fn render<T: JsonSchema>() -> String {
    let schema = schema_for!(T);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
