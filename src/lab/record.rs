//! What `lab up` made: the record that lets `lab up` and `lab down` touch
//! only the lab's own namespaces, never one of the same name that someone
//! else made.
//!
//! Each lab (one per prefix) has its record in [`SYSTEM_DIR`]:
//! `/run/lvsh/lab.json` for the unprefixed lab, `/run/lvsh/lab-PREFIX.json`
//! otherwise. The directory is root's alone (0700, and lvsh refuses one that
//! another user owns or may write), and `/run` is emptied at boot, so a
//! record never outlives the namespaces it names; the boot id inside is
//! checked anyway, and a record of another boot counts as no record.
//!
//! ```json
//! {"marker": "made by lvsh's `lab up`", "version": 1, "prefix": "t1-",
//!  "boot": "<boot id>", "namespaces": {"t1-gw": {"dev": 4, "ino": 4026532281, "cookie": 4097}}}
//! ```
//!
//! A namespace is identified by its file's device and inode (what `ip netns
//! pids` compares) and by its cookie (`SO_NETNS_COOKIE`): the kernel may
//! give a new namespace the inode number of a deleted one, but never its
//! cookie, so a namespace deleted and made again behind lvsh's back never
//! matches. `lab.lock` (`lab-PREFIX.lock`) beside the record keeps two lvsh
//! from building or removing the same lab at once.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where the records of labs are kept.
pub const SYSTEM_DIR: &str = "/run/lvsh";

/// The text that marks a record as lvsh's.
const MARKER: &str = "made by lvsh's `lab up`";
const VERSION: u64 = 1;

/// Where the kernel names the current boot.
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// Who a network namespace is: stable while it exists, never the same for
/// one made later (the cookie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// The device and inode of its nsfs file (`/run/netns/NAME`).
    pub dev: u64,
    pub ino: u64,
    /// The kernel's cookie for the namespace, unique for the boot.
    pub cookie: u64,
}

/// Why a namespace of the lab's name is not the lab's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Foreign {
    /// The record does not name it: lvsh did not make it (or an interrupted
    /// `lab up` made it and stopped before it could write it down).
    Unrecorded,
    /// The record names another namespace of that name: this one was made
    /// after lvsh's was deleted.
    Replaced,
    /// Its identity cannot be read (it is not a namespace, or cannot be entered).
    Unreadable(String),
}

/// What a name of the lab is now, by the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No namespace has the name.
    Absent,
    /// The namespace lvsh made is there.
    Ours,
    /// A namespace lvsh did not make has the name.
    Foreign(Foreign),
}

/// The namespaces one lab's `lab up` made, with their identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub prefix: String,
    /// The boot it was made in.
    pub boot: String,
    namespaces: BTreeMap<String, Identity>,
}

impl Record {
    /// A record of nothing yet.
    pub fn new(prefix: &str, boot: &str) -> Record {
        Record { prefix: prefix.to_string(), boot: boot.to_string(), namespaces: BTreeMap::new() }
    }

    /// Whether the namespace called `name`, which has identity `now`
    /// (`None`: there is none), is the one lvsh made.
    pub fn verdict(&self, name: &str, now: Option<Identity>) -> Verdict {
        match (now, self.namespaces.get(name)) {
            (None, _) => Verdict::Absent,
            (Some(now), Some(made)) if now == *made => Verdict::Ours,
            (Some(_), Some(_)) => Verdict::Foreign(Foreign::Replaced),
            (Some(_), None) => Verdict::Foreign(Foreign::Unrecorded),
        }
    }

    /// Notes a namespace lvsh just made.
    pub fn insert(&mut self, name: &str, identity: Identity) {
        self.namespaces.insert(name.to_string(), identity);
    }

    /// Forgets a namespace that is gone.
    pub fn remove(&mut self, name: &str) {
        self.namespaces.remove(name);
    }

    /// The names it holds, sorted.
    pub fn names(&self) -> Vec<String> {
        self.namespaces.keys().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty()
    }

    fn to_json(&self) -> Value {
        let namespaces: serde_json::Map<String, Value> = self
            .namespaces
            .iter()
            .map(|(name, id)| (name.clone(), json!({"dev": id.dev, "ino": id.ino, "cookie": id.cookie})))
            .collect();
        json!({
            "marker": MARKER,
            "version": VERSION,
            "prefix": self.prefix,
            "boot": self.boot,
            "namespaces": namespaces,
        })
    }

