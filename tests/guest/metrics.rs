//! `metrics` against the judges of its format and of its numbers:
//! `promtool check metrics` (Debian's `prometheus`) validates the text, and
//! the real node_exporter (Debian's `prometheus-node-exporter`, only its
//! `ipvs` collector, listening on 127.0.0.1 inside the test's director
//! namespace) is scraped for its `node_ipvs_` samples, which must be lvsh's:
//! the same names, help, types, labels and values. scripts/vm puts both
//! programs in the guest; a guest without them fails these tests.
//!
//! client (10.1.0.2) ── director (10.1.0.1 = VIP, 10.2.0.1) ── backend (10.2.0.2, 10.2.0.3)

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::lvsh::Output;
use crate::support::{TestNs, IP};
use crate::traffic::two_backends;

/// One sample: its name, its labels sorted by name, its value (every
/// `node_ipvs_` value is a whole number; node_exporter may write it as
/// `1.234567e+06`).
type Sample = (String, Vec<(String, String)>, u64);

/// The table of the traffic test: TCP with traffic, UDP with traffic, a mark
/// (printed in hex by the kernel), IPv6 and an IPv6 mark; 10.2.0.2:8000
/// serves two services.
const TABLE: &str = "service web tcp 10.1.0.1:80 rr {
    backend 10.2.0.2:8000 masq
    backend 10.2.0.3:8000 masq weight 2
}
service dns udp 10.1.0.1:53 rr {
    backend 10.2.0.2:5353 masq
}
service marked fwmark 255 wrr {
    backend 10.2.0.2:8000 masq weight 3
}
service web6 tcp [2001:db8::1]:443 {
    backend [2001:db8:1::2]:8443 masq weight 4
}
service marked6 fwmark 7 ipv6 {
    backend [2001:db8:1::3]:8000 route weight 5
}
";

#[test]
fn node_ipvs_samples_are_node_exporters_after_traffic_and_promtool_accepts_the_text() {
    let (promtool, node_exporter) = (judge("promtool", "prometheus"), judge_node_exporter());
    let t = two_backends();
    let traffic = format!(
        "{TABLE}serve {backend} 8000
serve {backend} 5353 udp
probe web count 6 from {client}
probe dns count 2 from {client} send \"ping\"
expect web no failures
expect dns no failures
",
        backend = t.backend.name,
        client = t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&traffic).run();
    assert_eq!(code, 0, "the traffic: {stdout}\n{stderr}");

    settle(&t.director, 8);

    let exporter = NodeExporter::start(&t.director, &node_exporter);
    let (ours, theirs) = agreeing_reads(&t.director, &exporter, |ours| ours.iter().cloned().collect());
    assert_same(&ours, &theirs, "lvsh's node_ipvs_ samples");
    // The same backend in two services is two samples.
    for (labels, value) in [
        ("local_address=10.1.0.1 local_mark= local_port=80 proto=TCP remote_address=10.2.0.2 remote_port=8000", 1),
        ("local_address=10.1.0.1 local_mark= local_port=80 proto=TCP remote_address=10.2.0.3 remote_port=8000", 2),
        ("local_address= local_mark=000000FF local_port=0 proto=FWM remote_address=10.2.0.2 remote_port=8000", 3),
        ("local_address=2001:db8::1 local_mark= local_port=443 proto=TCP remote_address=2001:db8:1::2 remote_port=8443", 4),
        ("local_address= local_mark=00000007 local_port=0 proto=FWM remote_address=2001:db8:1::3 remote_port=8000", 5),
    ] {
        let weight = sample("node_ipvs_backend_weight", labels, value);
        assert!(ours.contains(&weight), "{weight:?} in {ours:?}");
    }
    let text = exporter.scrape();
    assert!(text.contains("node_scrape_collector_success{collector=\"ipvs\"} 1\n"), "{text}");
    let ours = t.director.lvsh().arg("metrics").run().succeeds().stdout;
    assert_eq!(family_lines(&ours), family_lines(&text), "the node_ipvs_ families' HELP and TYPE lines");
    promtool_accepts(&promtool, &ours);

    // In a run, a service's name labels lvsh's own families.
    let named = t.director.lvsh().commands(&format!("{TABLE}metrics")).run().succeeds().stdout;
    promtool_accepts(&promtool, &named);
    for line in [
        "lvsh_service_connections_total{service=\"web\",key=\"tcp 10.1.0.1:80\"} ",
        "lvsh_backend_weight{service=\"marked6\",key=\"fwmark 7 ipv6\",backend=\"[2001:db8:1::3]:8000\"} 5\n",
        "lvsh_backend_incoming_packets_total{service=\"dns\",key=\"udp 10.1.0.1:53\",backend=\"10.2.0.2:5353\"} ",
    ] {
        assert!(named.contains(line), "{line} in\n{named}");
    }
    let web = parse(&named, "lvsh_service_connections_total");
    assert!(web.iter().any(|(_, labels, n)| labels[1].1 == "web" && *n == 6), "{web:?}");
}

