//! Network namespaces: lvsh can act on the IPVS of another namespace, given
//! by name (`/var/run/netns/NAME`, as `ip netns` keeps them) or by path.

use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::error::KernelError;

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/var/run/netns";

/// The network namespace lvsh acts in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Netns {
    /// The namespace lvsh runs in.
    #[default]
    Current,
    /// A name under `/var/run/netns`.
    Named(String),
    /// Any namespace file, e.g. `/proc/1234/ns/net`.
    Path(PathBuf),
}

impl Netns {
    /// A name, or a path when the text holds a `/`.
    pub fn parse(text: &str) -> Netns {
        if text.contains('/') {
            Netns::Path(PathBuf::from(text))
        } else {
            Netns::Named(text.to_string())
        }
    }

    /// The namespace file, `None` for the current namespace.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Netns::Current => None,
            Netns::Named(name) => Some(Path::new(NETNS_DIR).join(name)),
            Netns::Path(path) => Some(path.clone()),
        }
    }

    /// Runs `f` on a thread that has entered the namespace.
    ///
    /// Sockets and `/proc/thread-self/net` files opened by `f` belong to the
    /// namespace for their whole life; the calling thread never moves.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, KernelError> {
        let Some(path) = self.path() else { return Ok(f()) };
        let file = File::open(&path).map_err(|source| self.open_error(&path, source))?;
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                // SAFETY: setns only reads the descriptor, which `file` keeps open.
                let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                if rc != 0 {
                    return Err(self.enter_error(&path, io::Error::last_os_error()));
                }
                Ok(f())
            });
            worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn open_error(&self, path: &Path, source: io::Error) -> KernelError {
        match (self, source.kind()) {
            (Netns::Named(name), io::ErrorKind::NotFound) => {
                KernelError::NoSuchNamespace { name: name.clone(), path: path.to_path_buf() }
            }
            _ => KernelError::Namespace { path: path.to_path_buf(), source },
        }
    }

    fn enter_error(&self, path: &Path, source: io::Error) -> KernelError {
        match source.raw_os_error() {
            Some(libc::EPERM) => KernelError::PermissionDenied { action: "enter another namespace's" },
            _ => KernelError::Namespace { path: path.to_path_buf(), source },
        }
    }
}

/// The name as the user gave it: `gw`, `/proc/1/ns/net`, or `current`.
impl fmt::Display for Netns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Netns::Current => f.write_str("current"),
            Netns::Named(name) => f.write_str(name),
            Netns::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_a_name_and_a_slash_makes_a_path() {
        assert_eq!(Netns::parse("gw").path(), Some(PathBuf::from("/var/run/netns/gw")));
        assert_eq!(Netns::parse("/proc/1/ns/net"), Netns::Path(PathBuf::from("/proc/1/ns/net")));
    }

    #[test]
    fn a_missing_named_namespace_says_how_to_create_it() {
        let err = Netns::parse("lvsh-no-such-ns").run(|| ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no network namespace `lvsh-no-such-ns` (/var/run/netns/lvsh-no-such-ns)"
        );
        assert_eq!(
            err.help().as_deref(),
            Some("create it with `ip netns add lvsh-no-such-ns`, or list them with `ip netns`")
        );
    }
}