    /// The record in `text`; `Err` says what is wrong with it.
    fn from_json(text: &str) -> Result<Record, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if value["marker"] != MARKER || value["version"] != VERSION {
            return Err(format!("it is not a version-{VERSION} lab record of lvsh"));
        }
        let text_of = |key: &str| value[key].as_str().map(str::to_string).ok_or(format!("no `{key}`"));
        let mut record = Record::new(&text_of("prefix")?, &text_of("boot")?);
        let namespaces = value["namespaces"].as_object().ok_or("no `namespaces`")?;
        for (name, id) in namespaces {
            let number = |key: &str| id[key].as_u64().ok_or(format!("`{name}` has no `{key}`"));
            record.insert(
                name,
                Identity { dev: number("dev")?, ino: number("ino")?, cookie: number("cookie")? },
            );
        }
        Ok(record)
    }
}

/// Why the record could not be read, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the lab prefix `{0}` cannot name namespaces: it holds a `/` or a NUL")]
    BadPrefix(String),
    #[error("cannot {action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error("{path} is not lvsh's to trust: {why}")]
    Unsafe { path: PathBuf, why: String },
    #[error("the lab record {path} cannot be read: {why}")]
    Corrupt { path: PathBuf, why: String },
    #[error("another lvsh is building or removing this lab (it holds {path})")]
    Busy { path: PathBuf },
}

impl RecordError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            RecordError::BadPrefix(_) => "choose a prefix of letters, digits, `-` and `_`".to_string(),
            RecordError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied => {
                "building or removing a lab needs root: run lvsh with sudo".to_string()
            }
            RecordError::Io { .. } => format!("check that {SYSTEM_DIR} can be written"),
            RecordError::Unsafe { path, .. } => {
                format!("remove {} (as root), and lvsh makes it again, root's alone", path.display())
            }
            RecordError::Corrupt { path, .. } => format!(
                "the namespaces it named are now foreign to lvsh: remove them with `ip netns del`, \
                 then remove {}",
                path.display()
            ),
            RecordError::Busy { .. } => "wait until the other lvsh's `lab up` or `lab down` ends".to_string(),
        }
    }
}

