//! `lvsh plan` and `lvsh apply`: what differs between the files and the
//! kernel, per service and backend (`+` added, `-` removed, `~` changed,
//! with each changed field), each change with its ipvsadm line.

use colored::Colorize;
use serde_json::{json, Value};

use super::ipvsadm_line::command_line;
use super::words::plural;
use crate::converge::diff::method;
use crate::converge::{BackendPlan, Changes, Field, Plan, ServicePlan};
use crate::ipvs::{Backend, BackendEntry, Op, Service, ServiceKey, Timeouts};

/// The plan as text: each change, the services left alone, and a summary.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    if let Some((old, new)) = &plan.timeouts {
        out += &format!("{} timeouts {}\n", "~".yellow(), fields(&timeout_fields(old, new)));
        out += &ipvsadm(&Op::SetTimeouts(*new), 4);
    }
    for service in &plan.services {
        out += &service_text(service);
    }
    if !plan.unmanaged.is_empty() {
        out += &format!(
            "not managed: {} the files do not declare, left as {} (`apply --prune` removes {}):\n",
            plural(plan.unmanaged.len(), "service"),
            if plan.unmanaged.len() == 1 { "it is" } else { "they are" },
            if plan.unmanaged.len() == 1 { "it" } else { "them" },
        );
        for key in &plan.unmanaged {
            out += &format!("  {key}\n");
        }
    }
    out + summary(plan).as_str()
}

/// The last line: in sync, or how many changes `apply` would make.
pub fn summary(plan: &Plan) -> String {
    if plan.in_sync() {
        return "in sync: the kernel is as the files declare\n".to_string();
    }
    let ops = crate::converge::steps(plan, false).len();
    let mut parts = Vec::new();
    for (n, what) in plan.counts().into_iter().zip(["to add", "to change", "to remove"]) {
        if n > 0 {
            parts.push(format!("{} {what}", plural(n, "service")));
        }
    }
    if plan.timeouts.is_some() {
        parts.push("the timeouts to set".to_string());
    }
    format!("changes pending: {}; {} in one transaction\n", parts.join(", "), plural(ops, "kernel operation"))
}

/// What a plan changes in a few words, for the history: `1 service
/// added, 2 changed`, `timeouts changed`.
pub fn tally(changes: &Changes) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (n, what) in changes.services.into_iter().zip(["added", "changed", "removed"]).filter(|(n, _)| *n > 0)
    {
        match parts.is_empty() {
            true => parts.push(format!("{} {what}", plural(n, "service"))),
            false => parts.push(format!("{n} {what}")),
        }
    }
    if changes.timeouts {
        parts.push("timeouts changed".to_string());
    }
    match parts.is_empty() {
        true => "nothing".to_string(),
        false => parts.join(", "),
    }
}

fn service_text(plan: &ServicePlan) -> String {
    let key = plan.key();
    let title = |name: Option<&str>| match name {
        Some(name) => format!("service {name} {key}"),
        None => format!("service {key}"),
    };
    let mut out = String::new();
    match plan {
        ServicePlan::Add { name, service, backends, .. } => {
            out += &format!("{} {}{}\n", "+".green(), title(name.as_deref()), settings(service));
            out += &plan.op().map(|op| ipvsadm(&op, 4)).unwrap_or_default();
            for b in backends {
                out += &format!("    {} backend {}\n", "+".green(), backend_settings(b));
                out += &ipvsadm(&BackendPlan::Add(*b).op(key), 8);
            }
        }
        ServicePlan::Remove { live } => {
            out += &format!("{} {}{}\n", "-".red(), title(None), settings(live.service()));
            for b in &live.backends {
                out += &format!(
                    "    {} backend {}{}\n",
                    "-".red(),
                    backend_settings(&b.backend),
                    connections(b)
                );
            }
            out += &plan.op().map(|op| ipvsadm(&op, 4)).unwrap_or_default();
            out += &persistence_note(live.service(), live.backends.iter(), 4);
        }
        ServicePlan::Change { name, new, fields: changed, backends, .. } => {
            out += &format!("{} {}\n", "~".yellow(), title(name.as_deref()));
            if let Some(op) = plan.op() {
                out += &format!("    {} {}\n", "~".yellow(), self::fields(changed));
                out += &ipvsadm(&op, 8);
            }
            for b in backends {
                out += &backend_text(key, b);
            }
            let removed = backends.iter().filter_map(|b| match b {
                BackendPlan::Remove(entry) => Some(entry),
                _ => None,
            });
            out += &persistence_note(new, removed, 4);
        }
    }
    out
}

