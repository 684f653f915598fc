//! The history file: `$XDG_STATE_HOME/lvsh/history` (or
//! `~/.local/state/lvsh/history`), private to its owner (folder 0700, file
//! 0600), one entry a line (`\n` and `\\` escaped, so a block is one
//! entry), each entry once: a repeated line moves to the end. Every entry is
//! merged into the file as it is entered, so two shells keep both their
//! histories.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many entries the file keeps, newest last.
pub const MAX_ENTRIES: usize = 1000;

/// Where the history lives, from `XDG_STATE_HOME` or `HOME`.
pub fn path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")))?;
    Some(state.join("lvsh").join("history"))
}

/// The entries of a history file, oldest first (none if it does not exist).
pub fn load(path: &Path) -> io::Result<Vec<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(dedup(text.lines().filter(|l| !l.is_empty()).map(unescape).collect())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Adds an entry to the file (moving an equal one to the end) and returns
/// the file's entries.
pub fn record(path: &Path, entry: &str) -> io::Result<Vec<String>> {
    let mut entries = load(path)?;
    entries.retain(|e| e != entry);
    entries.push(entry.to_string());
    let excess = entries.len().saturating_sub(MAX_ENTRIES);
    entries.drain(..excess);
    save(path, &entries)?;
    Ok(entries)
}

/// Writes the entries: into a private temporary file, then renamed over.
fn save(path: &Path, entries: &[String]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    // A file left by an older umask or another tool is made private too.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    let text: String = entries.iter().map(|e| escape(e) + "\n").collect();
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

/// Keeps each entry once, at its last place.
fn dedup(entries: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(entries.len());
    for e in entries.into_iter().rev() {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out.reverse();
    out
}

fn escape(entry: &str) -> String {
    entry.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push('\\');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("lvsh-history-{name}-{}", std::process::id())).join("lvsh/history")
    }

    #[test]
    fn entries_persist_once_each_newest_last_privately() {
        let path = temp("persist");
        record(&path, "show").unwrap();
        record(&path, "service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80 \\\n}").unwrap();
        let entries = record(&path, "show").unwrap();
        assert_eq!(entries, ["service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80 \\\n}", "show"]);
        assert_eq!(load(&path).unwrap(), entries);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_with_loose_permissions_is_made_private() {
        let path = temp("loose");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "flush\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        record(&path, "show").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load(&path).unwrap(), ["flush", "show"]);
        fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn the_oldest_entries_go_past_the_limit() {
        let path = temp("limit");
        let full: Vec<String> = (0..MAX_ENTRIES).map(|n| format!("echo {n}")).collect();
        save(&path, &full).unwrap();
        let entries = record(&path, "show").unwrap();
        assert_eq!(
            (entries.len(), entries[0].as_str(), entries[MAX_ENTRIES - 1].as_str()),
            (MAX_ENTRIES, "echo 1", "show")
        );
        fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }
}
