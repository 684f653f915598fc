//! `metrics`: the namespace's IPVS as Prometheus metrics, once. The table
//! with every counter comes over netlink; the namespace's totals from
//! `/proc/net/ip_vs_stats`, which has no netlink equivalent.

use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::totals::read_totals;
use crate::ipvs::ServiceKey;
use crate::lang::source::{Source, Span};
use crate::render::metrics;

impl Interpreter {
    /// Prints node_exporter's IPVS families and lvsh's own, in the text format.
    pub(super) fn metrics(&mut self, source: &Source, span: Span) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        let table = self.table().map_err(k)?;
        let totals = read_totals(&self.kernel.netns()).map_err(k)?;
        let session = self.session.clone();
        let name_of = move |key: &ServiceKey| session.name_of(key).map(str::to_string);
        let families = metrics::ipvs(&totals, &table.services, &name_of);
        self.write(&metrics::exposition(&families))
    }
}
