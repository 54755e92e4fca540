//! [`DhcpRepr::emit`] and [`DhcpRepr::buffer_len`]: writing a message.
//!
//! The options go straight into the buffer, in a fixed order (message type
//! first, relay agent information last, RFC 3046 §2.1), each value longer
//! than 255 bytes split into several instances (RFC 3396). Not for: option
//! overload; emit never uses `file`/`sname` as option space.

use core::net::Ipv4Addr;

use super::option_data::{DataInner, ListInner};
use super::other_options::OtherInner;
use super::{
    BOOTP_MIN_LEN, DhcpPacket, DhcpRepr, FLAG_BROADCAST, HEADER_LEN, Ipv4List, MAGIC_COOKIE,
    OptionData, field, opt,
};
use crate::{Result, WireError};

/// Bytes on the wire of an option whose value is `len` bytes long: two
/// header bytes per instance of up to 255 bytes, at least one instance.
#[inline(always)]
const fn wire_len(len: usize) -> usize {
    if len <= 255 {
        len + 2
    } else {
        len + 2 * len.div_ceil(255)
    }
}

/// Bytes on the wire of a value option, if present.
#[inline(always)]
fn data_len(d: &Option<OptionData<'_>>) -> usize {
    d.as_ref().map_or(0, |d| wire_len(d.len()))
}

/// Bytes on the wire of an address list option, if present.
#[inline(always)]
fn list_len(l: &Option<Ipv4List<'_>>) -> usize {
    l.as_ref().map_or(0, |l| match l.0 {
        ListInner::Addrs(a) => wire_len(4 * a.len()),
        ListInner::Data(d) => wire_len(d.len()),
    })
}

/// `dst.copy_from_slice(src)` for the short values options hold, without a
/// call to `memcpy`: two overlapping fixed-size copies cover 4 to 32 bytes.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if dst.len() != n {
        return dst.copy_from_slice(src);
    }
    macro_rules! two {
        ($k:literal) => {{
            dst[..$k].copy_from_slice(&src[..$k]);
            dst[n - $k..].copy_from_slice(&src[n - $k..]);
        }};
    }
    match n {
        0 => {}
        1..4 => dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s),
        4..8 => two!(4),
        8..16 => two!(8),
        16..=32 => two!(16),
        _ => dst.copy_from_slice(src),
    }
}

/// Writes options into the options field, one after the other from `at`.
/// An option that does not fit moves `at` past the end of the field, so
/// nothing more is written and `emit` reports the buffer too small.
struct OptionWriter<'b> {
    out: &'b mut [u8],
    at: usize,
}

impl OptionWriter<'_> {
    /// The `2 + len` bytes of the next option instance (code, length,
    /// value), or `None` (and `at` past the end) if they do not fit.
    #[inline(always)]
    fn next(&mut self, code: u8, len: usize) -> Option<&mut [u8]> {
        let end = self.at + 2 + len;
        if end > self.out.len() {
            self.at = self.out.len() + 1;
            return None;
        }
        // In bounds: `at <= end <= out.len()`.
        let dst = &mut self.out[self.at..end];
        self.at = end;
        dst[0] = code;
        dst[1] = len as u8;
        Some(&mut dst[2..])
    }

    /// One option with a value held in one slice.
    #[inline(always)]
    fn slice(&mut self, code: u8, value: &[u8]) {
        if value.len() > 255 {
            return self.bytes(code, value.len(), value.iter().copied());
        }
        if let Some(dst) = self.next(code, value.len()) {
            copy_short(dst, value);
        }
    }

    /// One option with a fixed-size value.
    #[inline(always)]
    fn fixed<const N: usize>(&mut self, code: u8, value: Option<[u8; N]>) {
        if let Some(v) = value {
            self.slice(code, &v);
        }
    }

    /// A value option, if present.
    #[inline(always)]
    fn data(&mut self, code: u8, value: Option<OptionData<'_>>) {
        match value.map(|d| d.0) {
            None => {}
            Some(DataInner::Bytes(b)) => self.slice(code, b),
            Some(split) => {
                let d = OptionData(split);
                self.bytes(code, d.len(), d.bytes());
            }
        }
    }

    /// An address list option, if present.
    #[inline(always)]
    fn list(&mut self, code: u8, value: Option<Ipv4List<'_>>) {
        match value.map(|l| l.0) {
            None => {}
            Some(ListInner::Data(d)) => self.data(code, Some(d)),
            Some(ListInner::Addrs(a)) if a.len() <= 255 / 4 => {
                if let Some(dst) = self.next(code, 4 * a.len()) {
                    for (d, a) in dst.chunks_exact_mut(4).zip(a) {
                        d.copy_from_slice(&a.octets());
                    }
                }
            }
            Some(ListInner::Addrs(a)) => {
                self.bytes(code, 4 * a.len(), a.iter().flat_map(Ipv4Addr::octets));
            }
        }
    }

    /// One option of `len` bytes taken from `value`, in instances of up to
    /// 255 bytes (RFC 3396).
    #[cold]
    fn bytes(&mut self, code: u8, len: usize, mut value: impl Iterator<Item = u8>) {
        let mut left = len;
        loop {
            let n = left.min(255);
            let Some(dst) = self.next(code, n) else {
                return;
            };
            for slot in dst {
                *slot = value.next().unwrap_or(0);
            }
            left -= n;
            if left == 0 {
                break;
            }
        }
    }
}

