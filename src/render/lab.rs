//! The lab's words: `lab up --explain` lines, summaries, `lab status`,
//! `jobs` and a job's output.

use super::words::plural;
use crate::lab::build::DirectorStatus;
use crate::lab::build::{Done, Status};
use crate::lab::plan::Step;
use crate::lab::Lab;
use crate::node::jobs::JobInfo;

/// One step as `--explain` shows it: `+` ran, `=` was already there, `!`
/// was not run on a namespace lvsh did not make.
pub fn explained(step: &Step, done: Done) -> String {
    match done {
        Done::Made => format!("+ {step}\n"),
        Done::Already if matches!(step, Step::DelNetns(_)) => format!("= {step}   (already gone)\n"),
        Done::Already => format!("= {step}   (already there)\n"),
        Done::LeftAlone => format!("! {step}   (not made by lvsh: left alone)\n"),
    }
}

/// After `lab up`.
pub fn up_summary(lab: &Lab, made: usize) -> String {
    let names: Vec<String> = lab.nodes().iter().map(|n| lab.ns_name(n.name)).collect();
    match made {
        0 => format!("lab is already up: {}\n", names.join(" ")),
        n => format!("lab up: {} ({n} pieces made)\n", names.join(" ")),
    }
}

/// After `lab failover`.
pub fn failover(done: &crate::lab::build::Failover) -> String {
    let addresses: Vec<String> = crate::lab::ha::FLOATING.iter().map(|f| f.addr.to_string()).collect();
    let addresses = addresses.join(" and ");
    let pids: Vec<String> = done.keepalived.iter().map(i32::to_string).collect();
    let mut out = format!(
        "stopped keepalived on {} (pid {}): its VRRP master steps down\n",
        done.from,
        pids.join(", ")
    );
    out += &match done.to {
        Some((to, took)) => format!(
            "VRRP moved {addresses} to {to} in {:.1}s; `lab up ha` starts gw's keepalived again\n",
            took.as_secs_f64()
        ),
        None => format!("VRRP has not moved {addresses} yet: `lab status` shows who holds them\n"),
    };
    out
}

/// After `lab down`.
pub fn down_summary(removed: usize, jobs: usize) -> String {
    let jobs = match jobs {
        0 => String::new(),
        n => format!(", stopped {}", plural(n, "job")),
    };
    match removed {
        0 => format!("lab is already down{jobs}\n"),
        n => format!("lab down: removed {}{jobs}\n", plural(n, "namespace")),
    }
}

/// `lab status`: each node with its addresses and what runs in it, the
/// bridges with their ports, and whose IPVS lvsh acts on.
pub fn status(status: &Status, jobs: &[JobInfo], acting_on: Option<&str>) -> String {
    let state = match (status.is_up(), status.is_down()) {
        (true, _) => "up",
        (_, true) => "down",
        _ => "partly up (`lab up` completes it, `lab down` removes it)",
    };
    let prefix = match status.prefix.as_str() {
        "" => String::new(),
        p => format!(" (prefix {p})"),
    };
    let mut out = format!("lab{prefix}: {state}\n");
    if status.is_down() {
        return out;
    }
    let width = status.nodes.iter().map(|n| n.namespace.len()).max().unwrap_or(4).max(4);
    let addresses: Vec<String> = status
        .nodes
        .iter()
        .map(|n| match n.present {
            true => n.addresses.join(", "),
            false => "(missing)".to_string(),
        })
        .collect();
    let a_width = addresses.iter().map(String::len).max().unwrap_or(9).max(9);
    out += &format!("  {:<width$}  {:<16} {:<a_width$}  runs\n", "node", "role", "addresses");
    for (node, addresses) in status.nodes.iter().zip(&addresses) {
        let mut runs: Vec<String> = node
            .processes
            .iter()
            .map(|(pid, cmd)| {
                let job = jobs.iter().find(|j| j.pid == *pid);
                match job {
                    Some(j) => format!("[{}] {} (pid {pid})", j.id, j.command),
                    None => format!("{} (pid {pid})", short(cmd)),
                }
            })
            .collect();
        if acting_on == Some(node.name) {
            runs.insert(0, "lvsh acts on its IPVS".to_string());
        }
        let runs = if runs.is_empty() { "-".to_string() } else { runs.join("; ") };
        out += &format!("  {:<width$}  {:<16} {addresses:<a_width$}  {runs}\n", node.namespace, node.role);
    }
    for (bridge, members) in &status.bridges {
        out += &format!("  bridge {bridge}: {}\n", members.join(" "));
    }
    if !status.foreign.is_empty() {
        out += &format!(
            "  not made by lvsh: {} (`lab up` and `lab down` leave them alone)\n",
            status.foreign.join(" ")
        );
    }
    out += &pair(&status.pair);
    out
}