/// The directory that holds the records.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// The lab's lock, held until dropped (closing the file releases it).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Store {
    /// The records of this machine, in [`SYSTEM_DIR`].
    pub fn system() -> Store {
        Store::at(SYSTEM_DIR)
    }

    /// Records kept in `dir` (tests use a directory of their own).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The record's file for the lab under `prefix`.
    pub fn path(&self, prefix: &str) -> Result<PathBuf, RecordError> {
        self.file(prefix, "json")
    }

    fn file(&self, prefix: &str, ext: &str) -> Result<PathBuf, RecordError> {
        if prefix.contains(['/', '\0']) {
            return Err(RecordError::BadPrefix(prefix.to_string()));
        }
        Ok(match prefix {
            "" => self.dir.join(format!("lab.{ext}")),
            p => self.dir.join(format!("lab-{p}.{ext}")),
        })
    }

    /// Takes the lab's lock, waiting up to `wait` for another lvsh to let go.
    pub fn lock(&self, prefix: &str, wait: Duration) -> Result<Lock, RecordError> {
        self.make_dir()?;
        let path = self.file(prefix, "lock")?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| RecordError::Io { action: "open", path: path.clone(), source })?;
        let deadline = Instant::now() + wait;
        loop {
            // SAFETY: flock only reads the descriptor, which `file` keeps open.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Lock { _file: file });
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::WouldBlock {
                return Err(RecordError::Io { action: "lock", path, source: error });
            }
            if Instant::now() >= deadline {
                return Err(RecordError::Busy { path });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The lab's record, or an empty one when there is none or it is from
    /// another boot than `boot`.
    pub fn load(&self, prefix: &str, boot: &str) -> Result<Record, RecordError> {
        let path = self.path(prefix)?;
        self.trusted_dir()?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Record::new(prefix, boot)),
            Err(source) => return Err(RecordError::Io { action: "read", path, source }),
        };
        let record =
            Record::from_json(&text).map_err(|why| RecordError::Corrupt { path: path.clone(), why })?;
        if record.prefix != prefix {
            let why = format!("it is the record of prefix `{}`", record.prefix);
            return Err(RecordError::Corrupt { path, why });
        }
        match record.boot == boot {
            true => Ok(record),
            false => Ok(Record::new(prefix, boot)),
        }
    }

    /// Writes the record (whole, by rename, so a reader never sees half of
    /// it); an empty record removes the file.
    pub fn save(&self, record: &Record) -> Result<(), RecordError> {
        let path = self.path(&record.prefix)?;
        if record.is_empty() {
            return match fs::remove_file(&path) {
                Err(source) if source.kind() != io::ErrorKind::NotFound => {
                    Err(RecordError::Io { action: "remove", path, source })
                }
                _ => Ok(()),
            };
        }
        self.make_dir()?;
        let fresh = path.with_extension("json.new");
        let text = record.to_json().to_string() + "\n";
        let write = || -> io::Result<()> {
            let mut file =
                OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(&fresh)?;
            io::Write::write_all(&mut file, text.as_bytes())?;
            fs::rename(&fresh, &path)
        };
        write().map_err(|source| RecordError::Io { action: "write", path, source })
    }

    /// Makes the directory, root's alone, if it is not there; refuses one
    /// that someone else could have written.
    fn make_dir(&self) -> Result<(), RecordError> {
        match fs::DirBuilder::new().mode(0o700).create(&self.dir) {
            Err(source) if source.kind() != io::ErrorKind::AlreadyExists => {
                return Err(RecordError::Io { action: "create", path: self.dir.clone(), source });
            }
            _ => {}
        }
        self.trusted_dir()
    }

    /// Checks that the directory, if it exists, is a real directory of
    /// lvsh's own user that no one else may write.
    fn trusted_dir(&self) -> Result<(), RecordError> {
        let meta = match fs::symlink_metadata(&self.dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(RecordError::Io { action: "read", path: self.dir.clone(), source }),
        };
        let unsafe_dir = |why: String| Err(RecordError::Unsafe { path: self.dir.clone(), why });
        // SAFETY: geteuid cannot fail.
        let me = unsafe { libc::geteuid() };
        if !meta.is_dir() {
            return unsafe_dir("it is not a directory".to_string());
        }
        if meta.uid() != me {
            return unsafe_dir(format!("it belongs to user {}, not to {me}", meta.uid()));
        }
        if meta.mode() & 0o022 != 0 {
            return unsafe_dir(format!("others may write it (mode {:o})", meta.mode() & 0o7777));
        }
        Ok(())
    }
}

