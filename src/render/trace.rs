//! `trace`: one connection's path through the director in one line, such
//! as `ext1 111.111.0.2:51234 → gw 111.111.0.1:80 → int1 10.10.0.2:8000
//! [no reply through gw]`, then what the director knows of it.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use crate::diagnose::Finding;
use crate::ipvs::ConnEntry;
use crate::probe::names::Names;
use crate::probe::trace::Outcome;

/// What a trace found.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The node it started from (`None`: lvsh's own namespace).
    pub from: Option<String>,
    pub client: SocketAddr,
    /// The director, as the user names it (`gw`).
    pub director: String,
    pub vip: SocketAddr,
    /// The service, by name or key.
    pub service: String,
    pub scheduler: String,
    /// The director's entry for this connection.
    pub entry: Option<ConnEntry>,
    /// The client's persistence template, if the service has one for it.
    pub template: Option<ConnEntry>,
    pub outcome: Outcome,
    pub elapsed: Duration,
    /// The service's packets in and out while it ran (`None`: not readable).
    pub counters: Option<(u64, u64)>,
    /// Doctor's findings that may explain a lost connection.
    pub causes: Vec<Finding>,
    /// The names to print beside addresses (the lab's nodes).
    pub names: Names,
}

impl Trace {
    /// Whether the connection did not get its answer.
    pub fn lost(&self) -> bool {
        !matches!(self.outcome, Outcome::Answered(_))
    }

    /// Where it ended, in brackets' words.
    pub fn verdict(&self) -> String {
        let state = self.entry.as_ref().map(|e| e.state.as_str());
        match (&self.outcome, state) {
            (Outcome::Answered(n), _) => format!("answered: {n} bytes in {} ms", self.elapsed.as_millis()),
            (Outcome::Silent, _) => "connected, but no answer came".to_string(),
            (Outcome::Refused, Some(_)) => "refused by the backend: nothing listens there?".to_string(),
            (Outcome::Refused, None) => format!("refused by {}: no backend took it", self.director),
            (Outcome::TimedOut, Some("SYN_RECV")) => format!("no reply through {}", self.director),
            (Outcome::TimedOut, Some(state)) => format!("timed out in state {state}"),
            (Outcome::TimedOut, None) => format!("{} never scheduled it", self.director),
            (Outcome::Failed(e), _) => format!("failed: {e}"),
        }
    }
}

/// The trace as text.
pub fn text(t: &Trace) -> String {
    let from = t.from.clone().map_or_else(|| t.client.to_string(), |n| format!("{n} {}", t.client));
    let backend = t.entry.as_ref().map_or_else(|| "?".to_string(), |e| t.names.hop(e.dest));
    let mut out = format!("{from} → {} {} → {backend} [{}]\n", t.director, t.vip, t.verdict());
    match &t.entry {
        Some(e) => {
            out += &format!(
                "  backend:     {}, chosen by {} for service {}\n",
                t.names.addr(e.dest),
                t.scheduler,
                t.service
            );
            let meaning = match e.state.as_str() {
                "SYN_RECV" => format!(" (the backend's reply never came back through {})", t.director),
                _ => String::new(),
            };
            out +=
                &format!("  connection:  {} {}, expires in {} s{meaning}\n", e.protocol, e.state, e.expires);
        }
        None => out += &format!("  connection:  {} has no entry for {}\n", t.director, t.client),
    }
    if let Some(p) = &t.template {
        out += &format!("  persistence: template to {}, {} s left\n", t.names.addr(p.dest), p.expires);
    }
    if let Some((inp, outp)) = t.counters {
        out += &format!("  counters:    {}: +{inp} packets in, +{outp} out\n", t.service);
    }
    for f in &t.causes {
        let fix = f.fix.as_deref().map(|x| format!(" — fix: {x}")).unwrap_or_default();
        out += &format!("  likely cause: {} ({}){fix}\n", f.what, f.code);
    }
    if t.lost() && t.causes.is_empty() {
        out += "  likely cause: none that doctor's checks see; `doctor` shows what it looked at\n";
    }
    out
}

/// The trace as JSON.
pub fn json(t: &Trace) -> String {
    let entry = |e: &ConnEntry| {
        json!({ "backend": e.dest.to_string(), "node": t.names.of(e.dest.ip()),
                "state": e.state, "expires": e.expires })
    };
    let value = json!({
        "from": t.from,
        "client": t.client.to_string(),
        "director": t.director,
        "vip": t.vip.to_string(),
        "service": t.service,
        "verdict": t.verdict(),
        "lost": t.lost(),
        "connection": t.entry.as_ref().map(entry),
        "template": t.template.as_ref().map(entry),
        "packets": t.counters.map(|(i, o)| json!({ "in": i, "out": o })),
        "causes": t.causes.iter().map(super::doctor::cause_json).collect::<Vec<_>>(),
    });
    format!("{value}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost_to_int1() -> Trace {
        let conn = ConnEntry {
            protocol: "TCP".into(),
            client: "111.111.0.2:51234".parse().unwrap(),
            virtual_addr: "111.111.0.1:80".parse().unwrap(),
            dest: "10.10.0.2:8000".parse().unwrap(),
            state: "SYN_RECV".into(),
            expires: 59,
            pe_name: None,
            pe_data: None,
        };
        Trace {
            from: Some("ext1".into()),
            client: conn.client,
            director: "gw".into(),
            vip: conn.virtual_addr,
            service: "web".into(),
            scheduler: "rr".into(),
            entry: Some(conn),
            template: None,
            outcome: Outcome::TimedOut,
            elapsed: Duration::from_secs(1),
            counters: Some((3, 0)),
            causes: Vec::new(),
            names: crate::lab::Lab::seed("").names(),
        }
    }

    #[test]
    fn a_connection_whose_reply_never_came_back_reads_as_a_path() {
        let text = text(&lost_to_int1());
        assert_eq!(
            text,
            "ext1 111.111.0.2:51234 → gw 111.111.0.1:80 → int1 10.10.0.2:8000 [no reply through gw]
  backend:     10.10.0.2:8000 (int1), chosen by rr for service web
  connection:  TCP SYN_RECV, expires in 59 s (the backend's reply never came back through gw)
  counters:    web: +3 packets in, +0 out
  likely cause: none that doctor's checks see; `doctor` shows what it looked at
"
        );
    }

    #[test]
    fn the_json_form_names_the_verdict_and_the_state() {
        let value: serde_json::Value = serde_json::from_str(&json(&lost_to_int1())).unwrap();
        assert_eq!(value["verdict"], "no reply through gw");
        assert_eq!(value["connection"]["state"], "SYN_RECV");
        assert_eq!(value["connection"]["node"], "int1");
    }
}
