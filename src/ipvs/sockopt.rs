//! IPVS's older `getsockopt` interface, read only, for what netlink
//! cannot give: an atomic list of the namespace's IPv4 services, and the
//! backends of one IPv4 service in one system call that allocates nothing
//! in the kernel (a netlink dump allocates and zeroes two socket buffers,
//! which, for thousands of services, costs more than the rest of a
//! listing).
//!
//! `IP_VS_SO_GET_SERVICES` copies every IPv4 service of the socket's
//! namespace in one call, under the lock that every change takes, so no
//! change can fall in the middle of it (IPv6 services are left out, as the
//! kernel does for this interface). The netlink client lists services by a
//! dump that can skip one when the table changes between its messages, and
//! uses these keys to find what the dump skipped (see `netlink/client.rs`).
//! This interface cannot stand in for the dump: its count of services
//! (`IP_VS_SO_GET_INFO`'s `num_services`) counts IPv4 services only, as
//! the kernel keeps it for this interface, so nothing here says whether
//! IPv6 services exist (a listing built on it alone lost them, in a guest
//! test of the attempt), and it lacks the persistence engine's name.
//! The structures are the kernel's UAPI (`linux/ip_vs.h`), mirrored with
//! `repr(C)` so that sizes and padding are the target's, as the kernel's are.

use std::io;
use std::mem::{offset_of, size_of};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::error::KernelError;
use super::model::{Family, Protocol, ServiceKey};
use super::netns::Netns;

/// `IP_VS_BASE_CTL`: the first IPVS socket option.
const BASE_CTL: libc::c_int = 64 + 1024 + 64;
const SO_GET_INFO: libc::c_int = BASE_CTL + 1;
const SO_GET_SERVICES: libc::c_int = BASE_CTL + 2;
const SO_GET_DESTS: libc::c_int = BASE_CTL + 4;
/// `IP_VS_SCHEDNAME_MAXLEN`
const SCHEDNAME_MAXLEN: usize = 16;

/// `struct ip_vs_getinfo`.
#[repr(C)]
struct GetInfo {
    version: u32,
    conn_tab_size: u32,
    /// IPv4 services only: the kernel counts IPv6 ones apart.
    num_services: u32,
}

/// `struct ip_vs_stats_user`.
#[repr(C)]
struct StatsUser {
    conns: u32,
    inpkts: u32,
    outpkts: u32,
    inbytes: u64,
    outbytes: u64,
    cps: u32,
    inpps: u32,
    outpps: u32,
    inbps: u32,
    outbps: u32,
}

/// `struct ip_vs_service_entry`.
#[repr(C)]
struct ServiceEntryUser {
    protocol: u16,
    /// Network byte order (`__be32`); read as bytes.
    addr: u32,
    /// Network byte order (`__be16`); read as bytes.
    port: u16,
    fwmark: u32,
    sched_name: [u8; SCHEDNAME_MAXLEN],
    flags: u32,
    timeout: u32,
    netmask: u32,
    num_dests: u32,
    stats: StatsUser,
}

/// `struct ip_vs_get_services`: a count, then that many entries.
#[repr(C)]
struct GetServices {
    num_services: u32,
    entrytable: [ServiceEntryUser; 0],
}

/// `struct ip_vs_dest_entry`.
#[repr(C)]
struct DestEntryUser {
    /// Network byte order (`__be32`); read as bytes.
    addr: u32,
    /// Network byte order (`__be16`); read as bytes.
    port: u16,
    conn_flags: u32,
    weight: i32,
    u_threshold: u32,
    l_threshold: u32,
    activeconns: u32,
    inactconns: u32,
    persistconns: u32,
    stats: StatsUser,
}

/// `struct ip_vs_get_dests`: which service, a count, then that many entries.
#[repr(C)]
struct GetDests {
    protocol: u16,
    addr: u32,
    port: u16,
    fwmark: u32,
    num_dests: u32,
    entrytable: [DestEntryUser; 0],
}

/// One backend of an IPv4 service as the options interface gives it: no
/// tunnel settings, 32-bit counters (not read), and only the backends of
/// the service's own family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dest {
    pub addr: SocketAddrV4,
    /// `IP_VS_CONN_F_*`: the forwarding method in the low bits.
    pub conn_flags: u32,
    pub weight: u32,
    pub upper: u32,
    pub lower: u32,
    pub active: u32,
    pub inactive: u32,
    pub persistent: u32,
}

const DEST: usize = size_of::<DestEntryUser>();
const DESTS: usize = offset_of!(GetDests, entrytable);
/// An entry the kernel did not fill keeps this in its `conn_flags`, which
/// the kernel writes with a few low bits.
const UNFILLED: u32 = u32::MAX;

