//! The manual pages: `lvsh manpages DIR` writes lvsh(1) and lvs(5), and
//! groff renders both without a single warning (`-ww` turns every warning
//! on). scripts/test installs groff (Debian's groff-base).

use std::process::Command;

use crate::lvsh::Lvsh;

#[test]
fn both_pages_render_with_groff_without_warnings_and_name_every_command() {
    let dir = std::env::temp_dir().join(format!("lvsh-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Lvsh::new().arg("manpages").arg(&dir).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    for page in ["lvsh.1", "lvs.5"] {
        let path = dir.join(page);
        let rendered = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .expect("groff (Debian's groff-base) renders manual pages");
        let warnings = String::from_utf8_lossy(&rendered.stderr);
        assert!(rendered.status.success() && warnings.is_empty(), "{page}:\n{warnings}");
    }
    let lvsh1 = std::fs::read_to_string(dir.join("lvsh.1")).expect("lvsh.1");
    for subcommand in ["run", "plan", "apply", "keep", "rollback"] {
        assert!(
            lvsh1.contains(&format!("lvsh\\-{subcommand}")) || lvsh1.contains(subcommand),
            "{subcommand}"
        );
    }
    assert!(!lvsh1.contains("serve\\-backend"), "the hidden command stays hidden");
    let lvs5 = std::fs::read_to_string(dir.join("lvs.5")).expect("lvs.5");
    for statement in ["service", "backend", "probe", "expect", "lab", "tutorial", "doctor"] {
        assert!(lvs5.contains(&format!(".B {statement}")), "{statement}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
