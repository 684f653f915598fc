//! `lvsh`: parse the command line, run, exit with the code the run decided.

fn main() -> std::process::ExitCode {
    lvsh::app::run(lvsh::cli::Cli::from_env())
}
