//! The `pktkit up` configuration file (TOML) and `pktkit check`.
//!
//! [`Config::parse`] reads and validates a file; every error carries the line,
//! column and key it is about ([`ConfigError`]), from toml's spans. The keys
//! are documented in the README ("pktkit up") and in `default.toml`, the
//! configuration `pktkit up` runs without a file. Not here: running it (see
//! [`crate::runner`]).

use std::fmt;
use std::net::Ipv4Addr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pktkit_qemu::{Endpoint, Mode};
use pktkit_wire::MacAddr;
use serde::Deserialize;
use toml::Spanned;

/// The configuration `pktkit up` runs when given no file.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// What `${RUNTIME_DIR}` in a `listen` path stands for.
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("pktkit"),
        _ => PathBuf::from(format!("/tmp/pktkit-{}", nix::unistd::getuid())),
    }
}

/// A configuration error, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
    /// The key it is about, as a path (`switch[0].dhcp.range`), if known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "line {l}, column {c}: ")?;
        }
        if let Some(k) = &self.key {
            write!(f, "key `{k}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A file's contents as written (before validation).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    switch: Vec<RawSwitch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSwitch {
    name: Spanned<String>,
    subnet: Spanned<String>,
    gateway: Option<Spanned<Ipv4Addr>>,
    pcap: Option<Spanned<PathBuf>>,
    dhcp: Option<RawDhcp>,
    #[serde(default)]
    qemu: Vec<RawQemu>,
    #[serde(default)]
    tap: Vec<RawTap>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDhcp {
    range: Spanned<[Ipv4Addr; 2]>,
    lease_time: Option<Spanned<String>>,
    lease_file: Option<PathBuf>,
    #[serde(default)]
    dns: Vec<Ipv4Addr>,
    #[serde(default, rename = "static")]
    statics: Vec<RawStatic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatic {
    mac: Spanned<String>,
    ip: Spanned<Ipv4Addr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQemu {
    listen: Spanned<String>,
    mode: Option<Spanned<String>>,
    #[serde(default)]
    pin_mac: bool,
    max_guests: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTap {
    name: Spanned<String>,
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The switches, in file order.
    pub switches: Vec<SwitchConfig>,
}

/// One `[[switch]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchConfig {
    /// Its name (unique).
    pub name: String,
    /// Its IPv4 subnet: network address and prefix length.
    pub subnet: (Ipv4Addr, u8),
    /// The gateway address (answers ARP and ping), inside the subnet.
    pub gateway: Option<Ipv4Addr>,
    /// A pcapng file receiving every frame of the switch.
    pub pcap: Option<PathBuf>,
    /// The DHCP server, if any.
    pub dhcp: Option<DhcpConfig>,
    /// QEMU listeners.
    pub qemu: Vec<QemuListenConfig>,
    /// TAP interfaces to attach.
    pub taps: Vec<String>,
}

/// `[switch.dhcp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpConfig {
    /// First and last address handed out.
    pub range: (Ipv4Addr, Ipv4Addr),
    /// Lease time (default one hour).
    pub lease_time: Duration,
    /// Where leases are kept across restarts.
    pub lease_file: Option<PathBuf>,
    /// DNS servers announced.
    pub dns: Vec<Ipv4Addr>,
    /// Fixed addresses.
    pub statics: Vec<(MacAddr, Ipv4Addr)>,
}

/// `[[switch.qemu]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuListenConfig {
    /// Where guests connect (`${RUNTIME_DIR}` expanded).
    pub listen: Endpoint,
    /// Stream or dgram.
    pub mode: Mode,
    /// Pin each guest's port to its first MAC.
    pub pin_mac: bool,
    /// Most guests at once.
    pub max_guests: Option<usize>,
}

/// Maps byte offsets of a file to lines and columns.
struct Source<'a> {
    text: &'a str,
}

impl Source<'_> {
    fn locate(&self, span: &Range<usize>) -> (usize, usize) {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(start, |i| start - i - 1) + 1;
        (line, col)
    }

    fn error(&self, span: &Range<usize>, key: String, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.locate(span);
        ConfigError {
            line: Some(line),
            column: Some(column),
            key: Some(key),
            message: message.into(),
        }
    }

    /// A key name guessed from the line a toml error points at (`key = …`).
    fn key_at(&self, span: &Range<usize>) -> Option<String> {
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = self.text[line_start..].lines().next()?;
        let (k, _) = line.split_once('=')?;
        let k = k.trim().trim_start_matches('{').trim();
        (!k.is_empty() && !k.starts_with('#')).then(|| k.to_string())
    }
}

