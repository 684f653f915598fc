//! The kernel's IPVS generic-netlink constants (`include/uapi/linux/ip_vs.h`).
//!
//! Each variant's doc comment names its C constant.

use neli::neli_enum;

/// The generic-netlink family name.
pub const FAMILY_NAME: &str = "IPVS";
/// `IPVS_GENL_VERSION`.
pub const FAMILY_VERSION: u8 = 1;

/// Commands (`IPVS_CMD_*`).
#[neli_enum(serialized_type = "u8")]
pub enum IpvsCmd {
    /// `IPVS_CMD_UNSPEC`
    Unspec = 0,
    /// `IPVS_CMD_NEW_SERVICE`; also the command of service dump messages.
    NewService = 1,
    /// `IPVS_CMD_SET_SERVICE`
    SetService = 2,
    /// `IPVS_CMD_DEL_SERVICE`
    DelService = 3,
    /// `IPVS_CMD_GET_SERVICE`
    GetService = 4,
    /// `IPVS_CMD_NEW_DEST`; also the command of destination dump messages.
    NewDest = 5,
    /// `IPVS_CMD_SET_DEST`
    SetDest = 6,
    /// `IPVS_CMD_DEL_DEST`
    DelDest = 7,
    /// `IPVS_CMD_GET_DEST`
    GetDest = 8,
    /// `IPVS_CMD_NEW_DAEMON`
    NewDaemon = 9,
    /// `IPVS_CMD_DEL_DAEMON`
    DelDaemon = 10,
    /// `IPVS_CMD_GET_DAEMON`
    GetDaemon = 11,
    /// `IPVS_CMD_SET_CONFIG`
    SetConfig = 12,
    /// `IPVS_CMD_GET_CONFIG`
    GetConfig = 13,
    /// `IPVS_CMD_SET_INFO`
    SetInfo = 14,
    /// `IPVS_CMD_GET_INFO`
    GetInfo = 15,
    /// `IPVS_CMD_ZERO`
    Zero = 16,
    /// `IPVS_CMD_FLUSH`
    Flush = 17,
}

impl neli::consts::genl::Cmd for IpvsCmd {}

/// Top-level attributes (`IPVS_CMD_ATTR_*`), and the reply attributes of
/// `GET_INFO` (`IPVS_INFO_ATTR_*`), which share the top level.
#[neli_enum(serialized_type = "u16")]
pub enum CmdAttr {
    /// `IPVS_CMD_ATTR_SERVICE` (nested [`SvcAttr`]); `IPVS_INFO_ATTR_VERSION` in info replies.
    Service = 1,
    /// `IPVS_CMD_ATTR_DEST` (nested [`DestAttr`]); `IPVS_INFO_ATTR_CONN_TAB_SIZE` in info replies.
    Dest = 2,
    /// `IPVS_CMD_ATTR_DAEMON` (nested [`DaemonAttr`])
    Daemon = 3,
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP`
    TimeoutTcp = 4,
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN`
    TimeoutTcpFin = 5,
    /// `IPVS_CMD_ATTR_TIMEOUT_UDP`
    TimeoutUdp = 6,
}

impl neli::consts::genl::NlAttrType for CmdAttr {}

/// `IPVS_INFO_ATTR_VERSION`
pub const INFO_ATTR_VERSION: u16 = 1;
/// `IPVS_INFO_ATTR_CONN_TAB_SIZE`
pub const INFO_ATTR_CONN_TAB_SIZE: u16 = 2;

/// Service attributes (`IPVS_SVC_ATTR_*`).
#[neli_enum(serialized_type = "u16")]
pub enum SvcAttr {
    /// `IPVS_SVC_ATTR_AF`: u16
    Af = 1,
    /// `IPVS_SVC_ATTR_PROTOCOL`: u16
    Protocol = 2,
    /// `IPVS_SVC_ATTR_ADDR`: up to 16 bytes
    Addr = 3,
    /// `IPVS_SVC_ATTR_PORT`: be16
    Port = 4,
    /// `IPVS_SVC_ATTR_FWMARK`: u32
    Fwmark = 5,
    /// `IPVS_SVC_ATTR_SCHED_NAME`: string
    SchedName = 6,
    /// `IPVS_SVC_ATTR_FLAGS`: `struct ip_vs_flags { u32 flags; u32 mask; }`
    Flags = 7,
    /// `IPVS_SVC_ATTR_TIMEOUT`: u32 seconds
    Timeout = 8,
    /// `IPVS_SVC_ATTR_NETMASK`: IPv4 mask (network order) or IPv6 prefix (u32)
    Netmask = 9,
    /// `IPVS_SVC_ATTR_STATS`: nested [`StatsAttr`], legacy widths
    Stats = 10,
    /// `IPVS_SVC_ATTR_PE_NAME`: string
    PeName = 11,
    /// `IPVS_SVC_ATTR_STATS64`: nested [`StatsAttr`], all u64
    Stats64 = 12,
}

impl neli::consts::genl::NlAttrType for SvcAttr {}

