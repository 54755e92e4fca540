/// Padding (no length byte).
pub const PAD: u8 = 0;
/// Subnet mask.
pub const SUBNET_MASK: u8 = 1;
/// Routers.
pub const ROUTER: u8 = 3;
/// DNS servers.
pub const DNS_SERVERS: u8 = 6;
/// Host name.
pub const HOSTNAME: u8 = 12;
/// Domain name.
pub const DOMAIN_NAME: u8 = 15;
/// Interface MTU.
pub const INTERFACE_MTU: u8 = 26;
/// Broadcast address.
pub const BROADCAST_ADDRESS: u8 = 28;
/// Requested IP address.
pub const REQUESTED_IP: u8 = 50;
/// IP address lease time.
pub const LEASE_TIME: u8 = 51;
/// Option overload.
pub const OVERLOAD: u8 = 52;
/// DHCP message type.
pub const MESSAGE_TYPE: u8 = 53;
/// Server identifier.
pub const SERVER_ID: u8 = 54;
/// Parameter request list.
pub const PARAMETER_REQUEST_LIST: u8 = 55;
/// Message (error text).
pub const MESSAGE: u8 = 56;
/// Maximum DHCP message size.
pub const MAX_MESSAGE_SIZE: u8 = 57;
/// Renewal (T1) time.
pub const RENEWAL_TIME: u8 = 58;
/// Rebinding (T2) time.
pub const REBINDING_TIME: u8 = 59;
/// Vendor class identifier.
pub const VENDOR_CLASS_ID: u8 = 60;
/// Client identifier.
pub const CLIENT_ID: u8 = 61;
/// TFTP server name.
pub const TFTP_SERVER_NAME: u8 = 66;
/// Bootfile name.
pub const BOOTFILE_NAME: u8 = 67;
/// Relay agent information (RFC 3046).
pub const RELAY_AGENT_INFO: u8 = 82;
/// Domain search list (RFC 3397).
pub const DOMAIN_SEARCH: u8 = 119;
/// Classless static routes (RFC 3442).
pub const CLASSLESS_STATIC_ROUTES: u8 = 121;
/// End of options.
pub const END: u8 = 255;
