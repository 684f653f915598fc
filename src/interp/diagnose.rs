//! `doctor`: gathers the facts of the director and of the lab's nodes it
//! can enter, runs every check, prints the findings, and with `--fix` (in
//! the lab only) runs the fixes it printed and checks again.

use std::net::IpAddr;

use super::{Failure, Interpreter};
use crate::diagnose::gather::{gather, hosts_in, GatherError, Scope};
use crate::diagnose::{checks, Finding};
use crate::ipvs::{Netns, ServiceKey};
use crate::lab::Lab;
use crate::lang::ast::DoctorStmt;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};
use crate::render::doctor as render;

/// A fix `doctor --fix` left to the user, and why.
type NotRun = (String, String);

/// Doctor could not read a fact (a namespace, `ip route get`, `ip addr`).
fn cannot_look(source: &Source, span: Span, e: &GatherError) -> Failure {
    let mut d = Diagnostic::error("lvs::doctor::failed", format!("doctor cannot look: {e}"), span, "");
    d.help = e.help();
    Failure::environment(source, d)
}

impl Interpreter {
    pub(super) fn doctor(&mut self, source: &Source, span: Span, d: &DoctorStmt) -> Result<(), Failure> {
        let in_lab = self.in_lab();
        if d.fix && !in_lab {
            let d = Diagnostic::error(
                "lvs::doctor::not-in-lab",
                "`doctor --fix` changes nodes, so it runs only in lvsh's lab",
                span,
                "outside the lab",
            )
            .with_help("run `doctor` without `--fix` and apply the fixes it prints yourself");
            return Err(Failure::script(source, d));
        }
        let scope = self.doctor_scope(source, span, d, in_lab)?;
        let director = self.director_name();
        let found = self.diagnose(source, span, &scope)?;
        let left = match d.fix && !found.is_empty() {
            false => {
                let text = if d.json || self.json {
                    render::json(&found)
                } else {
                    render::report(&found, &director)
                };
                self.write(&text)?;
                found
            }
            true => {
                if !(d.json || self.json) {
                    self.write(&render::report(&found, &director))?;
                }
                let (ran, skipped) = self.run_fixes(&found)?;
                let left = self.diagnose(source, span, &scope)?;
                let text = match d.json || self.json {
                    true => render::json_fixed(&found, &ran, &skipped, &left),
                    false => render::fixes(&ran, &skipped) + render::report(&left, &director).as_str(),
                };
                self.write(&text)?;
                left
            }
        };
        if left.is_empty() {
            return Ok(());
        }
        let mut codes: Vec<&str> = left.iter().map(|f| f.code).collect();
        codes.dedup();
        let message = format!(
            "doctor found {}: {}",
            crate::render::words::plural(left.len(), "problem"),
            codes.join(", ")
        );
        let d = Diagnostic::error("lvs::doctor::found", message, span, "traffic is lost or misdirected")
            .with_help("each finding above says why and the line that fixes it");
        Err(Failure::expectation(source, d))
    }

    /// What `doctor` looks at: the director, the namespaces `--enter` names,
    /// and in the lab its nodes (the backends to enter, the clients they must
    /// reply to, their names).
    pub(super) fn doctor_scope(
        &self,
        source: &Source,
        span: Span,
        d: &DoctorStmt,
        in_lab: bool,
    ) -> Result<Scope, Failure> {
        let only = match &d.service {
            Some(s) => Some(self.resolve(source, Some(s))?),
            None => None,
        };
        let labels = self
            .session
            .names()
            .filter_map(|n| {
                self.session
                    .resolve(&crate::lang::ast::SvcRef::Name(n.to_string()))
                    .map(|k| (k, n.to_string()))
            })
            .collect();
        let entered: Vec<(String, Netns)> =
            d.enter.iter().map(|n| (n.clone(), self.lab.resolve(n))).collect();
        let mut entered = hosts_in(&entered).map_err(|e| cannot_look(source, span, &e))?;
        if !in_lab {
            let director = self.acting_on().map(str::to_string);
            let clients = d.clients.clone();
            return Ok(Scope { director, only, labels, hosts: entered, clients, ..Scope::default() });
        }
        let nodes = self.lab.nodes();
        let director = self.director_name();
        let ports = |keep: &dyn Fn(&crate::lab::Node) -> bool| -> Vec<(String, IpAddr)> {
            nodes
                .iter()
                .filter(|n| keep(n))
                .flat_map(|n| n.ports.iter().map(|p| (n.name.to_string(), IpAddr::V4(p.addr))))
                .collect()
        };
        let mut hosts: Vec<_> = ports(&|n| n.gateway.is_some() && n.role != "client")
            .into_iter()
            .map(|(name, ip)| (name.clone(), ip, self.lab.resolve(&name)))
            .collect();
        hosts.append(&mut entered);
        let clients = match d.clients.is_empty() {
            true => ports(&|n| n.role == "client").into_iter().map(|(_, ip)| ip).collect(),
            false => d.clients.clone(),
        };
        Ok(Scope {
            director: Some(director),
            only,
            labels,
            hosts,
            clients,
            names: self.lab.names(),
            lab: true,
        })
    }

    /// Doctor's findings about one service (and the director), for a probe
    /// or a check to explain itself with; none when doctor cannot look.
    pub(super) fn findings_about(&mut self, source: &Source, span: Span, key: ServiceKey) -> Vec<Finding> {
        let in_lab = self.in_lab();
        let Ok(mut scope) = self.doctor_scope(source, span, &DoctorStmt::default(), in_lab) else {
            return Vec::new();
        };
        scope.only = Some(key);
        self.diagnose(source, span, &scope).unwrap_or_default()
    }

    /// Every finding of every check, on facts read now.
    pub(super) fn diagnose(
        &mut self,
        source: &Source,
        span: Span,
        scope: &Scope,
    ) -> Result<Vec<Finding>, Failure> {
        let facts = gather(self.kernel.as_mut(), scope).map_err(|e| cannot_look(source, span, &e))?;
        Ok(checks::all(&facts))
    }

    /// Runs each distinct fix that is an lvsh line (a node command, `serve`,
    /// `set ...`); the others are for the user, each with the reason.
    /// A line that loads a kernel module is one of those: a module is the
    /// machine's, and `ipip` adds a `tunl0` to every namespace, the host's
    /// own included. Returns (ran, skipped with why).
    fn run_fixes(&mut self, findings: &[Finding]) -> Result<(Vec<String>, Vec<NotRun>), Failure> {
        let (mut ran, mut skipped) = (Vec::new(), Vec::<NotRun>::new());
        for line in findings.iter().filter_map(|f| f.fix.clone()) {
            if ran.contains(&line) || skipped.iter().any(|(l, _)| *l == line) {
                continue;
            }
            if line.split(';').any(|part| part.split_whitespace().any(|word| word == "modprobe")) {
                let why = "it loads a kernel module, which reaches every namespace of this machine: \
                           run it yourself, then `doctor --fix` again";
                skipped.push((line, why.to_string()));
                continue;
            }
            let fix = Source::new("<doctor --fix>", &line);
            let (script, diagnostics) = crate::lang::parse::parse_script(&fix, Lab::is_node);
            if script.stmts.is_empty() || diagnostics.iter().any(|d| d.is_error()) {
                skipped.push((line, "it is not an lvsh line in the lab: run it yourself".to_string()));
                continue;
            }
            self.run_stmts(&fix, &script)?;
            ran.push(line);
        }
        Ok((ran, skipped))
    }
}
