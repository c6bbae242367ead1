//! What a backfill did, counted by outcome and reason.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

/// How many errors the report keeps word for word.
const MAX_ERRORS_KEPT: usize = 20;

/// The result of one backfill run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackfillReport {
    /// The source read.
    pub source: String,
    /// The state file written.
    pub state_file: String,
    /// Users in the source.
    pub users: usize,
    /// Pictures selected (after `--per-user`).
    pub images: usize,
    /// Pictures skipped because an earlier run put them in riv.
    pub already_done: usize,
    /// Pictures sent this run.
    pub attempted: usize,
    /// Of those, registered or updated.
    pub succeeded: usize,
    /// Of those, denied, failed or without an outcome.
    pub failed: usize,
    /// Pictures not sent because the run stopped early.
    pub not_attempted: usize,
    /// Pictures sent this run, by outcome (`error`: no outcome came back).
    pub by_outcome: BTreeMap<String, usize>,
    /// Unsuccessful pictures by reason code or error label.
    pub by_reason: BTreeMap<String, usize>,
    /// Source rows that could not be read, skipped.
    pub invalid_rows: Vec<String>,
    /// The first errors without an outcome, word for word.
    pub errors: Vec<String>,
    /// Why the run stopped early, if it did (the server went away).
    pub aborted: Option<String>,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
}

impl BackfillReport {
    /// Whether every selected picture is now in riv and every row was read.
    pub fn is_complete(&self) -> bool {
        self.failed == 0
            && self.not_attempted == 0
            && self.aborted.is_none()
            && self.invalid_rows.is_empty()
    }

    /// Counts one sent picture.
    pub(crate) fn count(&mut self, outcome: &str, reason: Option<&str>, succeeded: bool) {
        self.attempted += 1;
        *self.by_outcome.entry(outcome.to_owned()).or_default() += 1;
        if succeeded {
            self.succeeded += 1;
        } else {
            self.failed += 1;
            let reason = reason.unwrap_or("none").to_owned();
            *self.by_reason.entry(reason).or_default() += 1;
        }
    }

    /// Keeps an error's text, up to a limit.
    pub(crate) fn keep_error(&mut self, text: String) {
        if self.errors.len() < MAX_ERRORS_KEPT {
            self.errors.push(text);
        }
    }

    /// Writes the report for people.
    pub fn write_pretty(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "backfill of {}", self.source)?;
        writeln!(
            out,
            "  users {}, pictures {} ({} already done, {} sent, {} not sent)",
            self.users, self.images, self.already_done, self.attempted, self.not_attempted
        )?;
        writeln!(
            out,
            "  succeeded {}, failed {}  in {:.1} s",
            self.succeeded, self.failed, self.elapsed_secs
        )?;
        if !self.by_outcome.is_empty() {
            writeln!(out, "  by outcome:")?;
            for (outcome, n) in &self.by_outcome {
                writeln!(out, "    {outcome:<24} {n:>7}")?;
            }
        }
        if !self.by_reason.is_empty() {
            writeln!(out, "  failures by reason:")?;
            for (reason, n) in &self.by_reason {
                writeln!(out, "    {reason:<24} {n:>7}")?;
            }
        }
        if !self.invalid_rows.is_empty() {
            writeln!(out, "  unreadable rows: {}", self.invalid_rows.len())?;
            for row in self.invalid_rows.iter().take(MAX_ERRORS_KEPT) {
                writeln!(out, "    {row}")?;
            }
        }
        for error in &self.errors {
            writeln!(out, "  error: {error}")?;
        }
        if let Some(why) = &self.aborted {
            writeln!(out, "  stopped early: {why}")?;
        }
        writeln!(out, "  state: {}", self.state_file)?;
        if self.failed > 0 || self.not_attempted > 0 {
            writeln!(
                out,
                "  run the same command again to retry what did not succeed"
            )?;
        }
        Ok(())
    }
}