const ENTRY: usize = size_of::<ServiceEntryUser>();
const TABLE: usize = offset_of!(GetServices, entrytable);
/// How often the list is asked for again when services keep coming faster
/// than the room made for them.
const ATTEMPTS: usize = 8;

/// A socket whose namespace is the one whose IPVS it reads. Any IPv4
/// socket reaches IPVS's options; UDP needs no privilege to open (the
/// kernel asks for CAP_NET_ADMIN on each call).
#[derive(Debug)]
pub struct SockoptSocket {
    fd: OwnedFd,
}

impl SockoptSocket {
    /// Opens the socket inside `netns`.
    pub fn open_in(netns: &Netns) -> Result<SockoptSocket, KernelError> {
        let fd = netns.run(|| {
            // SAFETY: plain socket(2); the descriptor is owned at once below.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a new descriptor that nothing else owns.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        })?;
        let fd = fd.map_err(|source| KernelError::Io { context: "socket for IPVS options", source })?;
        Ok(SockoptSocket { fd })
    }

    /// The keys of every IPv4 service of the namespace, read at one instant.
    pub fn ipv4_service_keys(&self) -> Result<Vec<ServiceKey>, KernelError> {
        Ok(self.ipv4_services()?.into_iter().map(|(key, _)| key).collect())
    }

    /// Every IPv4 service of the namespace with its number of backends
    /// (of every family), read at one instant.
    pub fn ipv4_services(&self) -> Result<Vec<(ServiceKey, u32)>, KernelError> {
        let mut info = vec![0u8; size_of::<GetInfo>()];
        self.get(SO_GET_INFO, &mut info)?;
        let mut count = u32_at(&info, offset_of!(GetInfo, num_services)) as usize;
        if count == 0 {
            return Ok(Vec::new());
        }
        for _ in 0..ATTEMPTS {
            // Room for services added between the count and the list.
            let room = count.saturating_add(count / 4).saturating_add(16);
            let mut table = unfilled_table(room)?;
            self.get(SO_GET_SERVICES, &mut table)?;
            let services = filled_services(&table);
            if services.len() < room {
                return Ok(services);
            }
            count = room.saturating_mul(2);
        }
        Err(KernelError::Invalid {
            action: "list the IPv4 services".to_string(),
            reason: "their number kept growing faster than lvsh made room for them; try again".to_string(),
        })
    }

    /// The backends of the IPv4 service `key` (the newest first, as the
    /// kernel keeps them), with room for `room` of them; `None` when the
    /// service is gone. Fewer than the service has when the room was too
    /// small, or when some are of the other family (the interface skips them).
    pub fn ipv4_dests(&self, key: &ServiceKey, room: u32) -> Result<Option<Vec<Dest>>, KernelError> {
        let (protocol, addr, port, fwmark) = match key {
            ServiceKey::Inet { protocol, addr: SocketAddr::V4(a) } => {
                (protocol.number(), a.ip().octets(), a.port(), 0)
            }
            ServiceKey::Fwmark { mark, family: Family::V4 } => (0, [0; 4], 0, *mark),
            _ => return Ok(None),
        };
        let len = (room as usize)
            .checked_mul(DEST)
            .and_then(|b| b.checked_add(DESTS))
            .filter(|&l| l <= i32::MAX as usize);
        let Some(len) = len else { return Ok(None) };
        let mut buf = vec![0u8; len];
        let mut put = |offset: usize, bytes: &[u8]| buf[offset..offset + bytes.len()].copy_from_slice(bytes);
        put(offset_of!(GetDests, protocol), &protocol.to_ne_bytes());
        put(offset_of!(GetDests, addr), &addr);
        put(offset_of!(GetDests, port), &port.to_be_bytes());
        put(offset_of!(GetDests, fwmark), &fwmark.to_ne_bytes());
        put(offset_of!(GetDests, num_dests), &room.to_ne_bytes());
        for i in 0..room as usize {
            put(DESTS + i * DEST + offset_of!(DestEntryUser, conn_flags), &UNFILLED.to_ne_bytes());
        }
        match self.get(SO_GET_DESTS, &mut buf) {
            Ok(()) => Ok(Some(filled_dests(&buf))),
            Err(KernelError::Refused { errno: libc::ESRCH, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn get(&self, option: libc::c_int, buf: &mut [u8]) -> Result<(), KernelError> {
        let mut len = buf.len() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes into `buf`, which is that long.
        let rc = unsafe {
            libc::getsockopt(self.fd.as_raw_fd(), libc::IPPROTO_IP, option, buf.as_mut_ptr().cast(), &mut len)
        };
        if rc == 0 {
            return Ok(());
        }
        let source = io::Error::last_os_error();
        Err(match source.raw_os_error() {
            Some(libc::EPERM) => KernelError::PermissionDenied { action: "read" },
            // No handler for IPVS's options: the module is not loaded.
            Some(libc::ENOPROTOOPT) => KernelError::IpvsMissing,
            Some(errno) => KernelError::Refused { action: "read IPVS's table".to_string(), errno },
            None => KernelError::Io { context: "getsockopt on IPVS", source },
        })
    }
}

/// A `struct ip_vs_get_services` asking for `room` entries, every entry
/// byte 0xff: a filled entry has a NUL in its scheduler name, and an
/// unfilled one none, since the kernel says nothing of how many it wrote.
fn unfilled_table(room: usize) -> Result<Vec<u8>, KernelError> {
    // The kernel reads the length as an int.
    let len = room
        .checked_mul(ENTRY)
        .and_then(|bytes| bytes.checked_add(TABLE))
        .filter(|&len| len <= i32::MAX as usize);
    let (Some(len), Ok(asked)) = (len, u32::try_from(room)) else {
        return Err(KernelError::Invalid {
            action: "list the IPv4 services".to_string(),
            reason: format!("{room} services are more than one request can hold"),
        });
    };
    let mut table = vec![0xffu8; len];
    table[..4].copy_from_slice(&asked.to_ne_bytes());
    Ok(table)
}

/// The keys of the entries the kernel filled, in its order.
#[cfg(test)]
fn filled_keys(table: &[u8]) -> Vec<ServiceKey> {
    filled_services(table).into_iter().map(|(key, _)| key).collect()
}

/// The keys and backend counts of the entries the kernel filled, in its order.
fn filled_services(table: &[u8]) -> Vec<(ServiceKey, u32)> {
    let entries = table.get(TABLE..).unwrap_or_default().chunks_exact(ENTRY);
    entries.map_while(|e| Some((entry_key(e)?, u32_at(e, offset_of!(ServiceEntryUser, num_dests))))).collect()
}

/// The backends the kernel filled in a `struct ip_vs_get_dests`, in its order.
fn filled_dests(buf: &[u8]) -> Vec<Dest> {
    let entries = buf.get(DESTS..).unwrap_or_default().chunks_exact(DEST);
    entries
        .map_while(|e| {
            let field = |offset: usize| u32_at(e, offset);
            let flags = field(offset_of!(DestEntryUser, conn_flags));
            (flags != UNFILLED).then_some(())?;
            let addr: [u8; 4] = e.get(0..4)?.try_into().ok()?;
            let port: [u8; 2] = e
                .get(offset_of!(DestEntryUser, port)..offset_of!(DestEntryUser, port) + 2)?
                .try_into()
                .ok()?;
            Some(Dest {
                addr: SocketAddrV4::new(Ipv4Addr::from(addr), u16::from_be_bytes(port)),
                conn_flags: flags,
                weight: field(offset_of!(DestEntryUser, weight)),
                upper: field(offset_of!(DestEntryUser, u_threshold)),
                lower: field(offset_of!(DestEntryUser, l_threshold)),
                active: field(offset_of!(DestEntryUser, activeconns)),
                inactive: field(offset_of!(DestEntryUser, inactconns)),
                persistent: field(offset_of!(DestEntryUser, persistconns)),
            })
        })
        .collect()
}

/// The key of one entry, `None` if the kernel left it unfilled.
fn entry_key(entry: &[u8]) -> Option<ServiceKey> {
    let name = offset_of!(ServiceEntryUser, sched_name);
    entry.get(name..name + SCHEDNAME_MAXLEN)?.contains(&0).then_some(())?;
    let fwmark = u32_at(entry, offset_of!(ServiceEntryUser, fwmark));
    if fwmark != 0 {
        return Some(ServiceKey::Fwmark { mark: fwmark, family: Family::V4 });
    }
    let at = |offset: usize, len: usize| entry.get(offset..offset + len);
    let protocol = at(offset_of!(ServiceEntryUser, protocol), 2)?;
    let addr: [u8; 4] = at(offset_of!(ServiceEntryUser, addr), 4)?.try_into().ok()?;
    let port: [u8; 2] = at(offset_of!(ServiceEntryUser, port), 2)?.try_into().ok()?;
    Some(ServiceKey::Inet {
        protocol: Protocol::from_number(u16::from_ne_bytes([protocol[0], protocol[1]])),
        addr: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(addr), u16::from_be_bytes(port))),
    })
}

fn u32_at(buf: &[u8], offset: usize) -> u32 {
    buf.get(offset..offset + 4).and_then(|b| b.try_into().ok()).map(u32::from_ne_bytes).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry as the kernel fills one: zeroed, then the fields set.
    fn kernel_entry(protocol: u16, addr: [u8; 4], port: u16, fwmark: u32, sched: &str) -> Vec<u8> {
        let mut entry = vec![0u8; ENTRY];
        let mut put =
            |offset: usize, bytes: &[u8]| entry[offset..offset + bytes.len()].copy_from_slice(bytes);
        put(offset_of!(ServiceEntryUser, protocol), &protocol.to_ne_bytes());
        put(offset_of!(ServiceEntryUser, addr), &addr);
        put(offset_of!(ServiceEntryUser, port), &port.to_be_bytes());
        put(offset_of!(ServiceEntryUser, fwmark), &fwmark.to_ne_bytes());
        put(offset_of!(ServiceEntryUser, sched_name), sched.as_bytes());
        entry
    }

    fn table_with(room: usize, entries: &[Vec<u8>]) -> Vec<u8> {
        let mut table = unfilled_table(room).unwrap();
        for (i, entry) in entries.iter().enumerate() {
            table[TABLE + i * ENTRY..TABLE + (i + 1) * ENTRY].copy_from_slice(entry);
        }
        table
    }

    #[test]
    fn the_layout_is_the_kernels_on_x86_64() {
        if cfg!(target_arch = "x86_64") {
            // linux/ip_vs.h on x86_64: the stats' u64s align the entry to 8.
            assert_eq!((size_of::<GetInfo>(), ENTRY, TABLE), (12, 104, 8));
            assert_eq!(offset_of!(ServiceEntryUser, sched_name), 16);
            // struct ip_vs_get_dests: 20 bytes, its entries aligned to 8 by their u64s.
            assert_eq!((DESTS, DEST), (24, 96));
            assert_eq!(offset_of!(DestEntryUser, conn_flags), 8);
            assert_eq!(offset_of!(DestEntryUser, persistconns), 32);
        }
    }

    #[test]
    fn filled_backends_are_read_and_unfilled_ones_end_the_list() {
        let mut buf = vec![0u8; DESTS + 3 * DEST];
        for i in 0..3 {
            let at = DESTS + i * DEST + offset_of!(DestEntryUser, conn_flags);
            buf[at..at + 4].copy_from_slice(&UNFILLED.to_ne_bytes());
        }
        // As the kernel fills one: zeroed, then the fields set.
        let entry = DESTS;
        buf[entry..entry + DEST].fill(0);
        buf[entry..entry + 4].copy_from_slice(&[10, 10, 0, 2]);
        buf[entry + 4..entry + 6].copy_from_slice(&8000u16.to_be_bytes());
        let mut put =
            |offset: usize, n: u32| buf[entry + offset..entry + offset + 4].copy_from_slice(&n.to_ne_bytes());
        put(offset_of!(DestEntryUser, weight), 3);
        put(offset_of!(DestEntryUser, u_threshold), 100);
        put(offset_of!(DestEntryUser, activeconns), 7);
        assert_eq!(
            filled_dests(&buf),
            vec![Dest {
                addr: "10.10.0.2:8000".parse().unwrap(),
                conn_flags: 0,
                weight: 3,
                upper: 100,
                lower: 0,
                active: 7,
                inactive: 0,
                persistent: 0,
            }]
        );
    }

    #[test]
    fn filled_entries_give_keys_in_order_and_unfilled_ones_end_the_list() {
        let table = table_with(
            4,
            &[kernel_entry(6, [111, 111, 0, 1], 80, 0, "rr"), kernel_entry(6, [0, 0, 0, 0], 0, 7, "wlc")],
        );
        assert_eq!(
            filled_keys(&table),
            vec![
                ServiceKey::tcp("111.111.0.1:80".parse().unwrap()),
                ServiceKey::Fwmark { mark: 7, family: Family::V4 },
            ]
        );
    }

    #[test]
    fn a_scheduler_name_of_fifteen_letters_still_marks_the_entry_filled() {
        let table = table_with(2, &[kernel_entry(17, [10, 0, 0, 1], 53, 0, "abcdefghijklmno")]);
        assert_eq!(filled_keys(&table), vec![ServiceKey::udp("10.0.0.1:53".parse().unwrap())]);
    }

    #[test]
    fn a_table_with_every_entry_filled_gives_all_of_them() {
        let entries: Vec<Vec<u8>> = (1..=3).map(|i| kernel_entry(132, [10, 0, 0, i], 9, 0, "sh")).collect();
        assert_eq!(filled_keys(&table_with(3, &entries)).len(), 3);
    }

    #[test]
    fn a_count_beyond_what_getsockopt_can_carry_is_an_error_not_an_allocation() {
        let err = unfilled_table(usize::MAX / 2).unwrap_err();
        assert!(err.to_string().contains("more than one request can hold"), "{err}");
    }

    #[test]
    fn a_short_or_empty_buffer_gives_no_keys() {
        assert!(filled_keys(&[]).is_empty());
        assert!(filled_keys(&unfilled_table(2).unwrap()).is_empty());
        assert!(filled_keys(&unfilled_table(1).unwrap()[..TABLE + ENTRY - 1]).is_empty());
    }
}