/// The current boot's id ("" if the kernel does not say).
pub fn boot_id() -> String {
    fs::read_to_string(BOOT_ID).map(|id| id.trim().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A store in a fresh directory under the temp dir, removed when dropped.
    struct TempStore {
        root: PathBuf,
        store: Store,
    }

    impl TempStore {
        fn new() -> TempStore {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            let root = std::env::temp_dir().join(format!("lvsh-record-{}-{n}", std::process::id()));
            fs::create_dir_all(&root).unwrap();
            let store = Store::at(root.join("lvsh"));
            TempStore { root, store }
        }
    }

    impl Drop for TempStore {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    const GW: Identity = Identity { dev: 4, ino: 4026532281, cookie: 4097 };
    const LAN: Identity = Identity { dev: 4, ino: 4026532345, cookie: 4096 };

    #[test]
    fn a_saved_record_reads_back_the_same_and_judges_alike() {
        let t = TempStore::new();
        let mut record = Record::new("t1-", "boot-a");
        record.insert("t1-gw", GW);
        record.insert("t1-lan", LAN);
        t.store.save(&record).unwrap();
        let path = t.store.path("t1-").unwrap();
        assert_eq!(path, t.root.join("lvsh/lab-t1-.json"));
        let back = t.store.load("t1-", "boot-a").unwrap();
        assert_eq!(back, record);
        assert_eq!(back.verdict("t1-gw", Some(GW)), Verdict::Ours);
        assert_eq!(back.names(), ["t1-gw", "t1-lan"]);
        // Root's alone: the directory and the file.
        assert_eq!(fs::metadata(t.root.join("lvsh")).unwrap().mode() & 0o777, 0o700);
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"marker\":\"made by lvsh's `lab up`\""), "{text}");
    }

    #[test]
    fn only_the_namespace_lvsh_made_is_ours() {
        let mut record = Record::new("", "boot-a");
        record.insert("gw", GW);
        assert_eq!(record.verdict("gw", Some(GW)), Verdict::Ours);
        assert_eq!(record.verdict("gw", None), Verdict::Absent);
        assert_eq!(record.verdict("int1", None), Verdict::Absent);
        assert_eq!(record.verdict("int1", Some(LAN)), Verdict::Foreign(Foreign::Unrecorded));
        // Made again after a delete: the kernel may reuse the inode, never the cookie.
        let again = Identity { cookie: 5000, ..GW };
        assert_eq!(record.verdict("gw", Some(again)), Verdict::Foreign(Foreign::Replaced));
        let elsewhere = Identity { ino: 4026532999, ..GW };
        assert_eq!(record.verdict("gw", Some(elsewhere)), Verdict::Foreign(Foreign::Replaced));
        record.remove("gw");
        assert_eq!(record.verdict("gw", Some(GW)), Verdict::Foreign(Foreign::Unrecorded));
    }

    #[test]
    fn no_record_or_one_of_another_boot_owns_nothing() {
        let t = TempStore::new();
        assert_eq!(t.store.load("", "boot-a").unwrap(), Record::new("", "boot-a"));
        let mut record = Record::new("", "boot-a");
        record.insert("gw", GW);
        t.store.save(&record).unwrap();
        assert_eq!(t.store.path("").unwrap(), t.root.join("lvsh/lab.json"));
        let later = t.store.load("", "boot-b").unwrap();
        assert_eq!(later.verdict("gw", Some(GW)), Verdict::Foreign(Foreign::Unrecorded));
    }

    #[test]
    fn an_empty_record_removes_its_file() {
        let t = TempStore::new();
        let mut record = Record::new("t2-", "boot-a");
        record.insert("t2-gw", GW);
        t.store.save(&record).unwrap();
        assert!(t.store.path("t2-").unwrap().exists());
        record.remove("t2-gw");
        t.store.save(&record).unwrap();
        assert!(!t.store.path("t2-").unwrap().exists());
        t.store.save(&record).unwrap();
    }

    #[test]
    fn a_record_that_does_not_read_is_an_error_naming_the_file() {
        let t = TempStore::new();
        t.store
            .save(&{
                let mut r = Record::new("t3-", "boot-a");
                r.insert("t3-gw", GW);
                r
            })
            .unwrap();
        let path = t.store.path("t3-").unwrap();
        for (text, why) in [
            ("{", "EOF while parsing"),
            ("{\"version\": 1}", "not a version-1 lab record"),
            (
                "{\"marker\": \"made by lvsh's `lab up`\", \"version\": 1, \"prefix\": \"t3-\", \"boot\": \"b\", \
                 \"namespaces\": {\"t3-gw\": {\"dev\": 4}}}",
                "`t3-gw` has no `ino`",
            ),
            (
                "{\"marker\": \"made by lvsh's `lab up`\", \"version\": 1, \"prefix\": \"x-\", \"boot\": \"b\", \
                 \"namespaces\": {}}",
                "the record of prefix `x-`",
            ),
        ] {
            fs::write(&path, text).unwrap();
            let err = t.store.load("t3-", "boot-a").unwrap_err().to_string();
            assert!(err.starts_with(&format!("the lab record {} cannot be read: ", path.display())), "{err}");
            assert!(err.contains(why), "{why} in {err}");
        }
    }

    #[test]
    fn a_prefix_that_would_leave_the_directory_is_refused() {
        let store = Store::at("/nonexistent");
        let err = store.path("../x").unwrap_err();
        assert_eq!(err.to_string(), "the lab prefix `../x` cannot name namespaces: it holds a `/` or a NUL");
    }

    #[test]
    fn a_directory_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let t = TempStore::new();
        let dir = t.root.join("lvsh");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let err = t.store.load("", "boot-a").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{} is not lvsh's to trust: others may write it (mode 777)", dir.display())
        );
        assert!(t
            .store
            .save(&{
                let mut r = Record::new("", "b");
                r.insert("gw", GW);
                r
            })
            .is_err());
    }

    #[test]
    fn one_lvsh_at_a_time_holds_a_labs_lock() {
        let t = TempStore::new();
        let held = t.store.lock("t4-", Duration::ZERO).unwrap();
        let err = t.store.lock("t4-", Duration::from_millis(100)).unwrap_err();
        assert!(err.to_string().starts_with("another lvsh is building or removing this lab"), "{err}");
        // Another lab's lock is free.
        drop(t.store.lock("t5-", Duration::ZERO).unwrap());
        drop(held);
        assert!(t.store.lock("t4-", Duration::ZERO).is_ok());
    }
}
