//! Semantic checks before any kernel call: what parses but cannot be right.
//! Errors stop a run; warnings are printed and the run goes on.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;

use super::ast::{BackendDecl, Script, ServiceDecl, StmtKind, SvcOption, SvcRef};
use super::diagnostic::{suggest, Diagnostic};
use super::source::{Span, Spanned};
use crate::ipvs::{Family, Forward, Protocol, Scheduler, ServiceKey};

/// Checks a parsed script; `known` are names a session already has.
pub fn check(script: &Script, known: &[String]) -> Vec<Diagnostic> {
    let mut checker = Checker {
        names: known.iter().map(|n| (n.clone(), None)).collect(),
        lenient: script.stmts.iter().any(|s| matches!(s.kind, StmtKind::Source(_) | StmtKind::Script(_))),
        seen: Seen::default(),
        out: Vec::new(),
    };
    for stmt in &script.stmts {
        checker.stmt(stmt.span, &stmt.kind);
    }
    checker.out
}

/// The backends of one block seen so far: a short list scanned (most
/// blocks hold a few), a hash set once it grows; kept from block to block,
/// so that a file of many services allocates it once.
#[derive(Default)]
struct Seen {
    few: Vec<SocketAddr>,
    many: HashSet<SocketAddr>,
}

impl Seen {
    const FEW: usize = 16;

    fn clear(&mut self) {
        self.few.clear();
        self.many.clear();
    }

    /// Adds an address; false if it was there.
    fn insert(&mut self, addr: SocketAddr) -> bool {
        if self.few.len() < Self::FEW {
            if self.few.contains(&addr) {
                return false;
            }
            self.few.push(addr);
            return true;
        }
        if self.many.is_empty() {
            self.many.extend(self.few.iter().copied());
        }
        self.many.insert(addr)
    }
}

struct Checker {
    /// Declared names, with the key when known; sorted, so that the "did
    /// you mean" of a misspelt one is the same from run to run.
    names: BTreeMap<String, Option<ServiceKey>>,
    /// A `source` or a `script` block may declare names this file cannot see.
    lenient: bool,
    /// The backends of the service block being checked.
    seen: Seen,
    out: Vec<Diagnostic>,
}

impl Checker {
    fn stmt(&mut self, span: Span, kind: &StmtKind) {
        match kind {
            StmtKind::Service(decl) => self.service(decl),
            StmtKind::Backend(b) | StmtKind::SetBackend(b) => {
                let key = b.service.as_ref().and_then(|s| self.reference(s));
                self.backend(key, b);
            }
            StmtKind::SetService(edit) => {
                self.reference(&edit.service);
                if let Some(s) = &edit.scheduler {
                    self.scheduler(s);
                }
            }
            StmtKind::DelService(s) => {
                self.reference(s);
                // The name stays known, and is free for another service.
                if let SvcRef::Name(name) = &s.value {
                    self.names.insert(name.clone(), None);
                }
            }
            StmtKind::DelBackend { service: s, .. } => {
                self.reference(s);
            }
            StmtKind::Flush => self.names.values_mut().for_each(|key| *key = None),
            StmtKind::DaemonStart(d) if d.daemon.interface.is_empty() => {
                let state = d.daemon.state;
                let text = format!("`daemon start {state}` without `interface` uses eth0");
                let w = self.warning(span, "lvs::check::daemon-interface", text, "no `interface` named");
                w.help = Some(format!("name it: `daemon start {state} interface IFACE`"));
            }
            StmtKind::Zero(Some(s)) => {
                self.reference(s);
            }
            StmtKind::Probe(p) => {
                if let Some(ServiceKey::Fwmark { .. }) = self.reference(&p.service) {
                    self.error(
                        p.service.span,
                        "lvs::check::probe-fwmark",
                        "a fwmark service has no address to connect to",
                        "fwmark service",
                    )
                    .help = Some("probe a service declared with `tcp ADDR:PORT`".into());
                }
            }
            StmtKind::Expect(e) => {
                self.reference(&e.service);
            }
            StmtKind::Check(c) => {
                self.reference(&c.service);
            }
            StmtKind::Doctor(super::ast::DoctorStmt { service: Some(s), .. }) => {
                self.reference(s);
            }
            StmtKind::Trace(t) => {
                self.reference(&t.service);
            }
            StmtKind::Watch(w) => {
                if let super::ast::ShowTarget::Service(s) = &w.show.target {
                    self.reference(s);
                }
            }
            StmtKind::Show(show) => {
                if let super::ast::ShowTarget::Service(s) = &show.target {
                    self.reference(s);
                }
            }
            StmtKind::Explain(inner) => {
                // An explained statement does not run: the names it gives do not last.
                let names = self.names.clone();
                self.stmt(inner.span, &inner.kind);
                self.names = names;
            }
            _ => {}
        }
    }

