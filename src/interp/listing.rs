//! `show` and `save`: the kernel's table read and printed, as ipvsadm
//! lists it, in lvsh's readable form, as JSON, or in `ipvsadm -S` form.

use super::failure::file_failure;
use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{KernelError, ServiceKey};
use crate::lang::ast::{ShowStmt, ShowTarget};
use crate::lang::ipvsadm::ListTarget;
use crate::lang::show::{ListFormat, ListOptions};
use crate::lang::source::{Source, Span, Spanned};
use crate::render::ipvsadm::{self as listing, ServiceRow, Table};
use crate::render::{json, table};

/// The failure for a kernel error while reading what to list.
fn list_failure(source: &Source, span: Span, e: KernelError) -> Failure {
    kernel_failure(source, span, e, "lvs::kernel::list")
}

impl Interpreter {
    /// The whole table: every service with its backends and their counters.
    pub(super) fn table(&mut self) -> Result<Table, KernelError> {
        let info = self.kernel.info()?;
        let rows = self.kernel.table_counted()?;
        let services = rows.into_iter().map(|(entry, backends)| ServiceRow { entry, backends }).collect();
        Ok(Table { info, services })
    }

    /// The whole table, its backends' counters left zero: what a listing
    /// that shows none of them needs, read with far less kernel work.
    pub(super) fn table_without_counters(&mut self) -> Result<Table, KernelError> {
        let info = self.kernel.info()?;
        let rows = self.kernel.table()?;
        let services = rows.into_iter().map(|(entry, backends)| ServiceRow { entry, backends }).collect();
        Ok(Table { info, services })
    }

    /// The table a listing in `format` needs: counters only for `--stats` and `--rate`.
    pub(super) fn table_for(&mut self, format: ListFormat) -> Result<Table, KernelError> {
        match format {
            ListFormat::Stats | ListFormat::Rate => self.table(),
            _ => self.table_without_counters(),
        }
    }

    /// One service with its backends.
    pub(super) fn service_row(&mut self, key: &ServiceKey) -> Result<ServiceRow, KernelError> {
        let entry = self.kernel.service(key)?;
        let backends = self.kernel.backends(key)?;
        Ok(ServiceRow { entry, backends })
    }

    pub(super) fn show(&mut self, source: &Source, span: Span, show: &ShowStmt) -> Result<(), Failure> {
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
        let k = |e| list_failure(source, span, e);
        let session = self.session.clone();
        let name_of = move |key: &ServiceKey| session.name_of(key).map(str::to_string);
        let text = match target {
            ListTarget::Service(key) => table::service_row(&self.service_row(key).map_err(k)?, &name_of),
            _ => table::table(&self.table().map_err(k)?, &name_of),
        };
        self.write(&text)
    }

    /// Prints a listing in `--json` form.
    fn list_json(&mut self, source: &Source, span: Span, target: &ListTarget) -> Result<(), Failure> {
        let k = |e| list_failure(source, span, e);
        let session = self.session.clone();
        let name_of = move |key: &ServiceKey| session.name_of(key).map(str::to_string);
        let text = match target {
            ListTarget::Table => json::table(&self.table().map_err(k)?, &name_of),
            ListTarget::Service(key) => json::service_row(&self.service_row(key).map_err(k)?, &name_of),
            ListTarget::Connections { .. } => json::connections(&self.kernel.connections().map_err(k)?),
            ListTarget::Timeouts => json::timeouts(&self.kernel.timeouts().map_err(k)?),
            ListTarget::Daemons => json::daemons(&self.kernel.daemons().map_err(k)?),
        };
        self.write(&text)
    }

    /// Prints a listing exactly as `ipvsadm -L -n` would.
    pub(super) fn list(
        &mut self,
        source: &Source,
        span: Span,
        target: &ListTarget,
        options: &ListOptions,
    ) -> Result<(), Failure> {
        let k = |e| list_failure(source, span, e);
        let text = match target {
            ListTarget::Table => {
                let table = self.table_for(options.format).map_err(k)?;
                return listing::list_in_parts(&table, options, None, |part| self.write(part));
            }
            ListTarget::Service(key) => listing::list_service(&self.service_row(key).map_err(k)?, options),
            ListTarget::Connections { persistent } => {
                listing::connections(&self.kernel.connections().map_err(k)?, *persistent)
            }
            ListTarget::Timeouts => listing::timeouts(&self.kernel.timeouts().map_err(k)?),
            ListTarget::Daemons => listing::daemons(&self.kernel.daemons().map_err(k)?),
        };
        self.write(&text)
    }

    /// Prints the table in `ipvsadm -S` form, or writes it to a file.
    pub(super) fn save(
        &mut self,
        source: &Source,
        span: Span,
        path: Option<&Spanned<String>>,
    ) -> Result<(), Failure> {
        let table = self.table_without_counters().map_err(|e| list_failure(source, span, e))?;
        let text = listing::save(&table);
        match path {
            None => self.write(&text),
            Some(p) => std::fs::write(&p.value, text).map_err(|e| file_failure(source, p, "write", e)),
        }
    }
}
