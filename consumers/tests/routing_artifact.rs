#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `cdk/routing.json` is the workflow table as the CDK app reads it: one
//! EventBridge rule per edge, one queue per stage. It is generated from
//! [`routing_table`] and checked here, so the AWS rules and the local router
//! cannot drift. After changing the workflow table, regenerate it with
//! `RIV_BLESS=1 cargo test -p riv-consumers --test routing_artifact`.

use std::path::PathBuf;

use riv_consumers::workflow::{Edge, routing_table};
use riv_events::{OutcomeKind, Stage};
use serde::Serialize;

/// The artefact's shape.
#[derive(Serialize)]
struct Artifact {
    /// Every routing rule: `{workflow, event_type, target}`.
    edges: Vec<Edge>,
    /// The stages that have a consumer, in pipeline order: each gets a queue
    /// (named after the stage) with its dead-letter queue and a function.
    stages: Vec<Stage>,
    /// Every outcome kind (the outcomes topic's `outcome` attribute).
    outcome_kinds: Vec<OutcomeKind>,
}

fn artifact() -> Artifact {
    let edges = routing_table();
    // Intake takes the manifests' notifications and rollback the rollback
    // commands; every other stage is consumed once a routing edge reaches it.
    let stages = Stage::ALL
        .into_iter()
        .filter(|stage| {
            matches!(stage, Stage::Intake | Stage::Rollback)
                || edges.iter().any(|edge| edge.target == *stage)
        })
        .collect();
    Artifact {
        edges,
        stages,
        outcome_kinds: OutcomeKind::ALL.to_vec(),
    }
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cdk/routing.json")
}

#[test]
fn the_committed_routing_artifact_matches_the_workflow_table() {
    let expected = serde_json::to_string_pretty(&artifact()).unwrap() + "\n";
    let path = path();
    if std::env::var("RIV_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", path.display()));
    assert!(
        committed == expected,
        "{} is stale: run `RIV_BLESS=1 cargo test -p riv-consumers --test routing_artifact` and commit it",
        path.display()
    );
}

#[test]
fn the_artifact_names_every_consumed_stage() {
    let stages: Vec<&str> = artifact().stages.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        stages,
        [
            "intake",
            "quality",
            "duplicate_search",
            "id_match",
            "face_match",
            "index",
            "profile_write",
            "rollback"
        ]
    );
}
