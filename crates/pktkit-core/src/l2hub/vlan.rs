//! Per-port VLAN behaviour of an [`L2Hub`](crate::L2Hub): [`VlanMode`] and [`VlanSet`].

use std::fmt;

/// A set of VLAN IDs (1–4094), a 4096-bit bitmap.
#[derive(Clone, PartialEq, Eq)]
pub struct VlanSet {
    bits: Box<[u64; 64]>,
}

impl VlanSet {
    /// No VLANs.
    pub fn empty() -> Self {
        VlanSet {
            bits: Box::new([0; 64]),
        }
    }

    /// Every VID from 1 to 4094.
    pub fn all() -> Self {
        let mut s = Self::empty();
        for v in 1..=4094 {
            s.insert(v);
        }
        s
    }

    /// Adds `vid` (values outside 1–4094 are ignored).
    pub fn insert(&mut self, vid: u16) {
        if (1..=4094).contains(&vid) {
            self.bits[vid as usize / 64] |= 1 << (vid % 64);
        }
    }

    /// True if `vid` is in the set.
    #[inline]
    pub fn contains(&self, vid: u16) -> bool {
        vid < 4096 && self.bits[vid as usize / 64] & (1 << (vid % 64)) != 0
    }
}

impl FromIterator<u16> for VlanSet {
    fn from_iter<I: IntoIterator<Item = u16>>(iter: I) -> Self {
        let mut s = Self::empty();
        for v in iter {
            s.insert(v);
        }
        s
    }
}

impl fmt::Debug for VlanSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((1..=4094u16).filter(|v| self.contains(*v)))
            .finish()
    }
}

/// How a hub port treats 802.1Q tags.
///
/// Inside the hub every frame belongs to one VLAN (its *VID*); a frame is only
/// ever delivered to ports that carry that VLAN, so VLANs are isolated.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum VlanMode {
    /// VLAN-unaware (the default): frames pass as they are, tags and all, among
    /// the transparent ports only (they share the hub's VLAN 0).
    #[default]
    Transparent,
    /// An access port of one VLAN: untagged frames in and out; tagged frames
    /// arriving here are dropped; frames leaving here lose their tag.
    Access(u16),
    /// A trunk: 802.1Q-tagged frames of the `allowed` VLANs in and out.
    /// Untagged frames belong to `native` (dropped if `None`) and leave untagged.
    Trunk {
        /// The VLAN of untagged frames, if any.
        native: Option<u16>,
        /// The tagged VLANs this port carries.
        allowed: VlanSet,
    },
}

impl VlanMode {
    /// The hub-internal VID of a frame arriving here with outer tag `tag`
    /// (`None` if untagged), or `None` if the port refuses it.
    #[inline]
    pub(crate) fn ingress_vid(&self, tag: Option<u16>) -> Option<u16> {
        match (self, tag) {
            (VlanMode::Transparent, _) => Some(0),
            (VlanMode::Access(v), None) => Some(*v),
            (VlanMode::Access(_), Some(_)) => None,
            (VlanMode::Trunk { native, .. }, None) => *native,
            (VlanMode::Trunk { allowed, .. }, Some(t)) => allowed.contains(t).then_some(t),
        }
    }

    /// How a frame of VLAN `vid` leaves this port: `None` if it does not carry
    /// `vid`, else `Some(tagged)`.
    #[inline]
    pub(crate) fn egress(&self, vid: u16) -> Option<Egress> {
        match self {
            VlanMode::Transparent => (vid == 0).then_some(Egress::AsIs),
            VlanMode::Access(v) => (*v == vid).then_some(Egress::Untagged),
            VlanMode::Trunk { native, allowed } => {
                if *native == Some(vid) {
                    Some(Egress::Untagged)
                } else if allowed.contains(vid) {
                    Some(Egress::Tagged)
                } else {
                    None
                }
            }
        }
    }
}

/// The shape a frame leaves a port in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Egress {
    AsIs,
    Untagged,
    Tagged,
}