impl DhcpRepr<'_> {
    /// Bytes of the options field as emitted, END included.
    fn options_len(&self) -> usize {
        let fixed4 = [
            self.server_id.is_some(),
            self.lease_time.is_some(),
            self.renewal_time.is_some(),
            self.rebinding_time.is_some(),
            self.subnet_mask.is_some(),
            self.broadcast_address.is_some(),
            self.requested_ip.is_some(),
        ];
        let fixed2 = [
            self.interface_mtu.is_some(),
            self.max_message_size.is_some(),
        ];
        let other = match self.other.0 {
            OtherInner::List(l) => l.iter().map(|o| wire_len(o.data.len())).sum(),
            OtherInner::One(o) => wire_len(o.data.len()),
            OtherInner::Parsed(_) => self.other.iter().map(|o| wire_len(o.data.len())).sum(),
        };
        // Message type (3 bytes) and END.
        3 + 1
            + 6 * fixed4.iter().filter(|&&b| b).count()
            + 4 * fixed2.iter().filter(|&&b| b).count()
            + data_len(&self.hostname)
            + data_len(&self.domain_name)
            + data_len(&self.parameter_request_list)
            + data_len(&self.message)
            + data_len(&self.client_id)
            + data_len(&self.tftp_server_name)
            + data_len(&self.bootfile_name)
            + data_len(&self.relay_agent_info)
            + data_len(&self.domain_search)
            + data_len(&self.classless_routes)
            + list_len(&self.router)
            + list_len(&self.dns_servers)
            + other
    }

    /// The length [`emit`](Self::emit) writes: the fixed part, the options and
    /// END, padded to [`BOOTP_MIN_LEN`].
    pub fn buffer_len(&self) -> usize {
        (HEADER_LEN + self.options_len()).max(BOOTP_MIN_LEN)
    }

    /// Writes the message into `packet` (at least [`buffer_len`](Self::buffer_len)
    /// bytes; anything after the options is filled with PAD). Options longer
    /// than 255 bytes are split into several instances (RFC 3396).
    ///
    /// Errors: [`WireError::BufferTooSmall`], [`WireError::BadField`] (`hlen`
    /// over 16, `sname` over 64 or `file` over 128 bytes, an entry of
    /// [`DhcpRepr::other`] that is PAD/END or over 255 bytes). `BadField`
    /// leaves the buffer untouched; after `BufferTooSmall` (a buffer shorter
    /// than [`buffer_len`](Self::buffer_len)) its content is unspecified.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut DhcpPacket<&mut T>,
    ) -> Result<()> {
        if self.hlen > 16 || self.sname.len() > 64 || self.file.len() > 128 {
            return Err(WireError::BadField);
        }
        // Parsed options are well-formed by construction; check the caller's.
        if let OtherInner::List(list) = self.other.0
            && list
                .iter()
                .any(|o| o.code == opt::PAD || o.code == opt::END || o.data.len() > 255)
        {
            return Err(WireError::BadField);
        }
        // Every message is at least BOOTP_MIN_LEN long; whether the options
        // fit the rest shows as they are written (the same test as against
        // `buffer_len()`, without walking the options twice).
        let Some((h, options)) = packet
            .buffer
            .as_mut()
            .split_first_chunk_mut::<HEADER_LEN>()
            .filter(|(_, o)| o.len() >= BOOTP_MIN_LEN - HEADER_LEN)
        else {
            return Err(WireError::BufferTooSmall);
        };
        h[field::OP] = self.op.into();
        h[field::HTYPE] = self.htype;
        h[field::HLEN] = self.hlen;
        h[field::HOPS] = self.hops;
        h[field::XID].copy_from_slice(&self.xid.to_be_bytes());
        h[field::SECS].copy_from_slice(&self.secs.to_be_bytes());
        let flags = if self.broadcast { FLAG_BROADCAST } else { 0 };
        h[field::FLAGS].copy_from_slice(&flags.to_be_bytes());
        h[field::CIADDR].copy_from_slice(&self.ciaddr.octets());
        h[field::YIADDR].copy_from_slice(&self.yiaddr.octets());
        h[field::SIADDR].copy_from_slice(&self.siaddr.octets());
        h[field::GIADDR].copy_from_slice(&self.giaddr.octets());
        h[field::CHADDR].copy_from_slice(&self.chaddr);
        // Zeroed whole (a fixed size: no call), then the text, if any.
        h[field::SNAME].fill(0);
        copy_short(&mut h[field::SNAME][..self.sname.len()], self.sname);
        h[field::FILE].fill(0);
        copy_short(&mut h[field::FILE][..self.file.len()], self.file);
        h[field::MAGIC].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        let mut w = OptionWriter {
            out: options,
            at: 0,
        };
        w.slice(opt::MESSAGE_TYPE, &[u8::from(self.message_type)]);
        w.fixed(opt::SERVER_ID, self.server_id.map(|a| a.octets()));
        w.fixed(opt::LEASE_TIME, self.lease_time.map(u32::to_be_bytes));
        w.fixed(opt::RENEWAL_TIME, self.renewal_time.map(u32::to_be_bytes));
        w.fixed(
            opt::REBINDING_TIME,
            self.rebinding_time.map(u32::to_be_bytes),
        );
        w.fixed(opt::SUBNET_MASK, self.subnet_mask.map(|a| a.octets()));
        w.fixed(
            opt::BROADCAST_ADDRESS,
            self.broadcast_address.map(|a| a.octets()),
        );
        w.list(opt::ROUTER, self.router);
        w.list(opt::DNS_SERVERS, self.dns_servers);
        w.data(opt::DOMAIN_NAME, self.domain_name);
        w.data(opt::HOSTNAME, self.hostname);
        w.fixed(opt::INTERFACE_MTU, self.interface_mtu.map(u16::to_be_bytes));
        w.fixed(opt::REQUESTED_IP, self.requested_ip.map(|a| a.octets()));
        w.fixed(
            opt::MAX_MESSAGE_SIZE,
            self.max_message_size.map(u16::to_be_bytes),
        );
        w.data(opt::PARAMETER_REQUEST_LIST, self.parameter_request_list);
        w.data(opt::CLIENT_ID, self.client_id);
        w.data(opt::MESSAGE, self.message);
        w.data(opt::TFTP_SERVER_NAME, self.tftp_server_name);
        w.data(opt::BOOTFILE_NAME, self.bootfile_name);
        w.data(opt::DOMAIN_SEARCH, self.domain_search);
        w.data(opt::CLASSLESS_STATIC_ROUTES, self.classless_routes);
        match self.other.0 {
            OtherInner::List(l) => l.iter().for_each(|o| w.slice(o.code, o.data)),
            OtherInner::One(o) => w.slice(o.code, o.data),
            OtherInner::Parsed(_) => self.other.iter().for_each(|o| w.slice(o.code, o.data)),
        }
        // RFC 3046 §2.1: the relay agent information option comes last.
        w.data(opt::RELAY_AGENT_INFO, self.relay_agent_info);
        let OptionWriter { out, at } = w;
        let Some((end, pad)) = out.get_mut(at..).and_then(|o| o.split_first_mut()) else {
            return Err(WireError::BufferTooSmall);
        };
        *end = opt::END;
        pad.fill(opt::PAD);
        Ok(())
    }
}
