//! The kernel's IPVS generic-netlink interface: constants, encoding of
//! operations, decoding of replies, errno mapping, and the socket client.

mod attr;
mod client;
pub mod consts;
mod decode;
mod encode;
mod errno;
mod listing;
#[cfg(test)]
mod roundtrip;

pub use client::NetlinkKernel;
#[doc(hidden)]
pub use decode::decode_every_way;
pub use decode::{decode_backend, decode_service};
pub use encode::{append_message, append_op, encode_op, Request};
