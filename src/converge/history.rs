//! The history of changes: before each `apply`, `run` or `rollback` that
//! changed the kernel, the table as it was, kept as a `.lvs` file of
//! declarations that `apply --prune` turns back into exactly that table
//! (`lvsh rollback` does). Per namespace, root only, the last
//! [`KEPT`] kept, under `/var/lib/lvsh/history` (`LVSH_STATE_DIR` moves it).
//! The names `apply` gave services are kept beside it, for `export`.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::converge::{Desired, Live};
use crate::ipvs::{Netns, ServiceKey};

/// Where lvsh keeps its state unless `LVSH_STATE_DIR` says otherwise.
pub const STATE_DIR: &str = "/var/lib/lvsh";

/// How many entries each namespace keeps.
pub const KEPT: usize = 50;

/// The directory of lvsh's state.
pub fn state_dir() -> PathBuf {
    std::env::var_os("LVSH_STATE_DIR").map_or_else(|| PathBuf::from(STATE_DIR), PathBuf::from)
}

/// A namespace as a file name: `default` for lvsh's own, `netns-NAME`
/// for a named one, `path-...` for one given by path.
pub fn namespace_key(netns: &Netns) -> String {
    match netns {
        Netns::Current => "default".to_string(),
        Netns::Named(name) => format!("netns-{}", name.replace('/', "_")),
        Netns::Path(path) => format!("path{}", path.display().to_string().replace('/', "_")),
    }
}

/// One entry: the table before change `number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub number: u64,
    /// Seconds since the epoch, when the change was made.
    pub time: u64,
    /// What made the change: `apply web.lvs`, `run setup.lvs`, `rollback 3`.
    pub command: String,
    /// What the change did, in a few words.
    pub changes: String,
    pub path: PathBuf,
}

fn history_dir(root: &Path, netns: &Netns) -> PathBuf {
    root.join("history").join(namespace_key(netns))
}

fn private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// The entries of `netns`, oldest first.
pub fn entries(netns: &Netns) -> Vec<Entry> {
    entries_in(&state_dir(), netns)
}

fn entries_in(root: &Path, netns: &Netns) -> Vec<Entry> {
    let Ok(dir) = fs::read_dir(history_dir(root, netns)) else { return Vec::new() };
    let mut entries: Vec<Entry> = dir
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let number = name.strip_suffix(".lvs")?.parse().ok()?;
            read_header(number, &e.path())
        })
        .collect();
    entries.sort_by_key(|e| e.number);
    entries
}

/// Reads an entry's header: the comment lines `# time:`, `# command:`, `# changes:`.
fn read_header(number: u64, path: &Path) -> Option<Entry> {
    let text = fs::read_to_string(path).ok()?;
    let field = |name: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("# {name}: ")).map(str::to_string))
    };
    Some(Entry {
        number,
        time: field("time")?.parse().ok()?,
        command: field("command").unwrap_or_default(),
        changes: field("changes").unwrap_or_default(),
        path: path.to_path_buf(),
    })
}

/// Keeps `before` (exported as declarations, `export` its text) as the
/// next entry of `netns`; the oldest go beyond [`KEPT`].
pub fn record(netns: &Netns, export: &str, command: &str, changes: &str) -> io::Result<Entry> {
    record_in(&state_dir(), netns, export, command, changes)
}

fn record_in(root: &Path, netns: &Netns, export: &str, command: &str, changes: &str) -> io::Result<Entry> {
    let dir = history_dir(root, netns);
    private_dir(&dir)?;
    let mut number = entries_in(root, netns).last().map_or(1, |e| e.number + 1);
    let time = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // Two lvsh on one namespace may pick the same number: the file that
    // exists first keeps it, the other takes the next.
    let (path, mut file) = loop {
        let path = dir.join(format!("{number:06}.lvs"));
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && number < u64::MAX => number += 1,
            Err(e) => return Err(e),
        }
    };
    let one_line = |s: &str| s.replace('\n', " ");
    let text = format!(
        "# lvsh history {number}: the table of this namespace before the change below;\n\
         # `lvsh rollback {number}` brings it back (it is `apply --prune` of this file).\n\
         # time: {time}\n# command: {}\n# changes: {}\n{export}",
        one_line(command),
        one_line(changes)
    );
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    let all = entries_in(root, netns);
    for old in all.iter().take(all.len().saturating_sub(KEPT)) {
        let _ = fs::remove_file(&old.path);
    }
    Ok(Entry { number, time, command: one_line(command), changes: one_line(changes), path })
}

