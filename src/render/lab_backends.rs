//! The words of `lab backends`: each step as `--explain` shows it, and
//! what the backends are set up for after it.

use crate::lab::backends::{Step, EXT_PORTS, VIP};
use crate::lab::build::Done;
use crate::lang::ast::BackendMethod;

/// One step as `--explain` shows it: `+` ran, `=` was done already.
pub fn explained(step: &Step, done: Done) -> String {
    match done {
        Done::Already if step.is_removal() => format!("= {step}   (already gone)\n"),
        Done::Already if step.is_setting() => format!("= {step}   (already so)\n"),
        Done::Already => format!("= {step}   (already there)\n"),
        Done::Made | Done::LeftAlone => format!("+ {step}\n"),
    }
}

/// After `lab backends METHOD`: how the backends stand, and whether that took changes.
pub fn summary(method: BackendMethod, made: usize) -> String {
    let nodes: Vec<&str> = EXT_PORTS.iter().map(|(node, _)| *node).collect();
    let ports: Vec<String> = EXT_PORTS.iter().map(|(node, p)| format!("{node} {}", p.addr)).collect();
    let holder = match method {
        BackendMethod::Route => "lo",
        _ => "tunl0",
    };
    let what = match method {
        BackendMethod::Masq => "are as `lab up` made them: replies go back through gw".to_string(),
        _ => format!(
            "hold the VIP {VIP} on {holder}, answer no ARP for it, and reply to the clients by ports of their own on ext ({})",
            ports.join(", ")
        ),
    };
    let done = match made {
        0 => "(already so)".to_string(),
        1 => "(1 change)".to_string(),
        n => format!("({n} changes)"),
    };
    format!("lab backends {}: {} {what} {done}\n", method.word(), nodes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_where_the_vip_is_and_whether_anything_changed() {
        assert_eq!(
            summary(BackendMethod::Route, 16),
            "lab backends route: int1 int2 hold the VIP 111.111.0.1 on lo, answer no ARP for it, and reply to the \
             clients by ports of their own on ext (int1 111.111.0.12, int2 111.111.0.13) (16 changes)\n"
        );
        assert_eq!(
            summary(BackendMethod::Masq, 0),
            "lab backends masq: int1 int2 are as `lab up` made them: replies go back through gw (already so)\n"
        );
        assert!(
            summary(BackendMethod::Tunnel, 1).contains(" on tunl0, ")
                && summary(BackendMethod::Tunnel, 1).ends_with("(1 change)\n")
        );
    }

    #[test]
    fn a_step_done_already_says_how() {
        let add = Step::Add(vec!["-n".into(), "int1".into(), "addr".into()]);
        assert_eq!(explained(&add, Done::Made), "+ ip -n int1 addr\n");
        assert_eq!(explained(&add, Done::Already), "= ip -n int1 addr   (already there)\n");
        let remove = Step::Remove(vec!["link".into()]);
        assert_eq!(explained(&remove, Done::Already), "= ip link   (already gone)\n");
        let sysctl = Step::Sysctl { ns: "int1".into(), key: "arp_ignore", value: 1 };
        assert_eq!(
            explained(&sysctl, Done::Already),
            "= ip netns exec int1 sysctl -w net.ipv4.conf.all.arp_ignore=1   (already so)\n"
        );
    }
}
