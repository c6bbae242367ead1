/** The function that handles every stage's dead letters; its artefact is `<lambdaDir>/dead_letter/bootstrap`. */
export const DEAD_LETTER_FUNCTION = 'dead_letter';

/** The directories under `lambdaDir`, one `bootstrap` each: every stage's, then the dead-letter function's. */
export function lambdaArtefacts(stages: readonly string[]): string[] {
  return [...stages, DEAD_LETTER_FUNCTION];
}
