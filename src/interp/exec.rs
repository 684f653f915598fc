//! One statement at a time.

use super::plan::{self, Change};
use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{Daemon, DaemonState, KernelError, Op, Service, ServiceKey};
use crate::lang::ast::{BackendDecl, IpvsadmLine, ShowStmt, ShowTarget, Stmt, StmtKind, SvcRef};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::ipvsadm::{IpvsadmCommand, ListTarget};
use crate::lang::show::ListOptions;
use crate::lang::source::{Source, Span, Spanned};
use crate::render::ipvsadm::{self as listing, ServiceRow, Table};
use crate::render::{json, table};

impl Interpreter {
    /// Runs one statement.
    pub(super) fn exec(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        if self.plan.is_some() && !super::explain::changes_kernel(&stmt.kind) {
            // Explaining a sourced file: only what changes the kernel counts.
            return Ok(());
        }
        let span = stmt.span;
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::refused");
        match &stmt.kind {
            StmtKind::Service(decl) => {
                let desired =
                    plan::service_with(Service::new(decl.key.value), decl.scheduler.as_ref(), &decl.options);
                let change = plan::declare_service(self.kernel.as_mut(), desired).map_err(k)?;
                self.apply(source, span, change)?;
                if let Some(name) = &decl.name {
                    self.session.name(&name.value, decl.key.value);
                }
                let Some(backends) = &decl.backends else { return Ok(()) };
                // One read for the whole block: its backends are distinct (checked).
                let current = self.kernel.backends(&decl.key.value).map_err(k)?;
                for backend in backends {
                    let desired = plan::declared_backend(&backend.value);
                    let change = plan::declare_backend(&current, decl.key.value, desired);
                    self.apply(source, backend.span, change)?;
                }
                Ok(())
            }
            StmtKind::Backend(decl) => {
                let key = self.resolve(source, decl.service.as_ref())?;
                self.declare_backend(source, span, key, decl)
            }
            StmtKind::SetService(edit) => {
                let key = self.resolve(source, Some(&edit.service))?;
                let current = self.kernel.service(&key).map_err(k)?.service;
                let new = plan::service_with(current.clone(), edit.scheduler.as_ref(), &edit.options);
                let change = match new == current {
                    true => Change::default(),
                    false => Change::one(Op::EditService(new), vec![Op::EditService(current)]),
                };
                self.apply(source, span, change)
            }
            StmtKind::SetBackend(decl) => {
                let key = self.resolve(source, decl.service.as_ref())?;
                let current = self.kernel.backends(&key).map_err(k)?;
                let change = plan::edit_backend(&current, key, decl).map_err(k)?;
                self.apply(source, span, change)
            }
            StmtKind::DelService(service) => {
                let key = self.resolve(source, Some(service))?;
                let change = plan::delete_service(self.kernel.as_mut(), key).map_err(k)?;
                self.apply(source, span, change)
            }
            StmtKind::DelBackend { service, addr } => {
                let key = self.resolve(source, Some(service))?;
                let current = self.kernel.backends(&key).map_err(k)?;
                let change = plan::delete_backend(&current, key, addr.value).map_err(k)?;
                self.apply(source, span, change)
            }
            StmtKind::Flush => {
                let change = plan::flush(self.kernel.as_mut()).map_err(k)?;
                self.apply(source, span, change)
            }
            StmtKind::Zero(service) => {
                let key = match service {
                    Some(s) => Some(self.resolve(source, Some(s))?),
                    None => None,
                };
                // Counters cannot be put back: zeroing has no undo.
                self.apply(source, span, Change::one(Op::Zero(key), Vec::new()))
            }
            StmtKind::Timeouts(decl) => {
                let change = plan::timeouts(self.kernel.as_mut(), decl).map_err(k)?;
                self.apply(source, span, change)
            }
            StmtKind::DaemonStart(decl) => self.start_daemon(source, span, decl.daemon.clone()),
            StmtKind::DaemonStop(state) => self.stop_daemon(source, span, *state),
            StmtKind::Show(show) => self.show(source, span, show),
            StmtKind::Save(path) => self.save(source, span, path.as_ref()),
            StmtKind::Restore(path) => self.restore(source, span, path),
            StmtKind::Source(path) => self.source_file(source, path),
            StmtKind::Echo(text) => self.write(&format!("{text}\n")),
            StmtKind::Sleep(d) => {
                self.pause(*d);
                Ok(())
            }
            StmtKind::Ipvsadm(line) => self.ipvsadm(source, span, line),
            StmtKind::Probe(p) => self.probe(source, span, p),
            StmtKind::Expect(e) => self.expect(source, span, e),
            StmtKind::Check(c) => self.check(source, span, c),
            StmtKind::Watch(w) => self.watch(source, span, w),
            StmtKind::Help(None) => self.write(&crate::render::help::overview()),
            StmtKind::Help(Some(name)) if name.value == "rhai" => {
                self.write(&crate::render::help::rhai(crate::script::functions()))
            }
            StmtKind::Help(Some(name)) => match crate::lang::command::find(&name.value) {
                Some(c) => self.write(&crate::render::help::command(c)),
                None => Err(script_failure(source, name.span, &format!("no command `{}`", name.value))),
            },
            StmtKind::Explain(inner) => self.explain(source, inner),
            StmtKind::Script(block) => crate::script::run_block(self, source, block),
            StmtKind::Lab(lab) => self.lab(source, span, lab),
            StmtKind::OnNode(c) => self.on_node(source, span, c),
            StmtKind::Jobs(which) => self.jobs(source, which.as_ref()),
            StmtKind::Stop(n) => self.stop(source, n),
            StmtKind::Serve(s) => self.serve(source, span, s),
            StmtKind::Use(node) => self.use_node(source, node),
            StmtKind::Tutorial(t) => self.tutorial(source, span, t),
        }
    }