fn backend_text(key: ServiceKey, plan: &BackendPlan) -> String {
    let line = match plan {
        BackendPlan::Add(b) => format!("    {} backend {}\n", "+".green(), backend_settings(b)),
        BackendPlan::Remove(entry) => {
            format!("    {} backend {}{}\n", "-".red(), backend_settings(&entry.backend), connections(entry))
        }
        BackendPlan::Change { old, fields: changed, .. } => {
            format!("    {} backend {} {}\n", "~".yellow(), old.backend.addr, fields(changed))
        }
    };
    line + ipvsadm(&plan.op(key), 8).as_str()
}

/// `weight 1 → 3, upper 0 → 50`
fn fields(fields: &[Field]) -> String {
    let each: Vec<String> = fields.iter().map(|f| format!("{} {} → {}", f.name, f.old, f.new)).collect();
    each.join(", ")
}

fn timeout_fields(old: &Timeouts, new: &Timeouts) -> Vec<Field> {
    [("tcp", old.tcp, new.tcp), ("tcpfin", old.tcp_fin, new.tcp_fin), ("udp", old.udp, new.udp)]
        .into_iter()
        .filter(|(_, o, n)| o != n)
        .map(|(name, o, n)| Field { name, old: o.to_string(), new: n.to_string() })
        .collect()
}

fn ipvsadm(op: &Op, indent: usize) -> String {
    format!("{:indent$}{}\n", "", command_line(op).dimmed())
}

/// A service's settings after its key, as `.lvs` writes them.
fn settings(s: &Service) -> String {
    let default = Service::new(s.key);
    let mut out = format!(" {}", s.scheduler);
    for f in crate::converge::diff::service_fields(&default, s) {
        if f.name != "scheduler" {
            out += &format!(" {} {}", f.name, f.new);
        }
    }
    out
}

fn backend_settings(b: &Backend) -> String {
    let mut out = format!("{} {} weight {}", b.addr, method(&b.forward), b.weight);
    if b.upper > 0 {
        out += &format!(" upper {}", b.upper);
    }
    if b.lower > 0 {
        out += &format!(" lower {}", b.lower);
    }
    out
}

/// The connections a backend still has, which its removal cuts.
fn connections(b: &BackendEntry) -> String {
    match (b.active_conns, b.inactive_conns) {
        (0, 0) => String::new(),
        (active, inactive) => {
            format!(" ({active} active, {inactive} inactive connections)")
        }
    }
}

/// Persistence keeps a client on its backend after the backend's weight
/// goes to 0: say so when a persistent service loses backends.
fn persistence_note<'a>(
    service: &Service,
    removed: impl Iterator<Item = &'a BackendEntry>,
    indent: usize,
) -> String {
    let Some(p) = service.persistence else { return String::new() };
    let removed: Vec<&BackendEntry> = removed.collect();
    if removed.is_empty() {
        return String::new();
    }
    let templates: u32 = removed.iter().map(|b| b.persist_conns).sum();
    format!(
        "{:indent$}note: {} is persistent ({}s): while draining, a client with a persistence template \
         ({} now) keeps going to its backend until the template expires\n",
        "", service.key, p.timeout, templates
    )
}

/// The plan as JSON: `in_sync`, `operations`, each service's `action`
/// (`add`, `remove`, `change`), changed `fields` and `backends`, with the
/// ipvsadm line of each change, and the services left `unmanaged`.
pub fn json(plan: &Plan) -> String {
    let services: Vec<Value> = plan.services.iter().map(service_json).collect();
    let timeouts = plan.timeouts.map(|(old, new)| {
        json!({ "fields": fields_json(&timeout_fields(&old, &new)), "ipvsadm": command_line(&Op::SetTimeouts(new)) })
    });
    let unmanaged: Vec<String> = plan.unmanaged.iter().map(ToString::to_string).collect();
    let value = json!({
        "in_sync": plan.in_sync(),
        "operations": crate::converge::steps(plan, false).len(),
        "services": services,
        "timeouts": timeouts,
        "unmanaged": unmanaged,
    });
    format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default())
}

fn service_json(plan: &ServicePlan) -> Value {
    let key = plan.key();
    let (action, fields, backends) = match plan {
        ServicePlan::Add { backends, .. } => {
            ("add", Vec::new(), backends.iter().map(|b| backend_json(key, &BackendPlan::Add(*b))).collect())
        }
        ServicePlan::Remove { live } => (
            "remove",
            Vec::new(),
            live.backends.iter().map(|b| backend_json(key, &BackendPlan::Remove(b.clone()))).collect(),
        ),
        ServicePlan::Change { fields, backends, .. } => {
            ("change", fields.clone(), backends.iter().map(|b| backend_json(key, b)).collect::<Vec<_>>())
        }
    };
    json!({
        "action": action,
        "service": key.to_string(),
        "name": plan.name(),
        "fields": fields_json(&fields),
        "ipvsadm": plan.op().map(|op| command_line(&op)),
        "backends": backends,
    })
}

