//! The BOOTP `op` field and the DHCP message type (option 53).

/// The BOOTP `op` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// `BOOTREQUEST` (1): client to server.
    Request,
    /// `BOOTREPLY` (2): server to client.
    Reply,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for OpCode {
    fn from(v: u8) -> Self {
        match v {
            1 => OpCode::Request,
            2 => OpCode::Reply,
            v => OpCode::Unknown(v),
        }
    }
}

impl From<OpCode> for u8 {
    fn from(v: OpCode) -> u8 {
        match v {
            OpCode::Request => 1,
            OpCode::Reply => 2,
            OpCode::Unknown(v) => v,
        }
    }
}

/// The DHCP message type (option 53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// DHCPDISCOVER (1).
    Discover,
    /// DHCPOFFER (2).
    Offer,
    /// DHCPREQUEST (3).
    Request,
    /// DHCPDECLINE (4).
    Decline,
    /// DHCPACK (5).
    Ack,
    /// DHCPNAK (6).
    Nak,
    /// DHCPRELEASE (7).
    Release,
    /// DHCPINFORM (8).
    Inform,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for MessageType {
    fn from(v: u8) -> Self {
        match v {
            1 => MessageType::Discover,
            2 => MessageType::Offer,
            3 => MessageType::Request,
            4 => MessageType::Decline,
            5 => MessageType::Ack,
            6 => MessageType::Nak,
            7 => MessageType::Release,
            8 => MessageType::Inform,
            v => MessageType::Unknown(v),
        }
    }
}

impl From<MessageType> for u8 {
    fn from(v: MessageType) -> u8 {
        match v {
            MessageType::Discover => 1,
            MessageType::Offer => 2,
            MessageType::Request => 3,
            MessageType::Decline => 4,
            MessageType::Ack => 5,
            MessageType::Nak => 6,
            MessageType::Release => 7,
            MessageType::Inform => 8,
            MessageType::Unknown(v) => v,
        }
    }
}

impl MessageType {
    /// The BOOTP op a message of this type travels with.
    pub const fn opcode(self) -> OpCode {
        match self {
            MessageType::Offer | MessageType::Ack | MessageType::Nak => OpCode::Reply,
            _ => OpCode::Request,
        }
    }
}