    fn declare_backend(
        &mut self,
        source: &Source,
        span: Span,
        key: ServiceKey,
        decl: &BackendDecl,
    ) -> Result<(), Failure> {
        let current = self
            .kernel
            .backends(&key)
            .map_err(|e| kernel_failure(source, span, e, "lvs::kernel::refused"))?;
        let change = plan::declare_backend(&current, key, plan::declared_backend(decl));
        self.apply(source, span, change)
    }

    fn start_daemon(&mut self, source: &Source, span: Span, daemon: Daemon) -> Result<(), Failure> {
        let state = daemon.state;
        self.apply(source, span, Change::one(Op::StartDaemon(daemon), vec![Op::StopDaemon(state)]))
    }

    fn stop_daemon(&mut self, source: &Source, span: Span, state: DaemonState) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::refused");
        let running = self.kernel.daemons().map_err(k)?.into_iter().find(|d| d.state == state);
        let undo = running.map(Op::StartDaemon).into_iter().collect();
        self.apply(source, span, Change::one(Op::StopDaemon(state), undo))
    }

    /// Applies a change in one batch; each step that took effect is journaled.
    pub(super) fn apply(&mut self, source: &Source, span: Span, change: Change) -> Result<(), Failure> {
        if change.is_empty() {
            return Ok(());
        }
        let (ops, undos): (Vec<Op>, Vec<Vec<Op>>) = change.steps.into_iter().unzip();
        if let Some(plan) = &mut self.plan {
            plan.extend(ops);
            return Ok(());
        }
        self.writes += 1;
        let outcomes =
            self.kernel.apply(&ops).map_err(|e| kernel_failure(source, span, e, "lvs::kernel::refused"))?;
        let mut first_error = None;
        for (outcome, undo) in outcomes.into_iter().zip(undos) {
            match outcome {
                Ok(()) => self.journal.record(&source.name, span, undo, self.kernel.netns()),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            None => Ok(()),
            Some(e) => Err(kernel_failure(source, span, e, "lvs::kernel::refused")),
        }
    }

    /// The key a reference means; a name must have been declared.
    pub fn resolve(&self, source: &Source, service: Option<&Spanned<SvcRef>>) -> Result<ServiceKey, Failure> {
        let Some(service) = service else {
            let d = Diagnostic::error(
                "lvs::check::no-service",
                "a backend needs its service",
                Span::default(),
                "",
            );
            return Err(Failure::script(source, d));
        };
        let name = match &service.value {
            SvcRef::Key(key) => return Ok(*key),
            SvcRef::Name(name) => name,
        };
        self.session.resolve(&service.value).ok_or_else(|| {
            let mut d = Diagnostic::error("lvs::check::unknown-service", format!("no service is named `{name}`"), service.span, "not declared before this line");
            let known: Vec<&str> = self.session.names().collect();
            d.help = Some(match crate::lang::diagnostic::suggest(name, known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "declare it first: `service NAME tcp ADDR:PORT ...`, or name it by address (`tcp ADDR:PORT`)".into(),
            });
            Failure::script(source, d)
        })
    }

    pub(super) fn table(&mut self) -> Result<Table, KernelError> {
        let info = self.kernel.info()?;
        let mut services = Vec::new();
        for entry in self.kernel.services()? {
            let backends = self.kernel.backends(&entry.service.key)?;
            services.push(ServiceRow { entry, backends });
        }
        Ok(Table { info, services })
    }

    fn show(&mut self, source: &Source, span: Span, show: &ShowStmt) -> Result<(), Failure> {
        let target = match &show.target {
            ShowTarget::Table => ListTarget::Table,
            ShowTarget::Service(s) => ListTarget::Service(self.resolve(source, Some(s))?),
            ShowTarget::Connections => ListTarget::Connections { persistent: false },
            ShowTarget::Timeouts => ListTarget::Timeouts,
            ShowTarget::Daemons => ListTarget::Daemons,
        };
        if show.json || self.json {
            return self.list_json(source, span, &target);
        }
        if let Some(name) = self.acting_on().map(str::to_string) {
            // Say whose IPVS this is when `use` or the lab chose it.
            self.write(&format!("# the IPVS of {name}\n"))?;
        }
        match (&target, show.pretty) {
            (ListTarget::Table | ListTarget::Service(_), true) => self.list_pretty(source, span, &target),
            _ => self.list(source, span, &target, &show.options),
        }
    }

    /// Prints services in lvsh's own readable form.
    fn list_pretty(&mut self, source: &Source, span: Span, target: &ListTarget) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        let session = self.session.clone();
        let name_of = move |key: &ServiceKey| session.name_of(key).map(str::to_string);
        let text = match target {
            ListTarget::Service(key) => {
                let entry = self.kernel.service(key).map_err(k)?;
                let backends = self.kernel.backends(key).map_err(k)?;
                table::service_row(&ServiceRow { entry, backends }, &name_of)
            }
            _ => table::table(&self.table().map_err(k)?, &name_of),
        };
        self.write(&text)
    }

    /// Prints a listing in `--json` form.
    fn list_json(&mut self, source: &Source, span: Span, target: &ListTarget) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        let session = self.session.clone();
        let name_of = move |key: &ServiceKey| session.name_of(key).map(str::to_string);
        let text = match target {
            ListTarget::Table => json::table(&self.table().map_err(k)?, &name_of),
            ListTarget::Service(key) => {
                let entry = self.kernel.service(key).map_err(k)?;
                let backends = self.kernel.backends(key).map_err(k)?;
                json::service_row(&ServiceRow { entry, backends }, &name_of)
            }
            ListTarget::Connections { .. } => json::connections(&self.kernel.connections().map_err(k)?),
            ListTarget::Timeouts => json::timeouts(&self.kernel.timeouts().map_err(k)?),
            ListTarget::Daemons => json::daemons(&self.kernel.daemons().map_err(k)?),
        };
        self.write(&text)
    }

    /// Prints a listing exactly as `ipvsadm -L -n` would.
    fn list(
        &mut self,
        source: &Source,
        span: Span,
        target: &ListTarget,
        options: &ListOptions,
    ) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        let text = match target {
            ListTarget::Table => listing::list(&self.table().map_err(k)?, options),
            ListTarget::Service(key) => {
                let entry = self.kernel.service(key).map_err(k)?;
                let backends = self.kernel.backends(key).map_err(k)?;
                listing::list_service(&ServiceRow { entry, backends }, options)
            }
            ListTarget::Connections { persistent } => {
                listing::connections(&self.kernel.connections().map_err(k)?, *persistent)
            }
            ListTarget::Timeouts => listing::timeouts(&self.kernel.timeouts().map_err(k)?),
            ListTarget::Daemons => listing::daemons(&self.kernel.daemons().map_err(k)?),
        };
        self.write(&text)
    }

    fn save(&mut self, source: &Source, span: Span, path: Option<&Spanned<String>>) -> Result<(), Failure> {
        let table = self.table().map_err(|e| kernel_failure(source, span, e, "lvs::kernel::list"))?;
        let text = listing::save(&table);
        match path {
            None => self.write(&text),
            Some(p) => std::fs::write(&p.value, text).map_err(|e| file_failure(source, p, "write", e)),
        }
    }

    /// Applies an `ipvsadm -S` file in one batch.
    fn restore(&mut self, source: &Source, span: Span, path: &Spanned<String>) -> Result<(), Failure> {
        let text = std::fs::read_to_string(&path.value).map_err(|e| file_failure(source, path, "read", e))?;
        let file = Source::new(path.value.clone(), text);
        let mut change = Change::default();
        for (number, line) in file.text.lines().enumerate() {
            let args: Vec<String> =
                crate::lang::ipvsadm::split_line(line).into_iter().map(|(t, _)| t).collect();
            if args.is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let step = crate::lang::ipvsadm::parse_ipvsadm(&args).map_err(|e| {
                let at = file.text.lines().take(number).map(|l| l.len() + 1).sum::<usize>();
                let d = Diagnostic::error(
                    "lvs::restore::invalid",
                    e.message.trim_end().to_string(),
                    Span::new(at, at + line.len()),
                    "ipvsadm refuses this line",
                )
                .with_note(format!(
                    "restored from {} line {}",
                    source.name,
                    source.line_col(span.start as usize).0
                ));
                Failure::script(&file, d)
            })?;
            change.steps.extend(restore_step(step));
        }
        self.apply(source, span, change)
    }

    fn source_file(&mut self, source: &Source, path: &Spanned<String>) -> Result<(), Failure> {
        let text = std::fs::read_to_string(&path.value).map_err(|e| file_failure(source, path, "read", e))?;
        let file = Source::new(path.value.clone(), text);
        let (script, diagnostics) = crate::script::parse(&file);
        if let Some(d) = diagnostics.into_iter().find(Diagnostic::is_error) {
            return Err(Failure::script(&file, d));
        }
        self.run_stmts(&file, &script)
    }

    fn ipvsadm(&mut self, source: &Source, span: Span, line: &IpvsadmLine) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::refused");
        let change = match &line.command {
            IpvsadmCommand::List { target, options } => return self.list(source, span, target, options),
            IpvsadmCommand::Save => return self.save(source, span, None),
            IpvsadmCommand::Help | IpvsadmCommand::Version => {
                return self
                    .write("ipvsadm v1.31 2019/12/24 syntax, run natively by lvsh (see `help ipvsadm`)\n")
            }
            IpvsadmCommand::Restore if self.plan.is_some() => {
                return Err(script_failure(
                    source,
                    span,
                    "`explain` cannot read `ipvsadm -R`'s standard input",
                ))
            }
            IpvsadmCommand::Restore => return self.restore_stdin(source, span),
            IpvsadmCommand::AddService(svc) => {
                Change::one(Op::AddService(svc.clone()), vec![Op::DelService(svc.key)])
            }
            IpvsadmCommand::EditService(svc) => {
                let old = self.kernel.service(&svc.key).map_err(k)?.service;
                Change::one(Op::EditService(svc.clone()), vec![Op::EditService(old)])
            }
            IpvsadmCommand::DelService(key) => plan::delete_service(self.kernel.as_mut(), *key).map_err(k)?,
            IpvsadmCommand::Flush => plan::flush(self.kernel.as_mut()).map_err(k)?,
            IpvsadmCommand::AddServer { service, backend } => Change::one(
                Op::AddBackend { service: *service, backend: *backend },
                vec![Op::DelBackend { service: *service, addr: backend.addr }],
            ),
            IpvsadmCommand::EditServer { service, backend } => {
                let current = self.kernel.backends(service).map_err(k)?;
                let old = current.iter().find(|b| b.backend.addr == backend.addr).map(|b| b.backend);
                let undo =
                    old.map(|b| Op::EditBackend { service: *service, backend: b }).into_iter().collect();
                Change::one(Op::EditBackend { service: *service, backend: *backend }, undo)
            }
            IpvsadmCommand::DelServer { service, addr } => {
                let current = self.kernel.backends(service).map_err(k)?;
                let old = current.iter().find(|b| b.backend.addr == *addr).map(|b| b.backend);
                let undo =
                    old.map(|b| Op::AddBackend { service: *service, backend: b }).into_iter().collect();
                Change::one(Op::DelBackend { service: *service, addr: *addr }, undo)
            }
            IpvsadmCommand::Zero(key) => Change::one(Op::Zero(*key), Vec::new()),
            IpvsadmCommand::SetTimeouts(t) => {
                let old = self.kernel.timeouts().map_err(k)?;
                Change::one(Op::SetTimeouts(*t), vec![Op::SetTimeouts(old)])
            }
            IpvsadmCommand::StartDaemon(d) => return self.start_daemon(source, span, d.clone()),
            IpvsadmCommand::StopDaemon(state) => return self.stop_daemon(source, span, *state),
        };
        self.apply(source, span, change)
    }
}

