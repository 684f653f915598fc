//! From declaration files to the table they declare. `apply` converges
//! to declarations only: `service` (with its block), `backend` and
//! `timeouts`. A statement that does something else (a probe, a node
//! command, `del`, an `ipvsadm` line) is refused, so that what `apply`
//! does never depends on the order or the moment it runs.

use std::collections::BTreeMap;

use super::table::{DeclaredService, Desired, Origin};
use crate::ipvs::fasthash::FastMap;
use crate::ipvs::{Backend, Forward, Persistence, Scheduler, Service, ServiceKey};
use crate::lang::ast::{BackendDecl, ServiceDecl, Stmt, StmtKind, SvcOption, SvcRef};
use crate::lang::diagnostic::{suggest, Diagnostic};
use crate::lang::source::{Span, Spanned};

/// A problem in one of the files: which file, and what.
pub type FileDiagnostic = (usize, Diagnostic);

/// The table that scripts declare (`files[i]` is the statements of file
/// `i`), or every reason they do not declare one.
pub fn desired(files: &[&[Stmt]]) -> Result<Desired, Vec<FileDiagnostic>> {
    let mut builder = Builder::default();
    // Sized once: a table of thousands would grow its maps a dozen times.
    let stmts = files.iter().flat_map(|stmts| stmts.iter());
    let (services, backends) = stmts.fold((0, 0), |(s, b), stmt| match &stmt.kind {
        StmtKind::Service(decl) => (s + 1, b + decl.backends.as_ref().map_or(0, Vec::len)),
        StmtKind::Backend(_) => (s, b + 1),
        _ => (s, b),
    });
    builder.keys.reserve(services);
    builder.desired.services.reserve(services);
    builder.backends.reserve(backends);
    // Services first: a `backend` may name a service of any file, before or after it.
    for backends in [false, true] {
        for (file, stmts) in files.iter().enumerate() {
            let second = |s: &&Stmt| matches!(s.kind, StmtKind::Backend(_) | StmtKind::Health(_));
            for stmt in stmts.iter().filter(|s| second(s) == backends) {
                builder.statement(file, stmt);
            }
        }
    }
    // A check of one backend needs that backend declared, wherever it is.
    for (key, health, origin) in &builder.desired.health {
        let Some(addr) = &health.backend else { continue };
        let declared =
            builder.desired.service(key).is_some_and(|s| s.backends.iter().any(|b| b.addr == addr.value));
        if !declared {
            let d = Diagnostic::error(
                "lvs::apply::undeclared-backend",
                format!(
                    "`health` checks backend {} of service {key}, which the files do not declare",
                    addr.value
                ),
                addr.span,
                "no such backend declared",
            )
            .with_help(format!(
                "declare it (`backend {} ...` in the service's block), or check the address",
                addr.value
            ));
            builder.errors.push((origin.file, d));
        }
    }
    let mut errors = builder.errors;
    errors.sort_by_key(|(file, d)| (*file, d.primary.span.start));
    match errors.is_empty() {
        true => Ok(builder.desired),
        false => Err(errors),
    }
}

/// The service a declaration describes, with ipvsadm's defaults for what it leaves out.
pub fn declared_service(decl: &ServiceDecl) -> Service {
    service_with(Service::new(decl.key.value), decl.scheduler.as_ref(), &decl.options)
}

/// A service with the scheduler and options of a statement applied to `base`.
pub fn service_with(
    mut base: Service,
    scheduler: Option<&Spanned<String>>,
    options: &[Spanned<SvcOption>],
) -> Service {
    if let Some(s) = scheduler {
        base.scheduler = Scheduler::new(&s.value);
    }
    for option in options {
        match &option.value {
            SvcOption::Persistent(t) => {
                base.persistence = Some(Persistence { timeout: t.unwrap_or(Persistence::DEFAULT_TIMEOUT) })
            }
            SvcOption::Netmask(mask) => base.netmask = *mask,
            SvcOption::OnePacket => base.one_packet = true,
            SvcOption::Flags(flags, _) => base.sched_flags = *flags,
            SvcOption::Pe(pe) => base.pe = Some(pe.clone()),
        }
    }
    base
}