/// Destination attributes (`IPVS_DEST_ATTR_*`).
#[neli_enum(serialized_type = "u16")]
pub enum DestAttr {
    /// `IPVS_DEST_ATTR_ADDR`: up to 16 bytes
    Addr = 1,
    /// `IPVS_DEST_ATTR_PORT`: be16
    Port = 2,
    /// `IPVS_DEST_ATTR_FWD_METHOD`: u32
    FwdMethod = 3,
    /// `IPVS_DEST_ATTR_WEIGHT`: u32 (a C int in the kernel)
    Weight = 4,
    /// `IPVS_DEST_ATTR_U_THRESH`: u32
    UThresh = 5,
    /// `IPVS_DEST_ATTR_L_THRESH`: u32
    LThresh = 6,
    /// `IPVS_DEST_ATTR_ACTIVE_CONNS`: u32
    ActiveConns = 7,
    /// `IPVS_DEST_ATTR_INACT_CONNS`: u32
    InactConns = 8,
    /// `IPVS_DEST_ATTR_PERSIST_CONNS`: u32
    PersistConns = 9,
    /// `IPVS_DEST_ATTR_STATS`: nested [`StatsAttr`], legacy widths
    Stats = 10,
    /// `IPVS_DEST_ATTR_ADDR_FAMILY`: u16
    AddrFamily = 11,
    /// `IPVS_DEST_ATTR_STATS64`: nested [`StatsAttr`], all u64
    Stats64 = 12,
    /// `IPVS_DEST_ATTR_TUN_TYPE`: u8
    TunType = 13,
    /// `IPVS_DEST_ATTR_TUN_PORT`: be16
    TunPort = 14,
    /// `IPVS_DEST_ATTR_TUN_FLAGS`: u16
    TunFlags = 15,
}

impl neli::consts::genl::NlAttrType for DestAttr {}

/// Sync daemon attributes (`IPVS_DAEMON_ATTR_*`).
#[neli_enum(serialized_type = "u16")]
pub enum DaemonAttr {
    /// `IPVS_DAEMON_ATTR_STATE`: u32
    State = 1,
    /// `IPVS_DAEMON_ATTR_MCAST_IFN`: string
    McastIfn = 2,
    /// `IPVS_DAEMON_ATTR_SYNC_ID`: u32
    SyncId = 3,
    /// `IPVS_DAEMON_ATTR_SYNC_MAXLEN`: u16
    SyncMaxlen = 4,
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP`: IPv4 address, network order
    McastGroup = 5,
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP6`: 16 bytes
    McastGroup6 = 6,
    /// `IPVS_DAEMON_ATTR_MCAST_PORT`: u16
    McastPort = 7,
    /// `IPVS_DAEMON_ATTR_MCAST_TTL`: u8
    McastTtl = 8,
}

impl neli::consts::genl::NlAttrType for DaemonAttr {}

/// Statistics attributes (`IPVS_STATS_ATTR_*`), inside `STATS` and `STATS64`.
#[neli_enum(serialized_type = "u16")]
pub enum StatsAttr {
    /// `IPVS_STATS_ATTR_CONNS`
    Conns = 1,
    /// `IPVS_STATS_ATTR_INPKTS`
    InPkts = 2,
    /// `IPVS_STATS_ATTR_OUTPKTS`
    OutPkts = 3,
    /// `IPVS_STATS_ATTR_INBYTES`
    InBytes = 4,
    /// `IPVS_STATS_ATTR_OUTBYTES`
    OutBytes = 5,
    /// `IPVS_STATS_ATTR_CPS`
    Cps = 6,
    /// `IPVS_STATS_ATTR_INPPS`
    InPps = 7,
    /// `IPVS_STATS_ATTR_OUTPPS`
    OutPps = 8,
    /// `IPVS_STATS_ATTR_INBPS`
    InBps = 9,
    /// `IPVS_STATS_ATTR_OUTBPS`
    OutBps = 10,
}

impl neli::consts::genl::NlAttrType for StatsAttr {}

/// `AF_INET`
pub const AF_INET: u16 = 2;
/// `AF_INET6`
pub const AF_INET6: u16 = 10;

/// `IP_VS_SVC_F_PERSISTENT`
pub const SVC_F_PERSISTENT: u32 = 0x0001;
/// `IP_VS_SVC_F_HASHED`: kernel-internal, appears in replies.
pub const SVC_F_HASHED: u32 = 0x0002;
/// `IP_VS_SVC_F_ONEPACKET`
pub const SVC_F_ONEPACKET: u32 = 0x0004;
/// `IP_VS_SVC_F_SCHED1` (sh-fallback, mh-fallback)
pub const SVC_F_SCHED1: u32 = 0x0008;
/// `IP_VS_SVC_F_SCHED2` (sh-port, mh-port)
pub const SVC_F_SCHED2: u32 = 0x0010;
/// `IP_VS_SVC_F_SCHED3`
pub const SVC_F_SCHED3: u32 = 0x0020;

/// `IP_VS_CONN_F_MASQ`
pub const FWD_MASQ: u32 = 0;
/// `IP_VS_CONN_F_LOCALNODE`
pub const FWD_LOCALNODE: u32 = 1;
/// `IP_VS_CONN_F_TUNNEL`
pub const FWD_TUNNEL: u32 = 2;
/// `IP_VS_CONN_F_DROUTE`
pub const FWD_DROUTE: u32 = 3;
/// `IP_VS_CONN_F_BYPASS`
pub const FWD_BYPASS: u32 = 4;
/// `IP_VS_CONN_F_FWD_MASK`
pub const FWD_MASK: u32 = 0x7;

/// `IP_VS_CONN_F_TUNNEL_TYPE_IPIP`
pub const TUN_IPIP: u8 = 0;
/// `IP_VS_CONN_F_TUNNEL_TYPE_GUE`
pub const TUN_GUE: u8 = 1;
/// `IP_VS_CONN_F_TUNNEL_TYPE_GRE`
pub const TUN_GRE: u8 = 2;
/// `IP_VS_TUNNEL_ENCAP_FLAG_CSUM`
pub const TUN_F_CSUM: u16 = 1 << 0;
/// `IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM`
pub const TUN_F_REMCSUM: u16 = 1 << 1;

/// `IP_VS_STATE_MASTER`
pub const STATE_MASTER: u32 = 1;
/// `IP_VS_STATE_BACKUP`
pub const STATE_BACKUP: u32 = 2;
