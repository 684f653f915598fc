//! Listings while tables change: lvsh names each service and backend once,
//! and misses none that is there throughout, while ipvsadm adds and deletes
//! others in another namespace and in this one. A kernel dump resumes by
//! position, so without lvsh's merging and its IPv4 snapshot these listings
//! repeat and skip entries (see the netlink client's module doc). These run
//! alone, as `quiet::` tests: their churn would move other tests' dumps.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lvsh::ipvs::{Kernel, ServiceKey};

use crate::support::{key, TestNs};

/// Services that stay: three dump messages of lvsh's (about 100 each).
const STABLE: usize = 300;
/// Services added and deleted in the other namespace, each round.
const CHURN_ELSEWHERE: usize = 400;
/// Services added and deleted next to the stable ones, each round.
const CHURN_HERE: usize = 100;
const SAVES: usize = 50;
/// Backends that stay in the backend test: three dump messages (about 90 each).
const STABLE_BACKENDS: usize = 250;
/// Backends added while lvsh lists them, in batches.
const ADDED_BACKENDS: usize = 1000;
const BACKEND_BATCH: usize = 25;
/// How long the churn may take to start before the test gives up.
const START_LIMIT: Duration = Duration::from_secs(60);

/// The `i`th address of `10.NET.0.0/16`.
fn addr(net: u8, i: usize) -> String {
    format!("10.{net}.{}.{}", i / 250, i % 250 + 1)
}

/// The `ipvsadm -S -n` line of the `i`th stable service.
fn stable_line(i: usize) -> String {
    format!("-A -t {}:80 -s rr", addr(1, i))
}

/// `ipvsadm -R` lines adding (`-A`) or deleting (`-D`) `count` UDP services in `10.NET/16`.
fn udp_services(command: &str, net: u8, count: usize) -> String {
    let scheduler = if command == "-A" { " -s rr" } else { "" };
    (0..count).map(|i| format!("{command} -u {}:53{scheduler}\n", addr(net, i))).collect()
}

/// Sets `stop` when dropped, so that a failing assertion still ends the churn.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Waits until `batches` counts one, so that what follows runs during churn.
fn wait_for_churn(batches: &AtomicUsize) {
    let start = Instant::now();
    while batches.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < START_LIMIT, "the churn did not start within {START_LIMIT:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// What is wrong with one `save`: repeated lines, stable services missing,
/// services that belong to neither set. Empty when it is right.
fn save_faults(save: &str, stable: &HashSet<String>, churn_here: &HashSet<String>) -> Vec<String> {
    let mut faults = Vec::new();
    let mut seen = HashSet::new();
    for line in save.lines() {
        if !seen.insert(line) {
            faults.push(format!("repeated: {line}"));
        }
        if !stable.contains(line) && !churn_here.contains(line) {
            faults.push(format!("unexpected: {line}"));
        }
    }
    faults.extend(
        stable.iter().filter(|line| !seen.contains(line.as_str())).map(|line| format!("missing: {line}")),
    );
    faults
}

#[test]
fn fifty_saves_list_each_service_once_while_two_namespaces_churn() {
    let here = TestNs::quiet();
    let elsewhere = TestNs::quiet();
    let stable: HashSet<String> = (0..STABLE).map(stable_line).collect();
    let setup: String = (0..STABLE).map(|i| format!("{}\n", stable_line(i))).collect();
    here.ipvsadm_restore(&setup);
    assert_eq!(here.save().lines().count(), STABLE, "the stable services, before any churn");
    let churn_here: HashSet<String> = udp_services("-A", 3, CHURN_HERE).lines().map(str::to_string).collect();

    let stop = AtomicBool::new(false);
    let batches = AtomicUsize::new(0);
    let (saves, batches_during) = thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        scope.spawn(|| {
            // Whole rounds only: each leaves both tables as it found them.
            while !stop.load(Ordering::SeqCst) {
                for (ns, command, net, count) in [
                    (&elsewhere, "-A", 2, CHURN_ELSEWHERE),
                    (&here, "-A", 3, CHURN_HERE),
                    (&elsewhere, "-D", 2, CHURN_ELSEWHERE),
                    (&here, "-D", 3, CHURN_HERE),
                ] {
                    ns.ipvsadm_restore(&udp_services(command, net, count));
                    batches.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        wait_for_churn(&batches);
        let before = batches.load(Ordering::SeqCst);
        let saves: Vec<String> =
            (0..SAVES).map(|_| here.lvsh().commands("save").run().succeeds().stdout).collect();
        (saves, batches.load(Ordering::SeqCst) - before)
    });

    assert!(batches_during >= 2, "only {batches_during} churn batches ran during the saves");
    let faulty: Vec<(usize, Vec<String>)> = saves
        .iter()
        .map(|save| save_faults(save, &stable, &churn_here))
        .enumerate()
        .filter(|(_, faults)| !faults.is_empty())
        .collect();
    if let Some((first, faults)) = faulty.first() {
        panic!(
            "{} of {SAVES} saves were wrong; save {first}: {} faults, first {:?}",
            faulty.len(),
            faults.len(),
            &faults[..faults.len().min(5)]
        );
    }
    assert_eq!(here.save().lines().count(), STABLE, "the churn left the table as it found it");
}

#[test]
fn backends_added_while_lvsh_lists_them_are_each_listed_once() {
    let ns = TestNs::quiet();
    let vip = "111.111.0.1:80";
    let service: ServiceKey = key(&format!("tcp {vip}"));
    let backend_lines = |net: u8, range: std::ops::Range<usize>| -> String {
        range.map(|i| format!("-a -t {vip} -r {}:8000 -m\n", addr(net, i))).collect()
    };
    ns.ipvsadm_restore(&format!("-A -t {vip} -s rr\n{}", backend_lines(1, 0..STABLE_BACKENDS)));
    let stable: HashSet<String> = (0..STABLE_BACKENDS).map(|i| format!("{}:8000", addr(1, i))).collect();
    let mut kernel = ns.kernel();

    // Only additions: a deletion between two messages may skip a backend
    // that stays (the client's module doc says so), an addition repeats one.
    let done = AtomicBool::new(false);
    let batches = AtomicUsize::new(0);
    let (listings, faulty) = thread::scope(|scope| {
        let _done = StopOnDrop(&done);
        scope.spawn(|| {
            let _done = StopOnDrop(&done);
            for start in (0..ADDED_BACKENDS).step_by(BACKEND_BATCH) {
                ns.ipvsadm_restore(&backend_lines(2, start..start + BACKEND_BATCH));
                batches.fetch_add(1, Ordering::SeqCst);
            }
        });
        wait_for_churn(&batches);
        let (mut listings, mut faulty) = (0, Vec::new());
        while !done.load(Ordering::SeqCst) {
            let listing = kernel.backends(&service).expect("list the backends");
            let addrs: Vec<String> = listing.iter().map(|b| b.backend.addr.to_string()).collect();
            let unique: HashSet<&String> = addrs.iter().collect();
            let missing = stable.iter().filter(|a| !unique.contains(a)).count();
            if unique.len() != addrs.len() || missing > 0 {
                faulty.push((listings, addrs.len() - unique.len(), missing));
            }
            listings += 1;
        }
        (listings, faulty)
    });

    assert!(listings >= 2, "only {listings} listings ran while backends were added");
    assert!(faulty.is_empty(), "(listing, repeats, stable missing) of {listings} listings: {faulty:?}");
    assert_eq!(kernel.backends(&service).unwrap().len(), STABLE_BACKENDS + ADDED_BACKENDS);
}