/// The backend a declaration describes: masq, weight 1, no thresholds unless said.
pub fn declared_backend(decl: &BackendDecl) -> Backend {
    backend_with(Backend::new(decl.addr.value, Forward::Masq), decl)
}

/// A backend with the settings of a statement applied to `base`.
pub fn backend_with(mut base: Backend, decl: &BackendDecl) -> Backend {
    if let Some(f) = &decl.forward {
        base.forward = f.value;
    }
    if let Some(w) = &decl.weight {
        base.weight = w.value;
    }
    if let Some(u) = &decl.upper {
        base.upper = u.value;
    }
    if let Some(l) = &decl.lower {
        base.lower = l.value;
    }
    base
}

#[derive(Default)]
struct Builder {
    desired: Desired,
    /// Service names, to the index of their service in `desired`; sorted,
    /// so that the "did you mean" of a misspelt one is the same from run to run.
    names: BTreeMap<String, usize>,
    /// Service keys, to the index of their service in `desired` (a table
    /// of thousands is looked up once per declaration).
    keys: FastMap<ServiceKey, usize>,
    /// Where each backend was declared, per service index and address.
    backends: FastMap<(usize, std::net::SocketAddr), Origin>,
    errors: Vec<FileDiagnostic>,
}

impl Builder {
    fn statement(&mut self, file: usize, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Service(decl) => self.service(file, stmt.span, decl),
            StmtKind::Backend(decl) => {
                let Some(index) = self.service_index(file, decl.service.as_ref()) else { return };
                self.backend(index, Origin { file, span: stmt.span }, decl);
            }
            StmtKind::Timeouts(t) => {
                self.desired.timeouts_origin = Origin { file, span: stmt.span };
                let merged = self.desired.timeouts.get_or_insert_with(Default::default);
                merged.tcp = t.tcp.or(merged.tcp);
                merged.tcp_fin = t.tcp_fin.or(merged.tcp_fin);
                merged.udp = t.udp.or(merged.udp);
            }
            StmtKind::Health(h) => {
                let Some(index) = self.service_index(file, Some(&h.service)) else { return };
                let key = self.desired.services[index].service.key;
                self.desired.health.push((key, h.clone(), Origin { file, span: stmt.span }));
            }
            StmtKind::Echo(_) | StmtKind::Help(_) | StmtKind::Describe(_) => {}
            other => self.errors.push((file, not_declarative(other, stmt.span))),
        }
    }

    fn service(&mut self, file: usize, span: Span, decl: &ServiceDecl) {
        let origin = Origin { file, span };
        let key = decl.key.value;
        if let Some(first) = self.keys.get(&key).map(|&i| &self.desired.services[i]) {
            let d = Diagnostic::error(
                "lvs::apply::declared-twice",
                format!("service {key} is declared twice"),
                decl.key.span,
                "declared again here",
            );
            self.errors.push((file, twice(d, first.origin, file, "service")));
            return;
        }
        let index = self.desired.services.len();
        if let Some(name) = &decl.name {
            if let Some(&other) = self.names.get(&name.value) {
                let first = &self.desired.services[other];
                let d = Diagnostic::error(
                    "lvs::apply::declared-twice",
                    format!("`{}` names two services: {} and {key}", name.value, first.service.key),
                    name.span,
                    "named again here",
                )
                .with_help("give each service its own name");
                self.errors.push((file, twice(d, first.origin, file, "name")));
                return;
            }
            self.names.insert(name.value.clone(), index);
        }
        self.keys.insert(key, index);
        self.desired.services.push(DeclaredService {
            service: declared_service(decl),
            name: decl.name.as_ref().map(|n| n.value.clone()),
            backends: Vec::new(),
            origin,
        });
        for backend in decl.backends.iter().flatten() {
            self.backend(index, Origin { file, span: backend.span }, &backend.value);
        }
    }

    fn backend(&mut self, index: usize, origin: Origin, decl: &BackendDecl) {
        let addr = decl.addr.value;
        if let Some(first) = self.backends.get(&(index, addr)) {
            let key = self.desired.services[index].service.key;
            let d = Diagnostic::error(
                "lvs::apply::declared-twice",
                format!("backend {addr} of service {key} is declared twice"),
                decl.addr.span,
                "declared again here",
            );
            self.errors.push((origin.file, twice(d, *first, origin.file, "backend")));
            return;
        }
        self.backends.insert((index, addr), origin);
        self.desired.services[index].backends.push(declared_backend(decl));
    }

    /// The declared service a `backend` statement names.
    fn service_index(&mut self, file: usize, service: Option<&Spanned<SvcRef>>) -> Option<usize> {
        let service = service?;
        let found = match &service.value {
            SvcRef::Name(name) => self.names.get(name).copied(),
            SvcRef::Key(key) => self.keys.get(key).copied(),
        };
        if found.is_none() {
            self.errors.push((file, undeclared(&service.value, service.span, self.names.keys())));
        }
        found
    }
}

