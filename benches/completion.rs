//! Completion latency with a big table: `scripts/bench --completion` runs
//! this in the QEMU guest (it needs IPVS). It fills the kernel with N TCP
//! services (default 10,000) of 2 backends each, then times what the shell
//! does: the background refresh of the catalog (every service and backend),
//! how long the prompt waits after a command, and Tab at a service, an
//! address and a backend position. A benchmark, not a test: it prints
//! figures and judges nothing. It flushes the table at the end, unless
//! LVSH_BENCH_KEEP is set.

use std::time::{Duration, Instant};

use lvsh::ipvs::{Backend, Forward, Kernel, NetlinkKernel, Netns, Op, Service, ServiceKey};
use lvsh::repl::catalog::{Catalog, Names};
use lvsh::repl::complete::{complete, Model};
use lvsh::repl::hint::hint;
use lvsh::repl::refresh::Refresher;

/// The k-th service address, 10.(k/62500).(k/250%250).(k%250+1):80.
fn vip(k: usize) -> std::net::SocketAddr {
    let addr = std::net::Ipv4Addr::new(10, (k / 62_500) as u8, (k / 250 % 250) as u8, (k % 250 + 1) as u8);
    std::net::SocketAddr::from((addr, 80))
}

fn backend(k: usize, b: usize) -> Backend {
    let n = 2 * k + b;
    let addr =
        std::net::Ipv4Addr::new(172, 16 + (n / 62_500) as u8, (n / 250 % 250) as u8, (n % 250 + 1) as u8);
    Backend::new(std::net::SocketAddr::from((addr, 8080)), Forward::Masq)
}

fn fill(kernel: &mut dyn Kernel, services: usize) -> Result<(), String> {
    let mut ops = Vec::with_capacity(services * 3);
    for k in 0..services {
        let key = ServiceKey::tcp(vip(k));
        ops.push(Op::AddService(Service::new(key).with_scheduler("rr")));
        ops.extend((0..2).map(|b| Op::AddBackend { service: key, backend: backend(k, b) }));
    }
    for chunk in ops.chunks(3000) {
        let outcomes = kernel.apply(chunk).map_err(|e| e.to_string())?;
        if let Some(Err(e)) = outcomes.into_iter().find(Result::is_err) {
            return Err(e.to_string());
        }
    }
    Ok(())
}

/// Median and largest of some timings, in milliseconds.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:>9.3} ms   max {:>9.3} ms   ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Vec<Duration>, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (times, last.expect("at least one run"))
}

fn main() -> Result<(), String> {
    let services: usize =
        std::env::var("LVSH_BENCH_SERVICES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let mut kernel = NetlinkKernel::connect().map_err(|e| format!("{e} (run this in the guest)"))?;
    kernel.apply_one(&Op::Flush).map_err(|e| e.to_string())?;
    let (took, filled) = time(1, || fill(&mut kernel, services));
    filled?;
    println!("table: {services} services x 2 backends, filled in {:.1} s", took[0].as_secs_f64());

    let (times, catalog) = time(3, || Catalog::load(&mut kernel, Vec::new()));
    let catalog = catalog.map_err(|e| e.to_string())?;
    println!("refresh (background: every service and backend)  {}", summary(times));

    let mut refresher = Refresher::start(Netns::Current);
    refresher.refresh(&Netns::Current, Duration::from_secs(120));
    let (times, ()) = time(5, || refresher.refresh(&Netns::Current, Duration::from_secs(2)));
    println!("prompt wait after a command (table too big to wait) {}", summary(times));

    let names: Names = vec![("web".to_string(), ServiceKey::tcp(vip(services / 2)))];
    let model = Model { catalog: &catalog, names: &names };
    let last = vip(services - 1);
    let cases = [
        ("Tab at a service position, all offered", "del service ".to_string()),
        ("Tab at a service position, a prefix", format!("del service tcp {}", &last.to_string()[..7])),
        ("Tab at an address after `tcp`", "show tcp ".to_string()),
        ("Tab at a backend position (by key)", format!("del backend tcp {last} ")),
        ("Tab at a backend position (by name)", "set backend web ".to_string()),
        ("Tab in an ipvsadm line after -r", format!("ipvsadm -d -t {last} -r ")),
    ];
    for (what, line) in cases {
        let (times, (_, candidates)) = time(21, || complete(&line, model));
        println!("{what:<50} {}   {} candidates", summary(times), candidates.len());
    }
    let typed = format!("del backend tcp {last} 172.");
    let (times, _) = time(21, || hint(&typed, None, model));
    println!("{:<50} {}", "hint while typing a backend", summary(times));
    // LVSH_BENCH_KEEP=1: leave the table, so scripts/bench can time a listing of it.
    if std::env::var_os("LVSH_BENCH_KEEP").is_none() {
        kernel.apply_one(&Op::Flush).map_err(|e| e.to_string())?;
    }
    Ok(())
}