#[test]
fn an_sctp_service_is_labelled_as_itself_where_node_exporter_gives_it_the_labels_of_the_service_before_it() {
    let node_exporter = judge_node_exporter();
    let director = TestNs::new();
    let table = "service web tcp 10.1.0.1:80 {
    backend 10.2.0.2:8000 masq
}
service diameter sctp 10.1.0.3:3868 {
    backend 10.2.0.7:3868 masq weight 5
    backend 10.2.0.8:3868 masq weight 7
}
";
    director.lvsh().commands(table).run().succeeds();
    // procfs reads only TCP, UDP and FWM service lines of /proc/net/ip_vs:
    // an SCTP service's backends keep the labels of the line before it.
    let listing = director.exec(&["cat", "/proc/net/ip_vs"]);
    let position = |prefix: &str| listing.lines().position(|l| l.starts_with(prefix)).expect(&listing);
    let before: [&str; 4] = match position("TCP ") < position("SCTP ") {
        true => ["10.1.0.1", "", "80", "TCP"],
        false => ["", "", "0", ""],
    };
    let exporter = NodeExporter::start(&director, &node_exporter);
    let as_node_exporter_labels = |ours: &[Sample]| -> BTreeSet<Sample> {
        ours.iter()
            .map(|(name, labels, value)| {
                let mut labels = labels.clone();
                // local_address, local_mark, local_port and proto, in name order.
                if labels.get(3).is_some_and(|(_, proto)| proto == "SCTP") {
                    labels.iter_mut().zip(before).for_each(|(label, theirs)| label.1 = theirs.to_string());
                }
                (name.clone(), labels, *value)
            })
            .collect()
    };
    let (ours, theirs) = agreeing_reads(&director, &exporter, as_node_exporter_labels);
    let ours: Vec<Sample> = ours.into_iter().collect();
    let what = format!("lvsh's samples with SCTP's labels as node_exporter gives them, after\n{listing}");
    assert_same(&as_node_exporter_labels(&ours), &theirs, &what);
    for (remote, weight) in [("10.2.0.7", 5), ("10.2.0.8", 7)] {
        let labels = format!(
            "local_address=10.1.0.3 local_mark= local_port=3868 proto=SCTP remote_address={remote} remote_port=3868"
        );
        let ours_right = sample("node_ipvs_backend_weight", &labels, weight);
        assert!(ours.contains(&ours_right), "{ours_right:?} in {ours:?}");
    }
    assert!(!theirs.iter().any(|(_, labels, _)| labels.iter().any(|(_, v)| v == "SCTP")), "{theirs:?}");
}