fn names_file(netns: &Netns) -> PathBuf {
    state_dir().join("names").join(namespace_key(netns))
}

/// The names `apply` last gave the services of `netns`.
pub fn names(netns: &Netns) -> BTreeMap<ServiceKey, String> {
    let Ok(text) = fs::read_to_string(names_file(netns)) else { return BTreeMap::new() };
    let mut names = BTreeMap::new();
    for line in text.lines() {
        let Some((name, key)) = line.split_once(' ') else { continue };
        if let Some(key) = crate::lang::parse::service_key_text(key) {
            names.insert(key, name.to_string());
        }
    }
    names
}

/// Keeps the names `desired` gives services, over those kept before for
/// other services; a service that lost its name in the files loses it here.
pub fn remember_names(netns: &Netns, desired: &Desired, live: &Live) -> io::Result<()> {
    let mut names = names(netns);
    for service in &desired.services {
        match &service.name {
            Some(name) => names.insert(service.service.key, name.clone()),
            None => names.remove(&service.service.key),
        };
    }
    // A name belongs to one service: the newest declaration keeps it.
    let declared: BTreeMap<&String, ServiceKey> =
        desired.services.iter().filter_map(|s| s.name.as_ref().map(|n| (n, s.service.key))).collect();
    names.retain(|key, name| declared.get(name).is_none_or(|k| k == key));
    // Services gone from the kernel (and not declared) forget their names.
    let known: HashSet<ServiceKey> = desired
        .services
        .iter()
        .map(|s| s.service.key)
        .chain(live.services.iter().map(|s| s.service().key))
        .collect();
    names.retain(|key, _| known.contains(key));
    let path = names_file(netns);
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let text: String = names.iter().map(|(key, name)| format!("{name} {key}\n")).collect();
    let temp = path.with_extension(format!("new-{}", std::process::id()));
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    fs::rename(&temp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_namespace_keeps_its_last_fifty_changes_numbered_on() {
        let root = std::env::temp_dir().join(format!("lvsh-history-{}", std::process::id()));
        let gw = Netns::Named("gw".into());
        for n in 1..=55 {
            let entry = record_in(
                &root,
                &gw,
                "timeouts tcp 900 tcpfin 120 udp 300\n",
                &format!("apply v{n}.lvs"),
                "1 service added",
            )
            .unwrap();
            assert_eq!(entry.number, n);
        }
        record_in(&root, &Netns::Current, "", "run -c", "timeouts changed").unwrap();
        let kept = entries_in(&root, &gw);
        assert_eq!(kept.len(), KEPT);
        assert_eq!((kept[0].number, kept[49].number), (6, 55));
        assert_eq!(
            (kept[49].command.as_str(), kept[49].changes.as_str()),
            ("apply v55.lvs", "1 service added")
        );
        assert_eq!(entries_in(&root, &Netns::Current).len(), 1);
        let text = fs::read_to_string(&kept[49].path).unwrap();
        assert!(text.starts_with("# lvsh history 55: "), "{text}");
        assert!(text.ends_with("\ntimeouts tcp 900 tcpfin 120 udp 300\n"), "{text}");
        // A number another lvsh took meanwhile (its file not written yet) is skipped.
        let other = Netns::Named("other".into());
        record_in(&root, &other, "", "apply", "1 service added").unwrap();
        fs::write(history_dir(&root, &other).join("000002.lvs"), "").unwrap();
        assert_eq!(record_in(&root, &other, "", "apply", "nothing").unwrap().number, 3);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn namespaces_have_file_names_of_their_own() {
        assert_eq!(namespace_key(&Netns::Current), "default");
        assert_eq!(namespace_key(&Netns::Named("gw".into())), "netns-gw");
        assert_eq!(namespace_key(&Netns::Path("/proc/1/ns/net".into())), "path_proc_1_ns_net");
    }
}
