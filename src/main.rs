//! `lvsh`: parse the command line, run, exit with the code the run decided.
//! Called through a link named `ipvsadm`, it is ipvsadm instead.

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match args.first() {
        Some(argv0) if lvsh::app::ipvsadm::called_as_ipvsadm(argv0) => lvsh::app::ipvsadm::main(&args),
        _ => lvsh::app::run(lvsh::cli::Cli::from_args(args)),
    }
}
