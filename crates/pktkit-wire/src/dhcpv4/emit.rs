//! [`DhcpRepr::emit`] and [`DhcpRepr::buffer_len`]: writing a message.

use super::option_data::ListInner;
use super::other_options::OtherInner;
use super::{BOOTP_MIN_LEN, DhcpPacket, DhcpRepr, FLAG_BROADCAST, HEADER_LEN, OptionData, opt};
use crate::{Result, WireError};

/// The value bytes handed to the option writer: a slice when contiguous.
enum Src<'s> {
    Slice(&'s [u8]),
    Iter(&'s mut dyn Iterator<Item = u8>),
}

/// Hands `d` to the option writer, as a slice when it is one.
fn put_data(f: &mut dyn FnMut(u8, usize, Src<'_>), code: u8, d: &OptionData<'_>) {
    match d.as_slice() {
        Some(b) => f(code, b.len(), Src::Slice(b)),
        None => f(code, d.len(), Src::Iter(&mut d.bytes())),
    }
}

impl DhcpRepr<'_> {
    /// Calls `f(code, len, bytes)` for each option to emit, in emit order.
    fn for_each_option(&self, mut f: impl FnMut(u8, usize, Src<'_>)) {
        let mtype = [u8::from(self.message_type)];
        f(opt::MESSAGE_TYPE, 1, Src::Slice(&mtype));
        let a4 = |f: &mut dyn FnMut(u8, usize, Src<'_>), code, v: Option<[u8; 4]>| {
            if let Some(v) = v {
                f(code, 4, Src::Slice(&v));
            }
        };
        a4(&mut f, opt::SERVER_ID, self.server_id.map(|a| a.octets()));
        a4(
            &mut f,
            opt::LEASE_TIME,
            self.lease_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::RENEWAL_TIME,
            self.renewal_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::REBINDING_TIME,
            self.rebinding_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::SUBNET_MASK,
            self.subnet_mask.map(|a| a.octets()),
        );
        a4(
            &mut f,
            opt::BROADCAST_ADDRESS,
            self.broadcast_address.map(|a| a.octets()),
        );
        for (code, l) in [
            (opt::ROUTER, self.router),
            (opt::DNS_SERVERS, self.dns_servers),
        ] {
            if let Some(l) = l {
                match l.0 {
                    ListInner::Data(d) => put_data(&mut f, code, &d),
                    ListInner::Addrs(_) => f(code, l.len() * 4, Src::Iter(&mut l.bytes())),
                }
            }
        }
        let data = [
            (opt::DOMAIN_NAME, self.domain_name),
            (opt::HOSTNAME, self.hostname),
        ];
        for (code, d) in data {
            if let Some(d) = d {
                put_data(&mut f, code, &d);
            }
        }
        if let Some(m) = self.interface_mtu {
            f(opt::INTERFACE_MTU, 2, Src::Slice(&m.to_be_bytes()));
        }
        a4(
            &mut f,
            opt::REQUESTED_IP,
            self.requested_ip.map(|a| a.octets()),
        );
        if let Some(m) = self.max_message_size {
            f(opt::MAX_MESSAGE_SIZE, 2, Src::Slice(&m.to_be_bytes()));
        }
        let data = [
            (opt::PARAMETER_REQUEST_LIST, self.parameter_request_list),
            (opt::CLIENT_ID, self.client_id),
            (opt::MESSAGE, self.message),
            (opt::TFTP_SERVER_NAME, self.tftp_server_name),
            (opt::BOOTFILE_NAME, self.bootfile_name),
            (opt::DOMAIN_SEARCH, self.domain_search),
            (opt::CLASSLESS_STATIC_ROUTES, self.classless_routes),
        ];
        for (code, d) in data {
            if let Some(d) = d {
                put_data(&mut f, code, &d);
            }
        }
        for o in self.other.iter() {
            f(o.code, o.data.len(), Src::Slice(o.data));
        }
        // RFC 3046 §2.1: the relay agent information option comes last.
        if let Some(d) = self.relay_agent_info {
            put_data(&mut f, opt::RELAY_AGENT_INFO, &d);
        }
    }

    /// Bytes of the options field as emitted, END included.
    fn options_len(&self) -> usize {
        let mut n = 1;
        self.for_each_option(|_, len, _| n += 2 * len.div_ceil(255).max(1) + len);
        n
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
    /// [`DhcpRepr::other`] that is PAD/END or over 255 bytes).
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
        if packet.buffer.as_ref().len() < self.buffer_len() {
            return Err(WireError::BufferTooSmall);
        }
        packet.set_opcode(self.op);
        packet.set_hardware_type(self.htype);
        packet.set_hardware_len(self.hlen);
        packet.set_hops(self.hops);
        packet.set_transaction_id(self.xid);
        packet.set_secs(self.secs);
        packet.set_flags(if self.broadcast { FLAG_BROADCAST } else { 0 });
        packet.set_client_ip(self.ciaddr);
        packet.set_your_ip(self.yiaddr);
        packet.set_server_ip(self.siaddr);
        packet.set_relay_agent_ip(self.giaddr);
        packet.set_client_hardware_field(&self.chaddr);
        packet.set_server_name_field(self.sname)?;
        packet.set_boot_file_field(self.file)?;
        packet.set_magic_cookie();
        let out = packet.options_field_mut();
        let mut at = 0;
        self.for_each_option(|code, len, mut src| {
            let mut left = len;
            let mut from = 0;
            loop {
                let n = left.min(255);
                out[at] = code;
                out[at + 1] = n as u8;
                let dst = &mut out[at + 2..at + 2 + n];
                match &mut src {
                    Src::Slice(b) => dst.copy_from_slice(&b[from..from + n]),
                    Src::Iter(it) => {
                        for slot in dst {
                            *slot = it.next().unwrap_or(0);
                        }
                    }
                }
                from += n;
                at += 2 + n;
                left -= n;
                if left == 0 {
                    break;
                }
            }
        });
        out[at] = opt::END;
        out[at + 1..].fill(opt::PAD);
        Ok(())
    }
}
