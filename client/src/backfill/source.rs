//! Reading the users to backfill: a directory of `USER_ID/picture` files, a
//! CSV (`user_id,image`), JSON lines (`{"user_id":..,"image":..}`) or a
//! tab-separated gallery (`identity<TAB>image`). Image paths in files are
//! relative to the file's directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use riv_events::UserId;
use serde::Deserialize;

use super::BackfillError;
use crate::picture::extension_of_name;

/// One picture of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The user.
    pub user_id: UserId,
    /// The picture as the source names it (its identity in the state file).
    pub image: String,
    /// The picture's file.
    pub path: PathBuf,
}

/// The users of a source, each with their pictures, in source order.
#[derive(Debug, Clone, Default)]
pub struct Gallery {
    /// Users in order of first appearance; pictures in source order.
    pub users: Vec<(UserId, Vec<Entry>)>,
    /// Rows that could not be read (`line 7: ...`), skipped.
    pub invalid: Vec<String>,
}

impl Gallery {
    fn push(&mut self, index: &mut HashMap<UserId, usize>, entry: Entry) {
        match index.get(&entry.user_id) {
            Some(&at) => {
                if let Some((_, entries)) = self.users.get_mut(at) {
                    entries.push(entry);
                }
            }
            None => {
                index.insert(entry.user_id.clone(), self.users.len());
                self.users.push((entry.user_id.clone(), vec![entry]));
            }
        }
    }
}

/// Where the state file goes unless told: inside a directory source, or
/// beside a file source as `SOURCE.riv-backfill.jsonl`.
pub fn default_state_path(source: &Path) -> PathBuf {
    if source.is_dir() {
        source.join("riv-backfill.jsonl")
    } else {
        let mut name = source.as_os_str().to_owned();
        name.push(".riv-backfill.jsonl");
        PathBuf::from(name)
    }
}

/// Reads a source, telling its kind from whether it is a directory and, for
/// files, from the first line: `{` is JSON lines, a tab is a gallery, anything
/// else CSV.
pub fn read_source(source: &Path) -> Result<Gallery, BackfillError> {
    if source.is_dir() {
        return read_directory(source);
    }
    let io = |err| BackfillError::Source {
        path: source.to_owned(),
        source: err,
    };
    let text = std::fs::read_to_string(source).map_err(io)?;
    let base = source.parent().unwrap_or(Path::new("")).to_owned();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((first_no, first)) = lines.next() else {
        return Ok(Gallery::default());
    };
    let mut gallery = Gallery::default();
    let mut index = HashMap::new();
    let mut add = |line: usize, user: &str, image: &str, gallery: &mut Gallery| match entry(
        &base, user, image,
    ) {
        Ok(entry) => gallery.push(&mut index, entry),
        Err(why) => gallery.invalid.push(format!("line {line}: {why}")),
    };
    if first.trim_start().starts_with('{') {
        for (no, line) in std::iter::once((first_no, first)).chain(lines) {
            match serde_json::from_str::<JsonRow>(line) {
                Ok(row) => add(no, &row.user_id, &row.image, &mut gallery),
                Err(err) => gallery.invalid.push(format!("line {no}: {err}")),
            }
        }
        return Ok(gallery);
    }
    let separator = if first.contains('\t') { '\t' } else { ',' };
    let header = split_row(first, separator);
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let (Some(user_col), Some(image_col)) = (column(&["user_id", "identity"]), column(&["image"]))
    else {
        return Err(BackfillError::Parse {
            path: source.to_owned(),
            line: first_no,
            message: format!(
                "the header must name a user_id (or identity) and an image column, got {first:?}"
            ),
        });
    };
    for (no, line) in lines {
        let fields = split_row(line, separator);
        match (fields.get(user_col), fields.get(image_col)) {
            (Some(user), Some(image)) => add(no, user.trim(), image.trim(), &mut gallery),
            _ => gallery.invalid.push(format!("line {no}: too few columns")),
        }
    }
    Ok(gallery)
}

#[derive(Deserialize)]
struct JsonRow {
    user_id: String,
    image: String,
}

fn entry(base: &Path, user: &str, image: &str) -> Result<Entry, String> {
    let user_id = UserId::parse(user).map_err(|err| err.to_string())?;
    if image.is_empty() {
        return Err("the image is empty".into());
    }
    Ok(Entry {
        user_id,
        image: image.to_owned(),
        path: base.join(image),
    })
}

/// Splits one CSV or TSV row; double quotes group a field (`""` is a quote).
fn split_row(line: &str, separator: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if quoted || field.trim().is_empty() => quoted = !quoted,
            c if c == separator && !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// `DIR/USER_ID/*.{jpg,jpeg,png,webp}`, users and pictures sorted by name;
/// hidden entries and files directly in `DIR` are ignored.
fn read_directory(dir: &Path) -> Result<Gallery, BackfillError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |err| BackfillError::Source { path, source: err }
    };
    let mut gallery = Gallery::default();
    let mut index = HashMap::new();
    for user_dir in sorted_entries(dir).map_err(io(dir))? {
        let Some(name) = visible_name(&user_dir) else {
            continue;
        };
        if !user_dir.is_dir() {
            continue;
        }
        let user_id = match UserId::parse(name.as_str()) {
            Ok(id) => id,
            Err(err) => {
                gallery.invalid.push(format!("{name}/: {err}"));
                continue;
            }
        };
        for file in sorted_entries(&user_dir).map_err(io(&user_dir))? {
            let Some(file_name) = visible_name(&file) else {
                continue;
            };
            if file.is_file() && extension_of_name(&file).is_some() {
                let entry = Entry {
                    user_id: user_id.clone(),
                    image: format!("{name}/{file_name}"),
                    path: file,
                };
                gallery.push(&mut index, entry);
            }
        }
    }
    Ok(gallery)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    paths.sort();
    Ok(paths)
}

fn visible_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    (!name.starts_with('.')).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_with_quotes() {
        assert_eq!(split_row("a,b", ','), ["a", "b"]);
        assert_eq!(split_row(r#""a,1","b ""x""""#, ','), ["a,1", r#"b "x""#]);
        assert_eq!(split_row("a\tb,c", '\t'), ["a", "b,c"]);
    }

    #[test]
    fn state_files_sit_beside_file_sources() {
        assert_eq!(
            default_state_path(Path::new("/nowhere/g.tsv")),
            PathBuf::from("/nowhere/g.tsv.riv-backfill.jsonl")
        );
    }
}