fn backend_json(key: ServiceKey, plan: &BackendPlan) -> Value {
    let (action, fields, active) = match plan {
        BackendPlan::Add(_) => ("add", Vec::new(), 0),
        BackendPlan::Remove(b) => ("remove", Vec::new(), b.active_conns),
        BackendPlan::Change { fields, old, .. } => ("change", fields.clone(), old.active_conns),
    };
    json!({
        "action": action,
        "backend": plan.addr().to_string(),
        "fields": fields_json(&fields),
        "active_connections": active,
        "ipvsadm": command_line(&plan.op(key)),
    })
}

fn fields_json(fields: &[Field]) -> Vec<Value> {
    fields.iter().map(|f| json!({ "field": f.name, "old": f.old, "new": f.new })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::{plan, DeclaredService, Desired, Live, LiveService, Origin};
    use crate::ipvs::{Forward, ServiceEntry, Stats};

    fn key() -> ServiceKey {
        ServiceKey::tcp("111.111.0.1:80".parse().unwrap())
    }

    fn b(addr: &str) -> Backend {
        Backend::new(addr.parse().unwrap(), Forward::Masq)
    }

    /// The tutorial's service as declared, and as the kernel has it after
    /// `ipvsadm -e ... -w 3` and `ipvsadm -d` behind lvsh's back.
    fn drifted() -> Plan {
        let service = Service::new(key()).with_scheduler("rr");
        let desired = Desired {
            services: vec![DeclaredService {
                service: service.clone(),
                name: Some("web".into()),
                backends: vec![b("10.10.0.2:8000"), b("10.10.0.3:8000")],
                origin: Origin::default(),
            }],
            ..Desired::default()
        };
        let live = Live {
            services: vec![LiveService {
                entry: ServiceEntry { service, stats: Stats::default() },
                backends: vec![BackendEntry::idle(b("10.10.0.3:8000").with_weight(3))],
            }],
            timeouts: Timeouts::default(),
        };
        plan(&desired, &live, false)
    }

    #[test]
    fn a_drifted_service_shows_each_change_with_its_ipvsadm_line() {
        colored::control::set_override(false);
        assert_eq!(
            text(&drifted()),
            "~ service web tcp 111.111.0.1:80
    + backend 10.10.0.2:8000 masq weight 1
        ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1
    ~ backend 10.10.0.3:8000 weight 3 → 1
        ipvsadm -e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1
changes pending: 1 service to change; 2 kernel operations in one transaction
"
        );
    }

    #[test]
    fn a_persistent_service_that_loses_a_backend_warns_of_its_templates() {
        colored::control::set_override(false);
        let mut service = Service::new(key()).with_scheduler("rr");
        service.persistence = Some(crate::ipvs::Persistence { timeout: 300 });
        let desired = Desired {
            services: vec![DeclaredService {
                service: service.clone(),
                name: None,
                backends: vec![b("10.10.0.2:8000")],
                origin: Origin::default(),
            }],
            ..Desired::default()
        };
        let mut gone = BackendEntry::idle(b("10.10.0.3:8000"));
        (gone.active_conns, gone.persist_conns) = (2, 4);
        let live = Live {
            services: vec![LiveService {
                entry: ServiceEntry { service, stats: Stats::default() },
                backends: vec![gone, BackendEntry::idle(b("10.10.0.2:8000"))],
            }],
            timeouts: Timeouts::default(),
        };
        let text = text(&plan(&desired, &live, false));
        assert!(
            text.contains("    - backend 10.10.0.3:8000 masq weight 1 (2 active, 0 inactive connections)\n"),
            "{text}"
        );
        assert!(
            text.contains("note: tcp 111.111.0.1:80 is persistent (300s): while draining, a client with a persistence template (4 now) keeps going to its backend until the template expires"),
            "{text}"
        );
    }

    #[test]
    fn the_json_form_names_each_action_and_field() {
        let value: Value = serde_json::from_str(&json(&drifted())).unwrap();
        assert_eq!(value["in_sync"], false);
        assert_eq!(value["operations"], 2);
        let backends = &value["services"][0]["backends"];
        assert_eq!(backends[1]["fields"][0], json!({ "field": "weight", "old": "3", "new": "1" }));
        assert_eq!(backends[0]["ipvsadm"], "ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1");
    }
}
