//! Why the lab could not be built, removed or read, with what to do.

use super::record::{Foreign, RecordError};

/// Why the lab could not be built, removed or read.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("the lab needs iproute2's `ip` command, which is not installed")]
    NoIp,
    #[error("`{command}` failed: {why}")]
    Step { command: String, why: String },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("the HA lab needs keepalived, which is not installed")]
    NoKeepalived,
    #[error(
        "the lab is up with one director: the HA lab gives gw other addresses, so it cannot be added to"
    )]
    NotPair,
    #[error("`lab failover` needs the HA lab, with two directors")]
    NotHa,
    #[error("no director holds the lab's floating addresses: VRRP has no master to fail over from")]
    NoMaster,
    /// Namespaces of the lab's names that lvsh did not make: `action`
    /// (`lab up`, `lab down`) left them, and their processes, alone.
    #[error("{}", refused(action, namespaces))]
    Foreign { action: &'static str, namespaces: Vec<(String, Foreign)> },
    /// `action` needs the lab up, and namespace `missing` is not there.
    #[error("`{action}` needs the lab up, and namespace `{missing}` is not there")]
    NotUp { action: &'static str, missing: String },
}

impl LabError {
    /// The diagnostic code it is reported under.
    pub fn code(&self) -> &'static str {
        match self {
            LabError::Foreign { .. } => "lvs::lab::foreign",
            _ => "lvs::lab::failed",
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            LabError::NoIp => "install it (`apt-get install iproute2`)".to_string(),
            LabError::Step { why, .. } if why.contains("Operation not permitted") => {
                "building a lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): run lvsh with sudo".to_string()
            }
            LabError::Step { .. } => {
                "run `lab status` to see what is there, or `lab down` to start over".to_string()
            }
            LabError::Record(e) => e.help(),
            LabError::NoKeepalived => "install it (`apt-get install keepalived`)".to_string(),
            LabError::NotPair | LabError::NotHa => "`lab down`, then `lab up ha`".to_string(),
            LabError::NoMaster => {
                "`lab status` shows each director's keepalived; `lab up ha` starts any that stopped"
                    .to_string()
            }
            LabError::NotUp { .. } => "bring it up first with `lab up`".to_string(),
            LabError::Foreign { action, namespaces } => {
                let first = namespaces.first().map_or("NAME", |(name, _)| name.as_str());
                let remove = format!(
                    "if it should go, remove it yourself: `ip netns pids {first}` shows what runs in it, \
                     `ip netns del {first}` deletes it"
                );
                match *action {
                    "lab up" => format!(
                        "{remove}; or build the lab beside it under another prefix (`lab up prefix P`)"
                    ),
                    _ => remove,
                }
            }
        }
    }
}

/// "`lab down` refused namespace `gw` (lvsh did not make it): ..."
fn refused(action: &str, namespaces: &[(String, Foreign)]) -> String {
    let list: Vec<String> =
        namespaces.iter().map(|(name, why)| format!("`{name}` ({})", reason(why))).collect();
    let (noun, them) = match namespaces.len() {
        1 => ("namespace", "it"),
        _ => ("namespaces", "them"),
    };
    format!(
        "`{action}` refused {noun} {}: lvsh leaves {them}, and what runs in {them}, alone",
        list.join(", ")
    )
}

fn reason(why: &Foreign) -> String {
    match why {
        Foreign::Unrecorded => "lvsh did not make it".to_string(),
        Foreign::Replaced => {
            "it is not the one lvsh made: that one was deleted, and this one made since".to_string()
        }
        Foreign::Unreadable(e) => format!("lvsh cannot tell who made it: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_each_namespace_and_why() {
        let one =
            LabError::Foreign { action: "lab up", namespaces: vec![("gw".into(), Foreign::Unrecorded)] };
        assert_eq!(
            one.to_string(),
            "`lab up` refused namespace `gw` (lvsh did not make it): lvsh leaves it, and what runs in it, alone"
        );
        assert_eq!(one.code(), "lvs::lab::foreign");
        assert!(one.help().contains("`ip netns del gw`"), "{}", one.help());
        assert!(one.help().ends_with("(`lab up prefix P`)"), "{}", one.help());
        let two = LabError::Foreign {
            action: "lab down",
            namespaces: vec![("t1-gw".into(), Foreign::Replaced), ("t1-lan".into(), Foreign::Unrecorded)],
        };
        assert_eq!(
            two.to_string(),
            "`lab down` refused namespaces `t1-gw` (it is not the one lvsh made: that one was deleted, and this \
             one made since), `t1-lan` (lvsh did not make it): lvsh leaves them, and what runs in them, alone"
        );
        assert!(two.help().contains("`ip netns pids t1-gw`"), "{}", two.help());
        assert_eq!(LabError::NoIp.code(), "lvs::lab::failed");
    }
}
