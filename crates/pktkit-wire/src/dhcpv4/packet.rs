//! [`DhcpPacket`]: the zero-copy view over the fixed BOOTP part of a message.

use core::net::Ipv4Addr;

use super::{FLAG_BROADCAST, HEADER_LEN, MAGIC_COOKIE, OpCode, RawOptions, field};
use crate::{MacAddr, Result, WireError};

/// A view over a DHCPv4 message (a UDP payload). See the [module docs](super).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpPacket<T: AsRef<[u8]>> {
    pub(super) buffer: T,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn addr(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl<T: AsRef<[u8]>> DhcpPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> DhcpPacket<T> {
        DhcpPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<DhcpPacket<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// [`WireError::Truncated`] if the buffer is shorter than the fixed part
    /// ([`HEADER_LEN`], magic cookie included).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// `op`.
    pub fn opcode(&self) -> OpCode {
        self.buffer.as_ref()[field::OP].into()
    }
    /// `htype` (1 for Ethernet).
    pub fn hardware_type(&self) -> u8 {
        self.buffer.as_ref()[field::HTYPE]
    }
    /// `hlen` (6 for Ethernet).
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }
    /// `hops`.
    pub fn hops(&self) -> u8 {
        self.buffer.as_ref()[field::HOPS]
    }
    /// `xid`, the transaction id.
    pub fn transaction_id(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::XID])
    }
    /// `secs`.
    pub fn secs(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::SECS];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// `flags`.
    pub fn flags(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::FLAGS];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// The broadcast bit of `flags`.
    pub fn broadcast_flag(&self) -> bool {
        self.flags() & FLAG_BROADCAST != 0
    }
    /// `ciaddr`.
    pub fn client_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::CIADDR])
    }
    /// `yiaddr`.
    pub fn your_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::YIADDR])
    }
    /// `siaddr`.
    pub fn server_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::SIADDR])
    }
    /// `giaddr`.
    pub fn relay_agent_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::GIADDR])
    }
    /// The whole 16-byte `chaddr` field.
    pub fn client_hardware_field(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.buffer.as_ref()[field::CHADDR]);
        out
    }
    /// The first six bytes of `chaddr` as a MAC address (meaningful when htype is 1).
    pub fn client_hardware_address(&self) -> MacAddr {
        let b = &self.buffer.as_ref()[field::CHADDR];
        MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
    }
    /// The raw 64-byte `sname` field.
    pub fn server_name_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::SNAME]
    }
    /// The raw 128-byte `file` field.
    pub fn boot_file_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::FILE]
    }
    /// The magic cookie (should be [`MAGIC_COOKIE`]).
    pub fn magic_cookie(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::MAGIC])
    }
    /// The raw bytes after the magic cookie.
    pub fn options_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..]
    }
    /// The options in the options field only (not the overloaded `file`/`sname`).
    pub fn options(&self) -> RawOptions<'_> {
        RawOptions::new(self.options_field())
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> DhcpPacket<&'a T> {
    /// The bytes of the message, borrowed from the buffer rather than the view.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buffer.as_ref()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> DhcpPacket<T> {
    fn b(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    /// Sets `op`.
    pub fn set_opcode(&mut self, v: OpCode) {
        self.b()[field::OP] = v.into();
    }
    /// Sets `htype`.
    pub fn set_hardware_type(&mut self, v: u8) {
        self.b()[field::HTYPE] = v;
    }
    /// Sets `hlen`.
    pub fn set_hardware_len(&mut self, v: u8) {
        self.b()[field::HLEN] = v;
    }
    /// Sets `hops`.
    pub fn set_hops(&mut self, v: u8) {
        self.b()[field::HOPS] = v;
    }
    /// Sets `xid`.
    pub fn set_transaction_id(&mut self, v: u32) {
        self.b()[field::XID].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `secs`.
    pub fn set_secs(&mut self, v: u16) {
        self.b()[field::SECS].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `flags`.
    pub fn set_flags(&mut self, v: u16) {
        self.b()[field::FLAGS].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `ciaddr`.
    pub fn set_client_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::CIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `yiaddr`.
    pub fn set_your_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::YIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `siaddr`.
    pub fn set_server_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::SIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `giaddr`.
    pub fn set_relay_agent_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::GIADDR].copy_from_slice(&v.octets());
    }
    /// Sets the 16-byte `chaddr` field.
    pub fn set_client_hardware_field(&mut self, v: &[u8; 16]) {
        self.b()[field::CHADDR].copy_from_slice(v);
    }
    /// Sets `sname`: `v` then zeros. [`WireError::BadField`] if longer than 64 bytes.
    pub fn set_server_name_field(&mut self, v: &[u8]) -> Result<()> {
        set_padded(&mut self.b()[field::SNAME], v)
    }
    /// Sets `file`: `v` then zeros. [`WireError::BadField`] if longer than 128 bytes.
    pub fn set_boot_file_field(&mut self, v: &[u8]) -> Result<()> {
        set_padded(&mut self.b()[field::FILE], v)
    }
    /// Writes the magic cookie.
    pub fn set_magic_cookie(&mut self) {
        self.b()[field::MAGIC].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
    }
    /// The options field, mutably.
    pub fn options_field_mut(&mut self) -> &mut [u8] {
        &mut self.b()[field::OPTIONS..]
    }
}

fn set_padded(dst: &mut [u8], v: &[u8]) -> Result<()> {
    if v.len() > dst.len() {
        return Err(WireError::BadField);
    }
    let (a, b) = dst.split_at_mut(v.len());
    a.copy_from_slice(v);
    b.fill(0);
    Ok(())
}
