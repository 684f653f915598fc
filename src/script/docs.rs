//! What `help rhai` shows: each function and property lvsh gives Rhai,
//! with its signature, one line of doc and an example (compiled by a test).

pub use crate::render::fn_doc::FnDoc;

use super::options;

const fn doc(name: &'static str, signature: &'static str, doc: &'static str, example: &'static str) -> FnDoc {
    FnDoc { name, signature, doc, example, options: Vec::new }
}

/// A function that takes an option map: its keys come from the statement tables.
const fn with_options(options: fn() -> Vec<&'static str>, doc: FnDoc) -> FnDoc {
    FnDoc { options, ..doc }
}

/// Every function and property, globals first, then by type.
pub fn functions() -> &'static [FnDoc] {
    FUNCTIONS
}

const FUNCTIONS: &[FnDoc] = &[
    doc(
        "services",
        "services() -> [Service]",
        "every service in the kernel",
        r#"for s in services() { print(s); }"#,
    ),
    doc(
        "service",
        "service(ref: string) -> Service",
        "a service by name, `tcp ADDR:PORT`, `fwmark N` or a bare `ADDR:PORT`",
        r#"let web = service("tcp 111.111.0.1:80");"#,
    ),
    with_options(
        || [&["name"][..], &options::SERVICE.names()].concat(),
        doc(
            "service_add",
            "service_add(key: string [, options: map]) -> Service",
            "declares a service",
            r#"let web = service_add("tcp 111.111.0.1:80", #{ name: "web", scheduler: "wrr", persistent: 300 });"#,
        ),
    ),
    doc(
        "run",
        "run(statements: string)",
        "runs `.lvs` statements in this run's transaction",
        r#"run("show web");"#,
    ),
    doc("sleep", "sleep(ms: int)", "waits that many milliseconds", "sleep(500);"),
    doc(
        "assert",
        "assert(condition: bool [, message: string])",
        "stops the script as a failed expectation (exit 1) unless the condition holds",
        r#"assert(web.backends().len() == 2, "two backends");"#,
    ),
    doc(
        "message",
        "Error.message -> string",
        "what an lvsh error caught with `catch (e)` says, as in `.lvs`",
        r#"try { service("web"); } catch (e) { print(e.message); }"#,
    ),
    doc(
        "code",
        "Error.code -> string",
        "its diagnostic code, e.g. `lvs::kernel::refused`",
        r#"try { service("web"); } catch (e) { print(e.code); }"#,
    ),
    doc("print", "print(value)", "writes a line to lvsh's output", r#"print(`weight ${b.weight}`);"#),
    doc("key", "Service.key -> string", "the service's key, e.g. `tcp 111.111.0.1:80`", "print(web.key);"),
    doc(
        "name",
        "Service.name -> string or ()",
        "the name a `service` statement or `service_add` gave it",
        "print(web.name);",
    ),
    doc("protocol", "Service.protocol -> string", "`tcp`, `udp`, `sctp` or `fwmark`", "print(web.protocol);"),
    doc(
        "address",
        "Service.address, Backend.address -> string",
        "the IP address (`()` for a fwmark service)",
        "print(web.address);",
    ),
    doc("port", "Service.port, Backend.port -> int", "the port (0 for a fwmark service)", "print(web.port);"),
    doc(
        "fwmark",
        "Service.fwmark -> int or ()",
        "the firewall mark of a fwmark service",
        "print(web.fwmark);",
    ),
    doc(
        "scheduler",
        "Service.scheduler -> string (writable)",
        "the scheduler; setting it edits the service in the kernel",
        r#"web.scheduler = "wrr";"#,
    ),
    doc(
        "flags",
        "Service.flags -> [string] (writable)",
        "scheduler flags, e.g. `sh-port`",
        r#"web.flags = ["sh-fallback", "sh-port"];"#,
    ),
    doc(
        "persistence",
        "Service.persistence -> int (writable)",
        "the persistence timeout in seconds, 0 when not persistent",
        "web.persistence = 300;",
    ),
    doc("netmask", "Service.netmask -> string", "the persistence granularity", "print(web.netmask);"),
    doc(
        "one_packet",
        "Service.one_packet -> bool (writable)",
        "one-packet scheduling (UDP)",
        "print(web.one_packet);",
    ),
    doc(
        "stats",
        "Service.stats, Backend.stats -> map",
        "counters: conns, in_pkts, out_pkts, in_bytes, out_bytes, cps, ...",
        "print(web.stats.conns);",
    ),
    doc(
        "backends",
        "Service.backends() -> [Backend]",
        "the service's backends, in the order they were added",
        "for b in web.backends() { print(b.addr); }",
    ),
    doc(
        "backend",
        "Service.backend(addr: string) -> Backend",
        "one backend of the service",
        r#"let b = web.backend("10.10.0.2:8000");"#,
    ),
    with_options(
        || options::BACKEND.names(),
        doc(
            "add_backend",
            "Service.add_backend(addr: string [, options: map]) -> Backend",
            "declares a backend",
            r#"web.add_backend("10.10.0.4:8000", #{ method: "masq", weight: 2 });"#,
        ),
    ),
    doc(
        "remove",
        "Service.remove(), Backend.remove()",
        "deletes the service (with its backends) or the backend",
        "web.remove();",
    ),
    doc("zero", "Service.zero()", "resets the service's counters (not undone by a rollback)", "web.zero();"),
    with_options(
        || options::PROBE.names(),
        doc(
            "probe",
            "Service.probe([options: map]) -> ProbeResult",
            "real connections, as the `probe` statement",
            r#"let r = web.probe(#{ count: 6, from: "ext1" });"#,
        ),
    ),
    doc("addr", "Backend.addr -> string", "`ADDR:PORT`", "print(b.addr);"),
    doc("method", "Backend.method -> string", "`masq`, `route`, `tunnel` or `local`", "print(b.method);"),
    doc(
        "weight",
        "Backend.weight -> int (writable)",
        "the weight; setting it edits the backend in the kernel",
        "b.weight = 3;",
    ),
    doc(
        "upper",
        "Backend.upper -> int (writable)",
        "the upper connection threshold (0: none)",
        "b.upper = 200;",
    ),
    doc(
        "lower",
        "Backend.lower -> int (writable)",
        "the lower connection threshold (0: none)",
        "b.lower = 150;",
    ),
    doc("thresholds", "Backend.thresholds -> map", "#{ upper, lower }", "print(b.thresholds);"),
    doc("set_weight", "Backend.set_weight(n: int)", "sets the weight in the kernel", "b.set_weight(0);"),
    doc("connections", "ProbeResult.connections -> int", "connections attempted", "print(r.connections);"),
    doc("served", "ProbeResult.served -> int", "connections a backend answered", "print(r.served);"),
    doc(
        "counts",
        "ProbeResult.counts -> map",
        "connections per backend address",
        r#"print(r.counts["10.10.0.2:8000"]);"#,
    ),
    doc(
        "count",
        "ProbeResult.count(addr: string) -> int",
        "connections one backend served",
        r#"print(r.count("10.10.0.2:8000"));"#,
    ),
    doc(
        "order",
        "ProbeResult.order -> [string]; order(cycle: [string]) -> bool",
        "the backends in connection order; or whether they follow a cycle",
        r#"print(r.order);"#,
    ),
    doc(
        "failures",
        "ProbeResult.failures -> [string]",
        "each failed connection and why",
        "print(r.failures);",
    ),
    doc(
        "latencies",
        "ProbeResult.latencies -> [float]",
        "each served connection's latency in ms",
        "print(r.latencies);",
    ),
    doc("latency", "ProbeResult.latency -> map or ()", "#{ min, median, max } in ms", "print(r.latency);"),
    doc(
        "spread_even",
        "ProbeResult.spread_even([within: int]) -> bool",
        "`expect spread even`",
        "if !r.spread_even(1) { print(r); }",
    ),
    doc(
        "ratio_weights",
        "ProbeResult.ratio_weights([within_percent: int]) -> bool",
        "`expect ratio weights`, with the weights when probed",
        "print(r.ratio_weights(10));",
    ),
    doc(
        "order_alternate",
        "ProbeResult.order_alternate() -> bool",
        "`expect order alternate`",
        "print(r.order_alternate());",
    ),
    doc(
        "reaches_all",
        "ProbeResult.reaches_all() -> bool",
        "`expect reaches all`",
        "print(r.reaches_all());",
    ),
    doc(
        "reaches_only",
        "ProbeResult.reaches_only(set: [string]) -> bool",
        "`expect reaches only ...`",
        r#"print(r.reaches_only(["10.10.0.2:8000"]));"#,
    ),
    doc("sticky", "ProbeResult.sticky() -> bool", "`expect sticky`", "print(r.sticky());"),
    doc(
        "no_failures",
        "ProbeResult.no_failures() -> bool",
        "`expect no failures`",
        "print(r.no_failures());",
    ),
    doc(
        "latency_below",
        "ProbeResult.latency_below(ms: int) -> bool",
        "`expect latency below`",
        "print(r.latency_below(500));",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_compiles_in_the_sandbox() {
        let engine = super::super::engine::sandboxed();
        for f in functions() {
            assert!(engine.compile(f.example).is_ok(), "{}: {}", f.name, f.example);
            assert!(f.example.contains(f.name), "the example of {} uses it", f.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = functions().iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), functions().len());
    }
}