/// A second declaration, pointing at the first when it is in the same file.
fn twice(d: Diagnostic, first: Origin, file: usize, what: &str) -> Diagnostic {
    let d =
        d.with_note(format!("`apply` makes each {what} exactly as declared, so it must be declared once"));
    match first.file == file {
        true => d.with_secondary(first.span, "first declared here"),
        false => d.with_note(format!("it was first declared in file {} of this apply", first.file + 1)),
    }
}

fn undeclared<'a>(service: &SvcRef, span: Span, names: impl Iterator<Item = &'a String>) -> Diagnostic {
    let (what, label) = match service {
        SvcRef::Name(name) => {
            (format!("no service is named `{name}` in these files"), "not declared in these files")
        }
        SvcRef::Key(key) => {
            (format!("service {key} is not declared in these files"), "not declared in these files")
        }
    };
    let d = Diagnostic::error("lvs::apply::undeclared-service", what, span, label);
    let names: Vec<&str> = names.map(String::as_str).collect();
    let near = match service {
        SvcRef::Name(name) => suggest(name, names.iter().copied()),
        SvcRef::Key(_) => None,
    };
    d.with_help(match near {
        Some(near) => format!("did you mean `{near}`?"),
        None => "`apply` manages whole services: declare the service (`service NAME tcp ADDR:PORT ...`) in one of the files".into(),
    })
}

