# shellcheck shell=bash
# lib.sh: helpers shared by scripts/vm, scripts/test and scripts/run (sourced,
# never run). The caller sets PROG (its name, for messages) and `set -euo pipefail`.

# ipvsadm, ip, depmod live in sbin folders, which a non-root PATH may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

die() { echo "${PROG:-lvsh}: $*" >&2; exit 2; }
step() { printf '== %s\n' "$*"; }

# The host packages the QEMU rig (and the manual pages' test: groff) needs,
# each as PACKAGE:PROOF, PROOF being a command, or an absolute path, whose
# presence shows the package is there.
LVSH_VM_PACKAGES=(
  qemu-system-x86:qemu-system-x86_64
  busybox-static:/bin/busybox
  ipvsadm:ipvsadm
  iproute2:ip
  cpio:cpio
  kmod:kmod
  netcat-openbsd:/bin/nc.openbsd
  bash:/bin/bash
  keepalived:/usr/sbin/keepalived
  groff-base:groff
)

# lvsh_install_packages: apt-get install whichever of LVSH_VM_PACKAGES is
# missing (a fresh Debian/Ubuntu machine has none of them); silent if none is.
lvsh_install_packages() {
  local p pkg proof missing=()
  for p in "${LVSH_VM_PACKAGES[@]}"; do
    pkg=${p%%:*} proof=${p#*:}
    if [[ $proof == /* ]]; then [ -e "$proof" ] && continue
    else command -v "$proof" >/dev/null && continue; fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} = 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}; run as root (sudo) so they can be installed"
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]}, and no apt-get to install them"
  echo "$PROG: installing ${missing[*]}" >&2
  # Update first: a fresh machine (or container) may have no package lists.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  # keepalived's postinst would start its service on this host: a
  # policy-rc.d that denies every start (Debian's own mechanism) holds it
  # back, put there only if the host has none, and taken away after.
  local policy=/usr/sbin/policy-rc.d ours=''
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; ours=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { [ -z "$ours" ] || rm -f "$policy"; die "could not install ${missing[*]}"; }
  [ -z "$ours" ] || rm -f "$policy"
}

# lvsh_need_cargo: make sure `cargo` runs. Never downloads a toolchain.
lvsh_need_cargo() {
  command -v cargo >/dev/null && return 0
  local home=${CARGO_HOME:-$HOME/.cargo}
  if [ -x "$home/bin/cargo" ]; then PATH=$home/bin:$PATH; return 0; fi
  die "cargo not found. Install Rust with rustup (https://rustup.rs) and re-run.
  (Under sudo, PATH loses ~/.cargo/bin: use sudo env \"PATH=\$PATH\" $0 ...)"
}

# cargo_exe NAME KIND: read cargo's --message-format=json* output on stdin and
# print the executable it built for the target NAME of kind KIND (bin, test).
cargo_exe() {
  if command -v python3 >/dev/null; then
    python3 -c '
import json, sys
name, kind = sys.argv[1:3]
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = m.get("target") or {}
    if (m.get("reason") == "compiler-artifact" and t.get("name") == name
            and kind in t.get("kind", []) and m.get("executable")):
        print(m["executable"])
' "$1" "$2" | tail -n 1
  else   # no python3: cargo writes one object a line, keys in a fixed order
    grep -F '"reason":"compiler-artifact"' | grep -F "\"kind\":[\"$2\"]" | grep -F "\"name\":\"$1\"" \
      | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1
  fi
}