/// Waits until the kernel has folded the traffic's `connections` into the
/// namespace's totals (its estimator does so every two seconds).
fn settle(director: &TestNs, connections: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = director.lvsh().arg("metrics").run().succeeds().stdout;
        let total = parse(&text, "node_ipvs_connections_total");
        if total.first().is_some_and(|(_, _, n)| *n >= connections) {
            return;
        }
        assert!(Instant::now() < deadline, "the totals never counted {connections} connections:\n{text}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A judge's path in the guest, or the test fails saying why it is missing.
pub(crate) fn judge(program: &str, package: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| {
            panic!(
                "{program} is not in the guest: scripts/vm puts it there from the host, or from Debian's \
                 `{package}` package, which it unpacks into its cache; its output says why it could not"
            )
        })
}

pub(crate) fn judge_node_exporter() -> String {
    judge("prometheus-node-exporter", "prometheus-node-exporter")
}

/// `promtool check metrics` finds no problem in `text`.
pub(crate) fn promtool_accepts(promtool: &str, text: &str) {
    let mut check = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    check.stdin.take().expect("promtool's stdin").write_all(text.as_bytes()).expect("feed promtool");
    let out = check.wait_with_output().expect("wait for promtool");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool check metrics ({}): {said}\n{text}", out.status);
}

/// node_exporter with only its ipvs collector, on 127.0.0.1:9100 in a
/// namespace; ended when dropped.
pub(crate) struct NodeExporter {
    process: Child,
    ns: lvsh::ipvs::Netns,
    log: String,
}

impl NodeExporter {
    fn start(ns: &TestNs, program: &str) -> NodeExporter {
        NodeExporter::start_in(&ns.name, program)
    }

    /// node_exporter in the namespace `name` (one the test did not make as
    /// a `TestNs`, such as a lab node's).
    pub(crate) fn start_in(name: &str, program: &str) -> NodeExporter {
        let log = format!("/tmp/{name}-node-exporter.log");
        let process = Command::new(IP)
            .args(["netns", "exec", name, program])
            .args(["--collector.disable-defaults", "--collector.ipvs", "--web.listen-address=127.0.0.1:9100"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("node_exporter's log"))
            .spawn()
            .expect("start node_exporter");
        let mut exporter = NodeExporter { process, ns: lvsh::ipvs::Netns::Named(name.to_string()), log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while exporter.connect().is_err() {
            if let Ok(Some(status)) = exporter.process.try_wait() {
                panic!("node_exporter ended ({status}): {}", exporter.said());
            }
            assert!(Instant::now() < deadline, "node_exporter never listened: {}", exporter.said());
            std::thread::sleep(Duration::from_millis(100));
        }
        exporter
    }

    fn said(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        self.ns.run(|| TcpStream::connect("127.0.0.1:9100")).expect("enter the director's namespace")
    }

    /// The text of `GET /metrics`, from inside the namespace.
    pub(crate) fn scrape(&self) -> String {
        let mut stream = self.connect().expect("connect to node_exporter");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");
        stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("ask node_exporter");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("node_exporter's reply");
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or_else(|| panic!("an HTTP reply: {reply}"));
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}\n{}",
            self.said()
        );
        body.to_string()
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// lvsh's `node_ipvs_` samples (passed through `expect`, which says what
/// node_exporter should make of them) and node_exporter's, read while the
/// table held still: connections change state and the kernel folds its
/// counters in every two seconds, so lvsh reads before and after each
/// scrape, and a scrape between two equal reads is the one compared.
fn agreeing_reads(
    director: &TestNs,
    exporter: &NodeExporter,
    expect: impl Fn(&[Sample]) -> BTreeSet<Sample>,
) -> (BTreeSet<Sample>, BTreeSet<Sample>) {
    let read = || parse(&director.lvsh().arg("metrics").run().succeeds().stdout, "node_ipvs_");
    let mut attempts = Vec::new();
    for _ in 0..10 {
        let before = read();
        let theirs: BTreeSet<Sample> = parse(&exporter.scrape(), "node_ipvs_").into_iter().collect();
        let after = read();
        if before == after && expect(&after) == theirs {
            return (after.into_iter().collect(), theirs);
        }
        attempts.push((before, after, theirs));
        std::thread::sleep(Duration::from_millis(700));
    }
    let (_, ours, theirs) = attempts.pop().expect("ten attempts");
    (ours.into_iter().collect(), theirs)
}

/// `ours` and node_exporter's samples are the same set, or the test fails
/// naming the samples only one of them has.
fn assert_same(ours: &BTreeSet<Sample>, theirs: &BTreeSet<Sample>, what: &str) {
    let only_ours: Vec<&Sample> = ours.difference(theirs).collect();
    let only_theirs: Vec<&Sample> = theirs.difference(ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "{what} differ from node_exporter's:\nonly lvsh's: {only_ours:#?}\nonly node_exporter's: {only_theirs:#?}"
    );
}

/// Every sample whose name starts with `prefix`, labels sorted by name.
fn parse(text: &str, prefix: &str) -> Vec<Sample> {
    let mut samples: Vec<Sample> = text
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample: {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels_of(labels.strip_suffix('}').expect(line))),
                None => (series, Vec::new()),
            };
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
            assert!(value.fract() == 0.0 && value < 2f64.powi(53), "a whole number: {line}");
            (name.to_string(), labels, value as u64)
        })
        .collect();
    samples.sort();
    samples
}

/// `a="x",b="y\"z"` as pairs, sorted by name, values unescaped.
fn labels_of(text: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => panic!("an escape at the end of {text}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("an unclosed label value in {text}"),
            }
        };
        labels.push((name.trim_start_matches(',').to_string(), value));
        rest = &after[end + 1..];
    }
    labels.sort();
    labels
}

/// A sample from `name=value` words (labels in name order).
fn sample(name: &str, labels: &str, value: u64) -> Sample {
    let labels = labels
        .split(' ')
        .map(|pair| pair.split_once('=').map(|(n, v)| (n.to_string(), v.to_string())).expect(pair))
        .collect();
    (name.to_string(), labels, value)
}

/// The `# HELP` and `# TYPE` lines of the `node_ipvs_` families.
fn family_lines(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter(|l| l.starts_with("# HELP node_ipvs_") || l.starts_with("# TYPE node_ipvs_"))
        .collect()
}