    fn service(&mut self, decl: &ServiceDecl) {
        let key = decl.key.value;
        if let Some(s) = &decl.scheduler {
            self.scheduler(s);
        }
        let persistent = decl.options.iter().any(|o| matches!(o.value, SvcOption::Persistent(_)));
        if key.port() == 0 && matches!(key, ServiceKey::Inet { .. }) && !persistent {
            self.error(
                decl.key.span,
                "lvs::check::zero-port",
                "a service on port 0 must be persistent",
                "port 0",
            )
            .help = Some("add `persistent`, or give the service a port".into());
        }
        for option in &decl.options {
            self.option(key, decl.scheduler.as_ref(), option);
        }
        if let Some(name) = &decl.name {
            if let Some(Some(other)) = self.names.get(&name.value).filter(|k| **k != Some(key)) {
                let d = self.error(
                    name.span,
                    "lvs::check::name-taken",
                    format!("`{}` already names service {other}", name.value),
                    "already taken",
                );
                d.help =
                    Some(format!("give this service another name, or `del service {}` first", name.value));
            }
            self.names.insert(name.value.clone(), Some(key));
        }
        self.seen.clear();
        for b in decl.backends.iter().flatten() {
            if !self.seen.insert(b.value.addr.value) {
                let d = self.error(
                    b.value.addr.span,
                    "lvs::check::duplicate-backend",
                    format!("backend {} is declared twice in this service", b.value.addr.value),
                    "again here",
                );
                d.help = Some("remove one of them; a backend appears once per service".into());
            }
            self.backend(Some(key), &b.value);
        }
    }