/// `lab status --json` (schema/lab-status.schema.json).
pub fn status_json(status: &Status, jobs: &[JobInfo], acting_on: Option<&str>) -> String {
    use serde_json::json;
    let state = match (status.is_up(), status.is_down()) {
        (true, _) => "up",
        (_, true) => "down",
        _ => "partly up",
    };
    let nodes: Vec<serde_json::Value> = status
        .nodes
        .iter()
        .map(|n| {
            let processes: Vec<serde_json::Value> = n
                .processes
                .iter()
                .map(|(pid, cmd)| {
                    let job = jobs.iter().find(|j| j.pid == *pid).map(|j| j.id);
                    json!({ "pid": pid, "command": cmd, "job": job })
                })
                .collect();
            json!({
                "name": n.name, "namespace": n.namespace, "role": n.role, "present": n.present,
                "addresses": n.addresses, "processes": processes, "acted_on": acting_on == Some(n.name),
            })
        })
        .collect();
    let bridges: Vec<serde_json::Value> =
        status.bridges.iter().map(|(name, members)| json!({ "name": name, "members": members })).collect();
    let pair: Vec<serde_json::Value> = status
        .pair
        .iter()
        .map(|d| {
            let floating: Vec<serde_json::Value> = d
                .floating
                .iter()
                .map(|(f, state, holds)| {
                    json!({
                        "address": f.addr.to_string(), "prefix_len": f.prefix_len, "interface": f.iface,
                        "vrrp": state.map(|s| s.name()), "holds": holds,
                    })
                })
                .collect();
            let daemons: Vec<serde_json::Value> = d
                .daemons
                .iter()
                .map(|x| json!({ "state": x.state.to_string(), "interface": x.interface, "sync_id": x.sync_id }))
                .collect();
            json!({ "director": d.name, "keepalived": d.keepalived, "floating": floating, "daemons": daemons })
        })
        .collect();
    let value = json!({
        "prefix": status.prefix, "state": state, "nodes": nodes, "bridges": bridges,
        "foreign": status.foreign, "pair": pair,
    });
    format!("{value:#}\n")
}

/// The HA pair: for each director, its keepalived, the VRRP state of each
/// floating address and whether it holds it, and its sync daemons.
fn pair(directors: &[DirectorStatus]) -> String {
    let Some(first) = directors.first() else { return String::new() };
    let mut rows = vec![std::iter::once("director".to_string())
        .chain(std::iter::once("keepalived".to_string()))
        .chain(first.floating.iter().map(|(f, _, _)| format!("{} ({})", f.addr, f.iface)))
        .chain(std::iter::once("sync daemons".to_string()))
        .collect::<Vec<String>>()];
    for d in directors {
        let mut row = vec![d.name.to_string()];
        row.push(d.keepalived.map_or("not running".to_string(), |pid| format!("pid {pid}")));
        for (_, state, holds) in &d.floating {
            let state = state.map_or("-", |s| s.name());
            row.push(match holds {
                true => format!("{state}, holds it"),
                false => state.to_string(),
            });
        }
        let daemons: Vec<String> = d
            .daemons
            .iter()
            .map(|x| format!("{} ({}, syncid {})", x.state, x.interface, x.sync_id))
            .collect();
        row.push(match daemons.is_empty() {
            true => "none".to_string(),
            false => daemons.join(", "),
        });
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, String::len)).max().unwrap_or(0))
        .collect();
    let mut out =
        "  HA pair: keepalived's VRRP moves the floating addresses, IPVS sync daemons share connections\n"
            .to_string();
    for row in rows {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out += &format!("    {}\n", cells.join("  ").trim_end());
    }
    out
}

/// A command line cut to a readable length.
fn short(cmd: &str) -> String {
    match cmd.chars().count() > 48 {
        true => format!("{}...", cmd.chars().take(45).collect::<String>()),
        false => cmd.to_string(),
    }
}

/// `jobs`: one line each.
pub fn jobs(jobs: &[JobInfo]) -> String {
    if jobs.is_empty() {
        return "no jobs (start one with `NODE CMD &` or `serve NODE PORT`)\n".to_string();
    }
    jobs.iter().map(|j| format!("{}\n", job_line(j))).collect()
}

fn job_line(j: &JobInfo) -> String {
    let state = match j.exit {
        None => "running".to_string(),
        Some(code) if code < 0 => format!("killed by signal {}", -code),
        Some(code) => format!("exited {code}"),
    };
    let lines = plural(j.output_lines, "line");
    format!("[{}] {:<16} {:<10} {}  (pid {}, {lines} of output)", j.id, state, j.node, j.command, j.pid)
}