/// A statement that is not a declaration.
fn not_declarative(kind: &StmtKind, span: Span) -> Diagnostic {
    let name = crate::lang::command::of(kind).map_or("this statement", |c| c.name);
    let help = match kind {
        StmtKind::SetService(_) | StmtKind::SetBackend(_) => {
            "write the setting in the service's declaration instead".to_string()
        }
        StmtKind::DelService(_) | StmtKind::DelBackend { .. } | StmtKind::Flush => {
            "leave the service or backend out of the files instead (and `apply --prune` for whole services)"
                .into()
        }
        StmtKind::Ipvsadm(_) | StmtKind::Restore(_) => {
            "`lvsh import FILE` turns ipvsadm lines into declarations".into()
        }
        StmtKind::Source(_) => "give `apply` every file: `lvsh apply a.lvs b.lvs`".into(),
        _ => format!("run `{name}` with `lvsh run`, after `apply`"),
    };
    Diagnostic::error(
        "lvs::apply::not-declarative",
        format!("`plan` and `apply` take declarations (service, backend, health, timeouts), not `{name}`"),
        span,
        "not a declaration",
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::ServiceKey;
    use crate::lang::source::Source;

    fn parse(text: &str) -> Vec<Stmt> {
        let (script, diagnostics) = crate::lang::parse::parse_script(&Source::new("t.lvs", text), |_| false);
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        script.stmts
    }

    fn errors(texts: &[&str]) -> Vec<(usize, &'static str, String)> {
        let files: Vec<Vec<Stmt>> = texts.iter().map(|t| parse(t)).collect();
        let refs: Vec<&[Stmt]> = files.iter().map(Vec::as_slice).collect();
        desired(&refs).unwrap_err().into_iter().map(|(f, d)| (f, d.code, d.message)).collect()
    }

    #[test]
    fn a_block_and_backend_statements_declare_one_service() {
        let stmts = parse(
            "service web tcp 111.111.0.1:80 rr persistent 300 {\n  backend 10.10.0.2:8000 weight 2\n}\n\
             backend web 10.10.0.3:8000 route\ntimeouts udp 60\n",
        );
        let desired = desired(&[&stmts]).unwrap();
        let web = &desired.services[0];
        assert_eq!((web.name.as_deref(), web.service.scheduler.name()), (Some("web"), "rr"));
        assert_eq!(web.service.persistence, Some(Persistence { timeout: 300 }));
        assert_eq!(web.backends.len(), 2);
        assert_eq!((web.backends[0].weight, web.backends[1].forward), (2, Forward::Route));
        assert_eq!(desired.timeouts.and_then(|t| t.udp), Some(60));
    }

    #[test]
    fn names_reach_across_files() {
        let a = parse("service web tcp 111.111.0.1:80 rr\n");
        let b = parse("backend web 10.10.0.2:8000\n");
        assert_eq!(desired(&[&a, &b]).unwrap().services[0].backends.len(), 1);
    }

    #[test]
    fn statements_with_effects_are_refused_each_with_its_place() {
        let found = errors(&["service web tcp 111.111.0.1:80\nprobe web count 2\nflush\n"]);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|(_, code, _)| *code == "lvs::apply::not-declarative"), "{found:?}");
        assert!(found[0].2.contains("`probe`"), "{found:?}");
    }

    #[test]
    fn a_service_or_backend_declared_twice_is_refused() {
        let found = errors(&[
            "service tcp 111.111.0.1:80 { backend 10.10.0.2:8000 }\nbackend tcp 111.111.0.1:80 10.10.0.2:8000\n",
            "service tcp 111.111.0.1:80\n",
        ]);
        let codes: Vec<_> = found.iter().map(|(f, c, _)| (*f, *c)).collect();
        assert_eq!(codes, [(0, "lvs::apply::declared-twice"), (1, "lvs::apply::declared-twice")]);
    }

    #[test]
    fn a_backend_of_an_undeclared_service_is_refused() {
        let found = errors(&["service web tcp 111.111.0.1:80\nbackend wbe 10.10.0.2:8000\n"]);
        assert_eq!(found[0].1, "lvs::apply::undeclared-service");
    }

    #[test]
    fn a_health_check_of_a_backend_needs_it_declared_in_any_file_before_or_after() {
        let found = errors(&[
            "service web tcp 111.111.0.1:80 { backend 10.10.0.2:8000 }\nhealth web 10.10.0.3:8000 tcp\n",
        ]);
        assert_eq!(found[0].1, "lvs::apply::undeclared-backend");
        // Declared in another file, after the check: fine.
        let a = parse("service web tcp 111.111.0.1:80\nhealth web 10.10.0.3:8000 tcp\n");
        let b = parse("backend web 10.10.0.3:8000\n");
        let desired = desired(&[&a, &b]).unwrap();
        assert_eq!(desired.health.len(), 1);
    }

    #[test]
    fn a_declaration_leaves_out_what_ipvsadm_defaults() {
        let stmts = parse("service fwmark 7 { backend 10.10.0.2:8000 }\n");
        let desired = desired(&[&stmts]).unwrap();
        assert_eq!(
            desired.services[0].service,
            Service::new(ServiceKey::Fwmark { mark: 7, family: crate::ipvs::Family::V4 })
        );
        assert_eq!(
            desired.services[0].backends[0],
            Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq)
        );
    }
}
