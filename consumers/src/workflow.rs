//! The workflow table: which stage follows which, in one place. The local
//! router reads it directly; the AWS rules are generated from
//! [`routing_table`] (exported as JSON), so the two cannot drift.

use riv_events::{OutcomeKind, PipelineEvent, Stage, Workflow};
use serde::Serialize;

/// The stages of a workflow after intake, in order, and the outcome it ends
/// in; `None` while the workflow's stages have not landed.
pub fn stages(workflow: Workflow) -> Option<(&'static [Stage], OutcomeKind)> {
    match workflow {
        Workflow::Register => Some((
            &[
                Stage::Quality,
                Stage::DuplicateSearch,
                Stage::Index,
                Stage::ProfileWrite,
            ],
            OutcomeKind::Registered,
        )),
        Workflow::Auth => Some((&[Stage::Quality, Stage::FaceMatch], OutcomeKind::Verified)),
        Workflow::Update => Some((
            &[
                Stage::Quality,
                Stage::FaceMatch,
                Stage::Index,
                Stage::ProfileWrite,
            ],
            OutcomeKind::Updated,
        )),
        Workflow::RegisterIdcard => Some((
            &[
                Stage::Quality,
                Stage::IdMatch,
                Stage::DuplicateSearch,
                Stage::Index,
                Stage::ProfileWrite,
            ],
            OutcomeKind::Registered,
        )),
    }
}

/// Where a request goes after `stage` passed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To this stage's queue.
    Next(Stage),
    /// The request is done: publish this outcome.
    Finish(OutcomeKind),
}

/// The route after `stage` passed a request of `workflow`; `None` when the
/// stage is not part of the workflow (a misrouted event).
pub fn next(workflow: Workflow, stage: Stage) -> Option<Route> {
    let (steps, outcome) = stages(workflow)?;
    if stage == Stage::Intake {
        return steps.first().map(|first| Route::Next(*first));
    }
    let at = steps.iter().position(|s| *s == stage)?;
    Some(match steps.get(at + 1) {
        Some(following) => Route::Next(*following),
        None => Route::Finish(outcome),
    })
}

/// The stage whose queue receives events of `event_type` for `workflow`
/// (each pair has one edge), or `None` when no rule routes them.
pub fn target(workflow: Workflow, event_type: &str) -> Option<Stage> {
    routing_table()
        .into_iter()
        .find(|edge| edge.workflow == workflow && edge.event_type == event_type)
        .map(|edge| edge.target)
}

/// Whether an event of `event_type` for `workflow` belongs on `stage`'s queue.
pub fn routes_to(workflow: Workflow, event_type: &str, stage: Stage) -> bool {
    target(workflow, event_type) == Some(stage)
}

/// One routing rule: events of this type, for this workflow, go to this stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The request's workflow (the rule matches the envelope's `workflow`).
    pub workflow: Workflow,
    /// The event's `type`.
    pub event_type: &'static str,
    /// The stage whose queue receives it.
    pub target: Stage,
}

/// Every routing rule, generated from the workflow table.
pub fn routing_table() -> Vec<Edge> {
    let mut edges = Vec::new();
    for workflow in Workflow::ALL {
        let Some((steps, _)) = stages(workflow) else {
            continue;
        };
        let mut from = Stage::Intake;
        for step in steps {
            if let Some(event) = passed_type(from) {
                edges.push(Edge {
                    workflow,
                    event_type: event,
                    target: *step,
                });
            }
            from = *step;
        }
    }
    edges
}

fn passed_type(stage: Stage) -> Option<&'static str> {
    PipelineEvent::TYPES
        .into_iter()
        .find(|name| type_stage(name) == Some(stage))
}

/// The stage that emits an event type.
pub fn type_stage(event_type: &str) -> Option<Stage> {
    Some(match event_type {
        "request.accepted" => Stage::Intake,
        "quality.passed" => Stage::Quality,
        "duplicate_search.passed" => Stage::DuplicateSearch,
        "id_match.passed" => Stage::IdMatch,
        "face_match.passed" => Stage::FaceMatch,
        "face.indexed" => Stage::Index,
        "profile.written" => Stage::ProfileWrite,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_runs_quality_search_index_profile() {
        use Stage::*;
        let path: Vec<Route> = [Intake, Quality, DuplicateSearch, Index, ProfileWrite]
            .into_iter()
            .filter_map(|s| next(Workflow::Register, s))
            .collect();
        assert_eq!(
            path,
            vec![
                Route::Next(Quality),
                Route::Next(DuplicateSearch),
                Route::Next(Index),
                Route::Next(ProfileWrite),
                Route::Finish(OutcomeKind::Registered),
            ]
        );
        assert_eq!(next(Workflow::Register, FaceMatch), None);
    }

    #[test]
    fn auth_and_update_go_through_face_match() {
        assert_eq!(
            next(Workflow::Auth, Stage::FaceMatch),
            Some(Route::Finish(OutcomeKind::Verified))
        );
        assert_eq!(
            next(Workflow::Update, Stage::FaceMatch),
            Some(Route::Next(Stage::Index))
        );
    }

    #[test]
    fn register_idcard_matches_the_document_before_the_search() {
        use Stage::*;
        let route: Vec<Route> = [
            Intake,
            Quality,
            IdMatch,
            DuplicateSearch,
            Index,
            ProfileWrite,
        ]
        .into_iter()
        .filter_map(|s| next(Workflow::RegisterIdcard, s))
        .collect();
        assert_eq!(
            route,
            vec![
                Route::Next(Quality),
                Route::Next(IdMatch),
                Route::Next(DuplicateSearch),
                Route::Next(Index),
                Route::Next(ProfileWrite),
                Route::Finish(OutcomeKind::Registered),
            ]
        );
        assert_eq!(next(Workflow::RegisterIdcard, FaceMatch), None);
    }

    #[test]
    fn the_routing_table_has_one_edge_per_step() {
        let table = routing_table();
        assert_eq!(table.len(), 4 + 5 + 2 + 4);
        assert!(routes_to(
            Workflow::Register,
            "quality.passed",
            Stage::DuplicateSearch
        ));
        assert!(routes_to(
            Workflow::Update,
            "quality.passed",
            Stage::FaceMatch
        ));
        assert!(!routes_to(
            Workflow::Auth,
            "quality.passed",
            Stage::DuplicateSearch
        ));
        for edge in &table {
            assert_eq!(
                type_stage(edge.event_type).map(|s| next(edge.workflow, s)),
                Some(Some(Route::Next(edge.target)))
            );
        }
    }
}
