//! `lvsh`: until the language lands, a small front end over the kernel
//! client: `lvsh [--netns NAME|PATH] [info|list]`.

use std::process::ExitCode;

use lvsh::ipvs::{Kernel, KernelError, NetlinkKernel, Netns};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (netns, command) = match args.as_slice() {
        [flag, ns, rest @ ..] if flag == "--netns" => (Netns::parse(ns), rest.first().cloned()),
        rest => (Netns::Current, rest.first().cloned()),
    };
    let result = match command.as_deref().unwrap_or("list") {
        "info" => info(&netns),
        "list" => list(&netns),
        other => {
            eprintln!("error: unknown command `{other}`\nhelp: lvsh [--netns NAME|PATH] [info|list]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(help) = err.help() {
                eprintln!("help: {help}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

fn info(netns: &Netns) -> Result<(), KernelError> {
    let info = NetlinkKernel::connect_in(netns)?.info()?;
    println!("IPVS {} (connection table size {})", info.version(), info.conn_tab_size);
    Ok(())
}

fn list(netns: &Netns) -> Result<(), KernelError> {
    let mut kernel = NetlinkKernel::connect_in(netns)?;
    for entry in kernel.services()? {
        let svc = &entry.service;
        println!("service {} {}", svc.key, svc.scheduler);
        for b in kernel.backends(&svc.key)? {
            println!("  backend {} {} weight {}", b.backend.addr, b.backend.forward, b.backend.weight);
        }
    }
    Ok(())
}

/// DESIGN.md's exit codes: 3 the kernel refused, 4 the environment.
fn exit_code(err: &KernelError) -> u8 {
    match err {
        KernelError::IpvsMissing
        | KernelError::PermissionDenied { .. }
        | KernelError::NoSuchNamespace { .. }
        | KernelError::Namespace { .. }
        | KernelError::Io { .. } => 4,
        _ => 3,
    }
}
