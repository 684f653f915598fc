//! Metrics in Prometheus's text exposition format (version 0.0.4), what
//! `metrics` and `lvsh metrics` print: a list of [`Family`]s, each a name,
//! its help, its type and its samples, rendered by [`exposition`].
//!
//! The families of the namespace's IPVS are node_exporter's ([`node`],
//! exactly as its `ipvs` collector names and labels them, so dashboards
//! keep working) and lvsh's own ([`lvsh`]); [`ipvs`] gives both. A program
//! that serves more (the keeper's health and repairs) appends its families
//! to the same list: [`exposition`] orders them by name and writes each
//! family's `# HELP` and `# TYPE` once, even when it comes in several parts.

pub mod keep;
pub mod lvsh;
pub mod node;

use std::fmt::Write;

use super::ipvsadm::ServiceRow;
use crate::ipvs::{ServiceKey, Stats};

/// A metric's type, as its `# TYPE` line says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only ever goes up (until the kernel's counters are zeroed).
    Counter,
    /// Goes up and down.
    Gauge,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// A sample's value: the kernel's counts exactly, or a measured quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A count, written in full (a 64-bit counter loses nothing).
    Count(u64),
    /// Seconds, ratios and the like.
    Real(f64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Real(x) if x.is_nan() => f.write_str("NaN"),
            Value::Real(x) if x.is_infinite() => f.write_str(if x > 0.0 { "+Inf" } else { "-Inf" }),
            Value::Real(x) => write!(f, "{x}"),
        }
    }
}

/// One sample: its labels (names and values, written in this order) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// A metric family: every sample of one name.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: String,
    /// One line: what the metric measures.
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

impl Family {
    /// A family with no samples yet.
    pub fn new(name: impl Into<String>, help: impl Into<String>, kind: Kind) -> Family {
        Family { name: name.into(), help: help.into(), kind, samples: Vec::new() }
    }

    /// Adds a sample.
    pub fn sample(&mut self, labels: Vec<(&'static str, String)>, value: Value) {
        self.samples.push(Sample { labels, value });
    }
}

/// Every family of a namespace's IPVS: node_exporter's and lvsh's own.
/// `totals` is what [`crate::ipvs::totals::read_totals`] reads; `name_of`
/// gives a service's name in the session, if it has one.
pub fn ipvs(
    totals: &Stats,
    services: &[ServiceRow],
    name_of: &dyn Fn(&ServiceKey) -> Option<String>,
) -> Vec<Family> {
    let mut families = node::families(totals, services);
    families.extend(lvsh::families(services, name_of));
    families
}

/// The text of the families, ordered by name; a family's `# HELP` and
/// `# TYPE` come once, before all its samples (those of every part with its
/// name, the first part's help and type); a family without samples is left
/// out, as Prometheus's own clients leave it out.
pub fn exposition(families: &[Family]) -> String {
    let mut ordered: Vec<&Family> = families.iter().collect();
    ordered.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for (i, family) in ordered.iter().enumerate() {
        let first_part = i == 0 || ordered[i - 1].name != family.name;
        let has_samples =
            ordered[i..].iter().take_while(|f| f.name == family.name).any(|f| !f.samples.is_empty());
        if first_part && has_samples {
            let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(&family.help));
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind.word());
        }
        for sample in &family.samples {
            out.push_str(&family.name);
            if !sample.labels.is_empty() {
                let labels: Vec<String> = sample
                    .labels
                    .iter()
                    .map(|(name, value)| format!("{name}=\"{}\"", escape_label(value)))
                    .collect();
                let _ = write!(out, "{{{}}}", labels.join(","));
            }
            let _ = writeln!(out, " {}", sample.value);
        }
    }
    out
}

/// A label value as the format quotes it: `\`, `"` and newlines escaped.
fn escape_label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Help text as the format writes it: `\` and newlines escaped.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Services to render, for the tests of the families.
#[cfg(test)]
mod fixture {
    use crate::ipvs::{Backend, BackendEntry, Forward, Service, ServiceEntry, ServiceKey, Stats};
    use crate::render::ipvsadm::ServiceRow;

    /// A service and its backends, each `(ADDR:PORT, weight, active, inactive)`.
    pub fn row(key: ServiceKey, backends: &[(&str, u32, u32, u32)]) -> ServiceRow {
        let entry = ServiceEntry { service: Service::new(key), stats: Stats::default() };
        let backends = backends
            .iter()
            .map(|(addr, weight, active, inactive)| {
                let addr = addr.parse().expect("a backend's ADDR:PORT");
                let mut b = BackendEntry::idle(Backend::new(addr, Forward::Masq).with_weight(*weight));
                (b.active_conns, b.inactive_conns) = (*active, *inactive);
                b
            })
            .collect();
        ServiceRow { entry, backends }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(name: &str, kind: Kind, samples: &[(&[(&'static str, &str)], Value)]) -> Family {
        let mut f = Family::new(name, format!("What {name} counts."), kind);
        for (labels, value) in samples {
            f.sample(labels.iter().map(|(n, v)| (*n, v.to_string())).collect(), *value);
        }
        f
    }

    #[test]
    fn each_family_has_its_help_and_type_once_before_its_samples_and_families_are_ordered() {
        let families = [
            family("b_total", Kind::Counter, &[(&[("x", "1")], Value::Count(3))]),
            family("a", Kind::Gauge, &[(&[], Value::Count(7))]),
            family("b_total", Kind::Counter, &[(&[("x", "2")], Value::Count(4))]),
        ];
        assert_eq!(
            exposition(&families),
            "# HELP a What a counts.
# TYPE a gauge
a 7
# HELP b_total What b_total counts.
# TYPE b_total counter
b_total{x=\"1\"} 3
b_total{x=\"2\"} 4
"
        );
    }

    #[test]
    fn a_family_without_samples_is_left_out_but_an_empty_part_of_one_with_samples_is_not_in_the_way() {
        let families = [
            family("empty", Kind::Gauge, &[]),
            family("some", Kind::Gauge, &[]),
            family("some", Kind::Gauge, &[(&[], Value::Count(1))]),
        ];
        assert_eq!(exposition(&families), "# HELP some What some counts.\n# TYPE some gauge\nsome 1\n");
        assert_eq!(exposition(&[]), "");
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut f = Family::new("m", "a \\ backslash\nand a newline", Kind::Gauge);
        f.sample(
            vec![("path", "C:\\dir \"quoted\"\nnext".to_string()), ("empty", String::new())],
            Value::Count(0),
        );
        assert_eq!(
            exposition(&[f]),
            "# HELP m a \\\\ backslash\\nand a newline
# TYPE m gauge
m{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\",empty=\"\"} 0
"
        );
    }

    #[test]
    fn counts_are_written_in_full_and_reals_as_the_format_spells_them() {
        assert_eq!(Value::Count(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::Real(0.25).to_string(), "0.25");
        assert_eq!(Value::Real(1e21).to_string(), "1000000000000000000000");
        assert_eq!(Value::Real(f64::NAN).to_string(), "NaN");
        assert_eq!(Value::Real(f64::INFINITY).to_string(), "+Inf");
        assert_eq!(Value::Real(f64::NEG_INFINITY).to_string(), "-Inf");
    }
}
