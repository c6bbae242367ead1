import * as fs from 'node:fs';

/**
 * `routing.json`: the workflow table as the Rust build exports it
 * (`consumers/tests/routing_artifact.rs` checks it against
 * `workflow::routing_table()`), so the rules here and the embedded router
 * cannot drift.
 */
export interface RoutingArtifact {
  /** One EventBridge rule each: events of `event_type` for `workflow` go to `target`'s queue. */
  readonly edges: readonly RoutingEdge[];
  /** The stages that have a consumer: one queue, dead-letter queue and function each. */
  readonly stages: readonly string[];
  /** Every value of the outcomes topic's `outcome` message attribute. */
  readonly outcome_kinds: readonly string[];
}

/** One routing rule. */
export interface RoutingEdge {
  readonly workflow: string;
  readonly event_type: string;
  readonly target: string;
}

/** Reads and checks the artefact: every edge targets a listed stage. */
export function loadRouting(file: string): RoutingArtifact {
  const routing = JSON.parse(fs.readFileSync(file, 'utf8')) as RoutingArtifact;
  if (!Array.isArray(routing.edges) || !Array.isArray(routing.stages) || !Array.isArray(routing.outcome_kinds)) {
    throw new Error(`${file}: expected {"edges": [...], "stages": [...], "outcome_kinds": [...]}`);
  }
  for (const edge of routing.edges) {
    if (!routing.stages.includes(edge.target)) {
      throw new Error(`${file}: edge ${JSON.stringify(edge)} targets a stage without a queue`);
    }
  }
  for (const required of ['intake', 'rollback']) {
    if (!routing.stages.includes(required)) {
      throw new Error(`${file}: stage ${required} is missing`);
    }
  }
  return routing;
}

/** A readable, unique construct id for an edge. */
export function edgeId(edge: RoutingEdge): string {
  return `Route-${edge.workflow}-${edge.event_type}`;
}