/// `jobs --json` (schema/jobs.schema.json): each job, with its output
/// where `output` gives it (`jobs N`).
pub fn jobs_json(jobs: &[(&JobInfo, Option<String>)]) -> String {
    let jobs: Vec<serde_json::Value> = jobs
        .iter()
        .map(|(j, output)| {
            let (state, exit_code, signal) = match j.exit {
                None => ("running", None, None),
                Some(code) if code < 0 => ("killed", None, Some(-code)),
                Some(code) => ("exited", Some(code), None),
            };
            serde_json::json!({
                "id": j.id, "node": j.node, "command": j.command, "pid": j.pid, "state": state,
                "exit_code": exit_code, "signal": signal, "output_lines": j.output_lines, "output": output,
            })
        })
        .collect();
    format!("{:#}\n", serde_json::json!({ "jobs": jobs }))
}

/// `jobs N`: the job's line, then its output, indented.
pub fn job_output(j: &JobInfo, output: &str) -> String {
    let mut out = format!("{}\n", job_line(j));
    for line in output.lines() {
        out += &format!("  | {line}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::build::NodeStatus;

    fn job() -> JobInfo {
        JobInfo {
            id: 1,
            node: "int1".into(),
            command: "nc -l -p 8000 -v -k".into(),
            pid: 42,
            exit: None,
            output_lines: 2,
        }
    }

    #[test]
    fn jobs_read_as_a_list_and_output_is_indented() {
        assert_eq!(
            jobs(&[job()]),
            "[1] running          int1       nc -l -p 8000 -v -k  (pid 42, 2 lines of output)\n"
        );
        assert!(job_output(&job(), "xxx\nyyy\n").ends_with("\n  | xxx\n  | yyy\n"));
        assert!(jobs(&[]).starts_with("no jobs"));
    }

    #[test]
    fn status_shows_nodes_addresses_jobs_and_bridges() {
        let node = |name: &'static str, present: bool| NodeStatus {
            name,
            namespace: name.to_string(),
            role: "backend",
            present,
            addresses: if present { vec!["eth1 10.10.0.2/24".into()] } else { vec![] },
            processes: if name == "int1" { vec![(42, "nc -l -p 8000 -v -k".into())] } else { vec![] },
        };
        let s = Status {
            prefix: String::new(),
            nodes: vec![node("gw", true), node("int1", true), node("int2", false)],
            bridges: vec![("int".into(), vec!["gw-int".into(), "int1".into()])],
            foreign: vec!["int1".into()],
            pair: Vec::new(),
        };
        let text = status(&s, &[job()], Some("gw"));
        assert!(text.starts_with("lab: partly up"), "{text}");
        assert!(text.contains("lvsh acts on its IPVS"), "{text}");
        assert!(text.contains("[1] nc -l -p 8000 -v -k (pid 42)"), "{text}");
        assert!(text.contains("(missing)"), "{text}");
        assert!(text.contains("  bridge int: gw-int int1\n"), "{text}");
        assert!(
            text.ends_with("  not made by lvsh: int1 (`lab up` and `lab down` leave them alone)\n"),
            "{text}"
        );
    }

    #[test]
    fn the_pair_shows_each_directors_vrrp_state_and_sync_daemons() {
        use crate::ipvs::model::DaemonState;
        use crate::lab::ha::{sync_daemon, VrrpState, FLOATING};
        let director = |name, pid, state, holds| DirectorStatus {
            name,
            keepalived: pid,
            floating: FLOATING.iter().map(|f| (*f, state, holds)).collect(),
            daemons: vec![sync_daemon(DaemonState::Master), sync_daemon(DaemonState::Backup)],
        };
        let text = pair(&[
            director("gw", None, None, false),
            director("gw2", Some(7), Some(VrrpState::Master), true),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "    director  keepalived   111.111.0.1 (eth1)  10.10.0.1 (eth2)  sync daemons");
        assert_eq!(
            lines[2],
            "    gw        not running  -                   -                 \
             master (eth2, syncid 51), backup (eth2, syncid 51)"
        );
        assert!(
            lines[3].starts_with("    gw2       pid 7        MASTER, holds it    MASTER, holds it  master")
        );
        assert_eq!(pair(&[]), "");
    }

    #[test]
    fn explain_marks_what_ran_and_what_was_there() {
        let step = Step::Ip(vec!["netns".into(), "add".into(), "gw".into()]);
        assert_eq!(explained(&step, Done::Made), "+ ip netns add gw\n");
        assert_eq!(explained(&step, Done::Already), "= ip netns add gw   (already there)\n");
        let step = Step::DelNetns("gw".into());
        assert_eq!(explained(&step, Done::Already), "= ip netns del gw   (already gone)\n");
        assert_eq!(explained(&step, Done::LeftAlone), "! ip netns del gw   (not made by lvsh: left alone)\n");
    }
}