/// Parses `1h`, `30m`, `45s`, `2d` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mul)
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
}

fn parse_subnet(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (a, l) = s.split_once('/')?;
    let a: Ipv4Addr = a.parse().ok()?;
    let l: u8 = l.parse().ok()?;
    if l > 32 {
        return None;
    }
    let mask = u32::MAX.checked_shl(32 - u32::from(l)).unwrap_or(0);
    Some((Ipv4Addr::from(u32::from(a) & mask), l))
}

fn in_subnet(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net)
}

impl Config {
    /// Parses and validates a configuration file's text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let src = Source { text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let (line, column) = span.as_ref().map(|s| src.locate(s)).unzip();
            ConfigError {
                line,
                column,
                key: span.as_ref().and_then(|s| src.key_at(s)),
                message: e.message().to_string(),
            }
        })?;
        if raw.switch.is_empty() {
            return Err(ConfigError {
                line: None,
                column: None,
                key: Some("switch".into()),
                message: "no [[switch]] defined".into(),
            });
        }
        let mut switches = Vec::new();
        for (i, s) in raw.switch.into_iter().enumerate() {
            let k = |name: &str| format!("switch[{i}].{name}");
            let name = s.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(src.error(&s.name.span(), k("name"), "must not be empty"));
            }
            if switches.iter().any(|o: &SwitchConfig| o.name == name) {
                return Err(src.error(
                    &s.name.span(),
                    k("name"),
                    format!("a switch named `{name}` is already defined"),
                ));
            }
            let subnet = parse_subnet(s.subnet.get_ref()).ok_or_else(|| {
                src.error(
                    &s.subnet.span(),
                    k("subnet"),
                    format!(
                        "`{}` is not an IPv4 subnet like 10.0.2.0/24",
                        s.subnet.get_ref()
                    ),
                )
            })?;
            let gateway = match &s.gateway {
                Some(g) if !in_subnet(*g.get_ref(), subnet) => {
                    return Err(src.error(
                        &g.span(),
                        k("gateway"),
                        format!(
                            "{} is outside the subnet {}/{}",
                            g.get_ref(),
                            subnet.0,
                            subnet.1
                        ),
                    ));
                }
                Some(g) => Some(*g.get_ref()),
                None => None,
            };
            let dhcp = match s.dhcp {
                None => None,
                Some(d) => {
                    let k = |name: &str| format!("switch[{i}].dhcp.{name}");
                    let [a, b] = *d.range.get_ref();
                    let rspan = d.range.span();
                    if !in_subnet(a, subnet) || !in_subnet(b, subnet) {
                        return Err(src.error(
                            &rspan,
                            k("range"),
                            "the range must lie inside the subnet",
                        ));
                    }
                    if u32::from(a) > u32::from(b) {
                        return Err(src.error(
                            &rspan,
                            k("range"),
                            "the range's first address is after its last",
                        ));
                    }
                    let Some(gw) = gateway else {
                        return Err(src.error(&rspan, k("range"), "DHCP needs the switch's `gateway`: the server answers from that address"));
                    };
                    if (u32::from(a)..=u32::from(b)).contains(&u32::from(gw)) {
                        return Err(src.error(
                            &rspan,
                            k("range"),
                            format!("the range contains the gateway {gw}"),
                        ));
                    }
                    let lease_time = match &d.lease_time {
                        None => Duration::from_secs(3600),
                        Some(t) => parse_duration(t.get_ref()).ok_or_else(|| {
                            src.error(
                                &t.span(),
                                k("lease_time"),
                                format!(
                                    "`{}` is not a duration like 1h, 30m, 90s or 2d",
                                    t.get_ref()
                                ),
                            )
                        })?,
                    };
                    let mut statics = Vec::new();
                    for (j, st) in d.statics.iter().enumerate() {
                        let sk = |name: &str| format!("switch[{i}].dhcp.static[{j}].{name}");
                        let mac: MacAddr = st.mac.get_ref().parse().map_err(|_| {
                            src.error(
                                &st.mac.span(),
                                sk("mac"),
                                format!("`{}` is not a MAC address", st.mac.get_ref()),
                            )
                        })?;
                        if !mac.is_unicast() {
                            return Err(src.error(
                                &st.mac.span(),
                                sk("mac"),
                                "must be a unicast MAC",
                            ));
                        }
                        let ip = *st.ip.get_ref();
                        if !in_subnet(ip, subnet) || Some(ip) == gateway {
                            return Err(src.error(
                                &st.ip.span(),
                                sk("ip"),
                                format!("{ip} is outside the subnet or is the gateway"),
                            ));
                        }
                        statics.push((mac, ip));
                    }
                    Some(DhcpConfig {
                        range: (a, b),
                        lease_time,
                        lease_file: d.lease_file,
                        dns: d.dns,
                        statics,
                    })
                }
            };
            let mut qemu = Vec::new();
            for (j, q) in s.qemu.iter().enumerate() {
                let qk = |name: &str| format!("switch[{i}].qemu[{j}].{name}");
                let expanded = q
                    .listen
                    .get_ref()
                    .replace("${RUNTIME_DIR}", &runtime_dir().to_string_lossy());
                let listen: Endpoint = expanded
                    .parse()
                    .map_err(|e| src.error(&q.listen.span(), qk("listen"), format!("{e}")))?;
                let mode = match &q.mode {
                    None => listen.default_mode(),
                    Some(m) => m
                        .get_ref()
                        .parse()
                        .map_err(|e| src.error(&m.span(), qk("mode"), format!("{e}")))?,
                };
                if let Err(e) = listen.check_mode(mode) {
                    return Err(src.error(&q.listen.span(), qk("listen"), format!("{e}")));
                }
                qemu.push(QemuListenConfig {
                    listen,
                    mode,
                    pin_mac: q.pin_mac,
                    max_guests: q.max_guests,
                });
            }
            let mut taps = Vec::new();
            for (j, t) in s.tap.iter().enumerate() {
                let n = t.name.get_ref();
                if n.is_empty() || n.len() > 15 || n.contains(['/', ' ']) {
                    return Err(src.error(
                        &t.name.span(),
                        format!("switch[{i}].tap[{j}].name"),
                        "an interface name has 1 to 15 characters, no '/' or spaces",
                    ));
                }
                taps.push(n.clone());
            }
            switches.push(SwitchConfig {
                name,
                subnet,
                gateway,
                pcap: s.pcap.map(Spanned::into_inner),
                dhcp,
                qemu,
                taps,
            });
        }
        // Two listeners on one socket cannot both bind.
        let mut seen = Vec::new();
        for s in &switches {
            for q in &s.qemu {
                if seen.contains(&&q.listen) {
                    return Err(ConfigError {
                        line: None,
                        column: None,
                        key: Some(format!("switch `{}` qemu listen", s.name)),
                        message: format!("{} is used twice", q.listen),
                    });
                }
                seen.push(&q.listen);
            }
        }
        Ok(Config { switches })
    }

    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            line: None,
            column: None,
            key: None,
            message: format!("reading {}: {e}", path.display()),
        })?;
        Config::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        let c = Config::parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.switches.len(), 1);
        let s = &c.switches[0];
        assert_eq!(s.name, "lan");
        assert_eq!(s.subnet, (Ipv4Addr::new(10, 0, 2, 0), 24));
        assert_eq!(s.gateway, Some(Ipv4Addr::new(10, 0, 2, 2)));
        let d = s.dhcp.as_ref().unwrap();
        assert_eq!(
            d.range,
            (Ipv4Addr::new(10, 0, 2, 15), Ipv4Addr::new(10, 0, 2, 254))
        );
        assert_eq!(s.qemu[0].mode, Mode::Stream);
        let p = s.qemu[0].listen.unix_path().unwrap();
        assert!(p.starts_with(runtime_dir()), "{}", p.display());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("1y"), None);
        assert_eq!(parse_duration("h"), None);
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = Config::parse("[[switch]]\nname = \"a\"\nsubnet = \"10.0.0.0/24\"\ncolour = 3\n")
            .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("colour")));
        assert!(e.message.contains("unknown field `colour`"), "{e}");

        let e = Config::parse("[[switch]]\nname = \"a\"\nsubnet = 5\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("subnet")));

        let e = Config::parse("[[switch]]\nname = \"a\"\nsubnet = \"10.0.0.0/33\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.key.as_deref()),
            (Some(3), Some(10), Some("switch[0].subnet"))
        );

        let text = "[[switch]]\nname = \"a\"\nsubnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\n[switch.dhcp]\nrange = [\"10.0.0.10\", \"10.0.1.5\"]\n";
        let e = Config::parse(text).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(6), Some("switch[0].dhcp.range"))
        );

        let text = "[[switch]]\nname = \"a\"\nsubnet = \"10.0.0.0/24\"\n[[switch.qemu]]\nlisten = \"tcp:127.0.0.1:5555\"\nmode = \"dgram\"\n";
        let e = Config::parse(text).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(5), Some("switch[0].qemu[0].listen"))
        );
        assert!(
            e.to_string()
                .starts_with("line 5, column 10: key `switch[0].qemu[0].listen`: "),
            "{e}"
        );
    }
}
