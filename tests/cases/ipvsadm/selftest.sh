#!/bin/bash
# The scenario of the kernel's IPVS selftest
# (tools/testing/selftests/net/netfilter/ipvs.sh), written for lvsh's guest
# tests: a client, a director and a real server, each in a network
# namespace, and a virtual service on the director programmed by whatever
# `ipvsadm` is first on PATH. 32 random bytes must reach the real server
# through the virtual address, forwarded by the method asked for.
#
#   selftest.sh dr|nat|tun CLIENT DIRECTOR SERVER
#
# The three namespaces exist, with lo up, and are removed by the caller.
#
#   client  br0 10.0.0.2 ─┬─ veth ── director 10.0.0.1 │ 172.16.0.1 ── veth ── server 172.16.0.2
#                         └─ veth ───────────────────────────────────────────── server 10.0.0.3
#
# Direct routing and tunnelling answer the client over the second path, from
# the virtual address the server holds on lo; NAT removes that path and
# answers through the director. Exit: 0 when the bytes arrived intact.
set -u
MODE=$1 CLIENT=$2 DIRECTOR=$3 SERVER=$4
VIP=207.175.44.110 PORT=8080
# OpenBSD's nc (-N, -4), named by its path: busybox's `timeout` would run
# busybox's own nc applet instead of the one on PATH.
NC=${NC:-/usr/bin/nc}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

inside() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
fail() { echo "selftest $MODE: $*" >&2; exit 1; }

wire() {
  ip link add c-d netns "$CLIENT" type veth peer name d-c netns "$DIRECTOR" || return 1
  ip link add c-s netns "$CLIENT" type veth peer name s-c netns "$SERVER" || return 1
  ip link add d-s netns "$DIRECTOR" type veth peer name s-d netns "$SERVER" || return 1
  inside "$CLIENT" ip link add br0 type bridge
  for port in c-d c-s; do
    inside "$CLIENT" ip link set "$port" master br0
    inside "$CLIENT" ip link set "$port" up
  done
  inside "$CLIENT" ip link set br0 up
  inside "$CLIENT" ip addr add 10.0.0.2/24 dev br0
  inside "$CLIENT" ip route add "$VIP" via 10.0.0.1 dev br0
  inside "$DIRECTOR" ip addr add 10.0.0.1/24 dev d-c
  inside "$DIRECTOR" ip addr add 172.16.0.1/24 dev d-s
  inside "$DIRECTOR" ip link set d-c up
  inside "$DIRECTOR" ip link set d-s up
  inside "$DIRECTOR" ip addr add "$VIP"/32 dev lo label lo:1
  inside "$SERVER" ip addr add 172.16.0.2/24 dev s-d
  inside "$SERVER" ip addr add 10.0.0.3/24 dev s-c
  inside "$SERVER" ip link set s-d up
  inside "$SERVER" ip link set s-c up
}

# A real server that answers for the virtual address itself (DR, TUN): it
# must not answer ARP for it, nor drop packets whose reply leaves by another link.
holds_vip() {
  inside "$SERVER" ip addr add "$VIP"/32 dev lo label lo:1
  inside "$SERVER" sysctl -qw net.ipv4.conf.all.arp_ignore=1
  inside "$SERVER" sysctl -qw net.ipv4.conf.all.arp_announce=2
  inside "$SERVER" sysctl -qw net.ipv4.conf.all.rp_filter=0
  for dev in "$@"; do inside "$SERVER" sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"; done
}

wire || fail "could not wire the namespaces"
case $MODE in
  dr)
    inside "$DIRECTOR" sysctl -qw net.ipv4.ip_forward=1
    inside "$DIRECTOR" ipvsadm -A -t "$VIP:$PORT" -s rr || fail "ipvsadm -A refused"
    inside "$DIRECTOR" ipvsadm -a -t "$VIP:$PORT" -r "172.16.0.2:$PORT" || fail "ipvsadm -a refused"
    holds_vip s-d
    ;;
  nat)
    inside "$DIRECTOR" sysctl -qw net.ipv4.ip_forward=1
    inside "$DIRECTOR" ipvsadm -A -t "$VIP:$PORT" -s rr || fail "ipvsadm -A refused"
    inside "$DIRECTOR" ipvsadm -a -m -t "$VIP:$PORT" -r "172.16.0.2:$PORT" || fail "ipvsadm -a refused"
    inside "$SERVER" ip link del s-c
    inside "$SERVER" ip route add default via 172.16.0.1 dev s-d
    ;;
  tun)
    modprobe -q ipip || fail "no ipip module"
    inside "$DIRECTOR" ip link set tunl0 up
    inside "$DIRECTOR" sysctl -qw net.ipv4.ip_forward=0
    inside "$DIRECTOR" sysctl -qw net.ipv4.conf.all.send_redirects=0
    inside "$DIRECTOR" sysctl -qw net.ipv4.conf.default.send_redirects=0
    inside "$DIRECTOR" ipvsadm -A -t "$VIP:$PORT" -s rr || fail "ipvsadm -A refused"
    inside "$DIRECTOR" ipvsadm -a -i -t "$VIP:$PORT" -r "172.16.0.2:$PORT" || fail "ipvsadm -a refused"
    inside "$SERVER" ip link set tunl0 up
    holds_vip tunl0 s-d
    ;;
  *) fail "unknown mode (dr, nat or tun)" ;;
esac

dd if=/dev/urandom of="$WORK/sent" bs=32 count=1 2>/dev/null
inside "$SERVER" timeout 10 "$NC" -4 -l -p "$PORT" </dev/null >"$WORK/received" &
server=$!
# Wait until the server listens rather than for a fixed time.
for _ in $(seq 50); do
  inside "$SERVER" cat /proc/net/tcp | grep -q ":$(printf '%04X' "$PORT") 00000000:0000 0A" && break
  sleep 0.1
done
inside "$CLIENT" timeout 5 "$NC" -4 -N -w 2 "$VIP" "$PORT" <"$WORK/sent" || fail "the client could not send through $VIP:$PORT"
wait "$server"
cmp -s "$WORK/sent" "$WORK/received" || fail "the server did not receive the client's bytes"
echo "selftest $MODE: PASS"
