//! The kernel layer: the IPVS model and the netlink client that maps it to
//! the kernel. Nothing here knows of the language, the REPL or rendering.
//!
//! | lvsh | ipvsadm | kernel |
//! |---|---|---|
//! | service | virtual service | `IPVS_CMD_ATTR_SERVICE` |
//! | backend | real server | destination, `IPVS_CMD_ATTR_DEST` |
//! | `masq` | `-m` | `IP_VS_CONN_F_MASQ` |
//! | `route` | `-g` | `IP_VS_CONN_F_DROUTE` |
//! | `tunnel` | `-i` | `IP_VS_CONN_F_TUNNEL` |

pub mod conntable;
pub mod error;
pub mod fasthash;
pub mod kernel;
pub mod model;
pub mod netlink;
pub mod netns;
pub mod op;
pub mod prefetch;
pub mod sockopt;
pub mod totals;
pub mod unreachable;
pub mod writer;

pub use conntable::ConnEntry;
pub use error::KernelError;
pub use kernel::{Kernel, Outcomes, Prepared};
pub use model::*;
pub use netlink::NetlinkKernel;
pub use netns::Netns;
pub use op::Op;
pub use unreachable::Unreachable;
