//! The state file: one JSON line per finished picture, appended as each
//! finishes, so an interrupted backfill resumes where it stopped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::BackfillError;

/// One finished picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// The user.
    pub user_id: String,
    /// The picture as the source names it.
    pub image: String,
    /// The request that carried it, if one was submitted.
    pub request_id: Option<String>,
    /// The outcome (`registered`, `updated`, `denied`, `failed`), or `error`
    /// when no outcome came back.
    pub outcome: String,
    /// The reason code, or the client error's label for `error`.
    pub reason: Option<String>,
}

impl StateRecord {
    /// Whether the picture is in riv: registered or updated. Only these are
    /// skipped on a re-run.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome.as_str(), "registered" | "updated")
    }
}

/// What earlier runs achieved.
#[derive(Debug, Clone, Default)]
pub struct PriorState {
    /// `(user_id, image)` of pictures already in riv.
    pub done: HashSet<(String, String)>,
    /// Users an earlier run registered (or updated, so they exist).
    pub existing_users: HashSet<String>,
    /// Lines that could not be read (a run killed mid-write), ignored.
    pub unreadable_lines: usize,
}

impl PriorState {
    /// Reads the state file; a missing file is a first run.
    pub fn load(path: &Path) -> Result<Self, BackfillError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(BackfillError::State {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut state = Self::default();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            match serde_json::from_str::<StateRecord>(line) {
                Ok(record) if record.succeeded() => {
                    state.existing_users.insert(record.user_id.clone());
                    state.done.insert((record.user_id, record.image));
                }
                Ok(_) => {}
                Err(_) => state.unreadable_lines += 1,
            }
        }
        Ok(state)
    }

    /// Whether a picture is already in riv.
    pub fn is_done(&self, user_id: &str, image: &str) -> bool {
        self.done.contains(&(user_id.to_owned(), image.to_owned()))
    }
}

/// The state file, open for appending.
#[derive(Debug)]
pub struct StateFile {
    /// Where it is, for errors.
    path: PathBuf,
    /// Appends are serialised through this lock, one whole line at a time.
    file: tokio::sync::Mutex<tokio::fs::File>,
}

impl StateFile {
    /// Opens (or creates) the file for appending, ending a torn last line
    /// first so the next record starts on a line of its own.
    pub async fn open(path: &Path) -> Result<Self, BackfillError> {
        let err = |source| BackfillError::State {
            path: path.to_owned(),
            source,
        };
        let torn = match tokio::fs::read(path).await {
            Ok(bytes) => bytes.last().is_some_and(|&b| b != b'\n'),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(err(e)),
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await
            .map_err(err)?;
        if torn {
            file.write_all(b"\n").await.map_err(err)?;
        }
        Ok(Self {
            path: path.to_owned(),
            file: tokio::sync::Mutex::new(file),
        })
    }

    /// Appends one record and flushes it.
    pub async fn append(&self, record: &StateRecord) -> Result<(), BackfillError> {
        let err = |source| BackfillError::State {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(record)
            .map_err(|e| err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        line.push(b'\n');
        let mut file = self.file.lock().await;
        file.write_all(&line).await.map_err(err)?;
        file.flush().await.map_err(err)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
