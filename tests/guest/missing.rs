//! Run before `ip_vs` is loaded, with module autoloading disabled
//! (scripts/test's first phase).

use lvsh::ipvs::{KernelError, NetlinkKernel};

fn require_no_ipvs_phase() {
    crate::support::require_guest();
    assert_eq!(
        std::env::var("LVSH_GUEST_PHASE").as_deref(),
        Ok("no-ipvs"),
        "the missing:: tests must run before ip_vs is loaded (scripts/test does that)"
    );
}

#[test]
fn connecting_without_ipvs_says_how_to_load_it() {
    require_no_ipvs_phase();
    let err = NetlinkKernel::connect().err().expect("IPVS should be missing");
    assert!(matches!(err, KernelError::IpvsMissing));
    assert_eq!(err.to_string(), "IPVS is not available in this kernel");
    assert_eq!(err.help().as_deref(), Some("load it with `modprobe ip_vs`"));
}

#[test]
fn the_cli_exits_4_without_ipvs() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh().commands("show").run();
    assert_eq!(out.code, 4);
    assert_eq!(
        out.stderr,
        "error: IPVS is not available in this kernel\nhelp: load it with `modprobe ip_vs`\n"
    );
}