impl Interpreter {
    /// `ipvsadm -R`: every line of standard input as an ipvsadm invocation,
    /// inside this run's transaction (unlike ipvsadm, `#` comments are skipped).
    fn restore_stdin(&mut self, source: &Source, span: Span) -> Result<(), Failure> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            let d = Diagnostic::error("lvs::io::stdin", format!("cannot read standard input: {e}"), span, "");
            Failure::environment(source, d)
        })?;
        let input = Source::new("<stdin>", text);
        let mut at = 0;
        for line in input.text.split_inclusive('\n') {
            let start = at;
            at += line.len();
            if line.trim_start().starts_with('#') {
                continue;
            }
            let args: Vec<Spanned<String>> = crate::lang::ipvsadm::split_line(line)
                .into_iter()
                .map(|(t, r)| Spanned::new(t, Span::new(start + r.start, start + r.end)))
                .collect();
            if args.is_empty() {
                continue;
            }
            let line_span = Span::new(start, start + line.trim_end().len());
            let words: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
            let command = match crate::lang::ipvsadm::parse_ipvsadm(&words) {
                Ok(IpvsadmCommand::Restore) => {
                    return Err(script_failure(&input, line_span, "`-R` cannot be nested"))
                }
                Ok(command) => command,
                Err(e) => return Err(script_failure(&input, line_span, e.message.trim_end())),
            };
            self.ipvsadm(&input, line_span, &IpvsadmLine { args, command })?;
        }
        Ok(())
    }
}

/// What one line of an `ipvsadm -S` file adds, and its undo.
fn restore_step(command: IpvsadmCommand) -> Option<(Op, Vec<Op>)> {
    match command {
        IpvsadmCommand::AddService(svc) => {
            let key = svc.key;
            Some((Op::AddService(svc), vec![Op::DelService(key)]))
        }
        IpvsadmCommand::AddServer { service, backend } => {
            Some((Op::AddBackend { service, backend }, vec![Op::DelBackend { service, addr: backend.addr }]))
        }
        _ => None,
    }
}

fn file_failure(source: &Source, path: &Spanned<String>, action: &str, e: std::io::Error) -> Failure {
    let d = Diagnostic::error(
        "lvs::io::file",
        format!("cannot {action} `{}`: {e}", path.value),
        path.span,
        "this file",
    )
    .with_help("check the path and its permissions");
    Failure::environment(source, d)
}

pub(super) fn script_failure(source: &Source, span: Span, message: &str) -> Failure {
    let d = Diagnostic::error("lvs::check::unsupported", message.to_string(), span, "");
    Failure::script(source, d)
}
