//! [`OtherOptions`]: the options a repr has no typed field for.

use core::fmt;

use super::option_data::DataInner;
use super::options::Areas;
use super::repr::is_typed;
use super::{DhcpOption, OptionData};

/// The options a repr has no typed field for, kept in wire order.
#[derive(Clone, Copy)]
pub struct OtherOptions<'a>(pub(super) OtherInner<'a>);

#[derive(Clone, Copy)]
pub(super) enum OtherInner<'a> {
    List(&'a [DhcpOption<'a>]),
    /// The only unknown option of a parsed message (the common case, kept
    /// so emit need not walk the message again).
    One(DhcpOption<'a>),
    Parsed(Areas<'a>),
}

impl<'a> OtherOptions<'a> {
    /// Options the caller wants emitted as they are (values over 255 bytes
    /// are rejected by emit: split them yourself or use a typed field).
    pub const fn new(list: &'a [DhcpOption<'a>]) -> Self {
        OtherOptions(OtherInner::List(list))
    }
    /// No other options.
    pub const fn none() -> Self {
        OtherOptions(OtherInner::List(&[]))
    }
    /// The option instances, in order.
    pub fn iter(&self) -> impl Iterator<Item = DhcpOption<'a>> + Clone + use<'a> {
        let (l, o, p) = match self.0 {
            OtherInner::List(l) => (Some(l), None, None),
            OtherInner::One(o) => (None, Some(o), None),
            OtherInner::Parsed(a) => (None, None, Some(a)),
        };
        l.into_iter()
            .flat_map(|l| l.iter().copied())
            .chain(o)
            .chain(
                p.into_iter()
                    .flat_map(|a| a.iter().filter(|o| !is_typed(o.code))),
            )
    }
    /// The value of option `code` (all its instances concatenated), if present.
    pub fn find(&self, code: u8) -> Option<OptionData<'a>> {
        match self.0 {
            OtherInner::List(l) => l
                .iter()
                .find(|o| o.code == code)
                .map(|o| OptionData::from_bytes(o.data)),
            OtherInner::One(o) => (o.code == code).then(|| OptionData::from_bytes(o.data)),
            OtherInner::Parsed(areas) => {
                let mut n = 0;
                let mut len = 0;
                let mut first: &[u8] = &[];
                for o in areas.iter().filter(|o| o.code == code) {
                    if n == 0 {
                        first = o.data;
                    }
                    n += 1;
                    len += o.data.len();
                }
                match n {
                    0 => None,
                    1 => Some(OptionData::from_bytes(first)),
                    _ => Some(OptionData(DataInner::split(areas, code, len))),
                }
            }
        }
    }
}

impl PartialEq for OtherOptions<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for OtherOptions<'_> {}

impl fmt::Debug for OtherOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|o| (o.code, OptionData::from_bytes(o.data))),
            )
            .finish()
    }
}