    fn option(&mut self, key: ServiceKey, scheduler: Option<&Spanned<String>>, option: &Spanned<SvcOption>) {
        match &option.value {
            SvcOption::OnePacket
                if matches!(key, ServiceKey::Inet { protocol: Protocol::Tcp | Protocol::Sctp, .. }) =>
            {
                self.error(
                    option.span,
                    "lvs::check::one-packet",
                    "one-packet scheduling is only for UDP and fwmark services",
                    "not for this protocol",
                );
            }
            SvcOption::Netmask(crate::ipvs::Netmask::V6(_)) if key.family() == Family::V4 => {
                self.error(
                    option.span,
                    "lvs::check::prefix-on-ipv4",
                    "an IPv4 service takes `netmask A.B.C.D`, not `prefix`",
                    "IPv6 only",
                );
            }
            SvcOption::Netmask(crate::ipvs::Netmask::V4(_)) if key.family() == Family::V6 => {
                self.error(
                    option.span,
                    "lvs::check::netmask-on-ipv6",
                    "an IPv6 service takes `prefix N`, not `netmask`",
                    "IPv4 only",
                );
            }
            SvcOption::Flags(_, names) => {
                let sched = scheduler.map_or("wlc", |s| s.value.as_str());
                for name in names {
                    let prefix = name.split('-').next().unwrap_or("");
                    if (prefix == "sh" || prefix == "mh") && prefix != sched {
                        self.warning(
                            option.span,
                            "lvs::check::flag-scheduler",
                            format!("flag `{name}` only means something to the `{prefix}` scheduler"),
                            "ignored by this scheduler",
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn backend(&mut self, key: Option<ServiceKey>, b: &BackendDecl) {
        if let (Some(u), Some(l)) = (&b.upper, &b.lower) {
            if l.value > u.value {
                self.error(
                    l.span,
                    "lvs::check::thresholds",
                    format!("lower threshold {} is above upper threshold {}", l.value, u.value),
                    "too high",
                );
            }
        } else if let (None, Some(l)) = (&b.upper, &b.lower) {
            if l.value > 0 {
                self.error(
                    l.span,
                    "lvs::check::thresholds",
                    "a lower threshold needs an upper threshold at least as large",
                    "no `upper` given",
                )
                .help = Some(format!("add `upper {}` or more", l.value));
            }
        }
        let Some(key) = key else { return };
        let forward = b.forward.as_ref().map(|f| f.value);
        let mixed = Family::of(b.addr.value.ip()) != key.family();
        if mixed && !matches!(forward, Some(Forward::Tunnel(_))) {
            self.error(
                b.addr.span,
                "lvs::check::mixed-family",
                "a backend of another address family than its service needs tunnelling",
                "other family",
            )
            .help = Some("add `tunnel`, or use an address of the service's family".into());
        }
        if let (Some(Forward::Route | Forward::Tunnel(_)), ServiceKey::Inet { addr, .. }) = (forward, key) {
            if b.addr.value.port() != addr.port() {
                self.warning(
                    b.addr.span,
                    "lvs::check::port-ignored",
                    format!(
                        "direct routing and tunnelling cannot change the port: the backend receives port {}",
                        addr.port()
                    ),
                    "this port is not used",
                )
                .help = Some(format!(
                    "write the backend as `{}`",
                    SocketAddr::new(b.addr.value.ip(), addr.port())
                ));
            }
        }
    }

    fn scheduler(&mut self, s: &Spanned<String>) {
        if Scheduler::KNOWN.contains(&s.value.as_str()) {
            return;
        }
        let d = self.warning(
            s.span,
            "lvs::check::unknown-scheduler",
            format!("`{}` is not a scheduler the kernel ships", s.value),
            "unknown scheduler",
        );
        d.help = Some(match suggest(&s.value, Scheduler::KNOWN) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("if it is a module of yours, load it (modprobe ip_vs_{})", s.value),
        });
    }

    /// The key a reference means, when the check can know it.
    fn reference(&mut self, s: &Spanned<SvcRef>) -> Option<ServiceKey> {
        match &s.value {
            SvcRef::Key(k) => Some(*k),
            SvcRef::Name(name) => match self.names.get(name) {
                Some(key) => *key,
                None if self.lenient => None,
                None => {
                    let known: Vec<String> = self.names.keys().cloned().collect();
                    let help = match suggest(name, known.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "declare it first with `service NAME tcp ADDR:PORT ...`, or name the service by address".into(),
                    };
                    self.error(
                        s.span,
                        "lvs::check::unknown-service",
                        format!("no service is named `{name}`"),
                        "not declared before this line",
                    )
                    .help = Some(help);
                    None
                }
            },
        }
    }

    fn error(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
        label: &str,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, message, span, label))
    }

    fn warning(
        &mut self,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
        label: &str,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, message, span, label))
    }

    /// Records a diagnostic and hands it back for a help or note.
    fn push(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        let at = self.out.len();
        self.out.push(diagnostic);
        &mut self.out[at]
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::source::Source;

    fn codes(text: &str) -> Vec<&'static str> {
        let (_, diagnostics) = crate::lang::parse(&Source::new("t", text), crate::lang::parse::no_nodes);
        diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn the_tutorial_is_clean() {
        assert!(codes("service web tcp 111.111.0.1:80 rr {\n backend 10.10.0.2:8000 masq\n backend 10.10.0.3:8000 masq\n}\nshow web\n").is_empty());
    }

    #[test]
    fn semantic_mistakes_are_caught_before_the_kernel() {
        assert_eq!(codes("service tcp 1.1.1.1:80 wrrr"), ["lvs::check::unknown-scheduler"]);
        assert_eq!(codes("backend web 10.0.0.1:80 masq"), ["lvs::check::unknown-service"]);
        assert_eq!(codes("service tcp 1.1.1.1:0 rr"), ["lvs::check::zero-port"]);
        assert_eq!(codes("service tcp 1.1.1.1:80 rr one-packet"), ["lvs::check::one-packet"]);
        assert_eq!(
            codes("service s tcp 1.1.1.1:80 rr { \nbackend 10.0.0.1:80 masq\nbackend 10.0.0.1:80 masq\n}"),
            ["lvs::check::duplicate-backend"]
        );
        assert_eq!(
            codes("backend tcp 1.1.1.1:80 10.0.0.1:80 masq upper 5 lower 9"),
            ["lvs::check::thresholds"]
        );
        assert_eq!(codes("backend tcp 1.1.1.1:80 [2001:db8::1]:80 masq"), ["lvs::check::mixed-family"]);
        assert_eq!(codes("backend tcp 1.1.1.1:80 10.0.0.1:8080 route"), ["lvs::check::port-ignored"]);
        assert_eq!(codes("service tcp 1.1.1.1:80 rr flags sh-port"), ["lvs::check::flag-scheduler"]);
    }

    #[test]
    fn a_backend_declared_twice_is_found_in_a_short_block_and_a_long_one() {
        for count in [3, super::Seen::FEW - 1, super::Seen::FEW, super::Seen::FEW + 1, 100] {
            for twice in [0, count / 2, count - 1] {
                let mut text = String::from("service tcp 1.1.1.1:80 rr {\n");
                for n in 0..count {
                    text += &format!("backend 10.0.{}.{}:80\n", n / 250, n % 250 + 1);
                }
                text += &format!("backend 10.0.{}.{}:80\n}}\n", twice / 250, twice % 250 + 1);
                assert_eq!(
                    codes(&text),
                    ["lvs::check::duplicate-backend"],
                    "{count} backends, again: {twice}"
                );
                assert!(codes(
                    &text.replace(&format!("backend 10.0.{}.{}:80\n}}", twice / 250, twice % 250 + 1), "}")
                )
                .is_empty());
            }
        }
    }

    #[test]
    fn a_name_as_near_to_two_declared_ones_suggests_the_same_one_every_time() {
        let text = "service wet tcp 1.1.1.1:80\nservice web tcp 1.1.1.2:80\nshow wex\n";
        for _ in 0..20 {
            let (_, d) = crate::lang::parse(&Source::new("t", text), crate::lang::parse::no_nodes);
            assert_eq!(d[0].help.as_deref(), Some("did you mean `web`?"));
        }
    }

    #[test]
    fn an_unknown_scheduler_is_only_a_warning_with_a_suggestion() {
        let (_, d) = crate::lang::parse(
            &Source::new("t", "service tcp 1.1.1.1:80 wrrr"),
            crate::lang::parse::no_nodes,
        );
        assert!(!d[0].is_error());
        assert_eq!(d[0].help.as_deref(), Some("did you mean `wrr`?"));
    }
}
