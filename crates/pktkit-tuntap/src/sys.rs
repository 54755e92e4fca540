//! The raw `/dev/net/tun` interface: `ifreq`, the `TUN*` ioctls and the flag bits.
//!
//! Every `unsafe` of the crate lives here, each wrapped in a safe function that
//! takes an owned or borrowed fd and plain values. Not for: policy (which flags
//! to use, error wording); that is `builder.rs`.

use std::ffi::CStr;
use std::os::fd::{AsFd, AsRawFd};

use nix::errno::Errno;

/// Longest interface name the kernel accepts (IFNAMSIZ − 1 for the NUL).
pub(crate) const IFNAMSIZ_MAX: usize = libc::IFNAMSIZ - 1;

nix::ioctl_write_ptr_bad!(ioctl_tunsetiff, libc::TUNSETIFF, libc::ifreq);
nix::ioctl_write_int_bad!(ioctl_tunsetoffload, libc::TUNSETOFFLOAD);
nix::ioctl_write_int_bad!(ioctl_tunsetpersist, libc::TUNSETPERSIST);
nix::ioctl_write_int_bad!(ioctl_tunsetowner, libc::TUNSETOWNER);
nix::ioctl_write_int_bad!(ioctl_tunsetgroup, libc::TUNSETGROUP);
nix::ioctl_write_ptr_bad!(ioctl_tunsetvnethdrsz, libc::TUNSETVNETHDRSZ, libc::c_int);
nix::ioctl_write_ptr_bad!(ioctl_tunsetvnetle, libc::TUNSETVNETLE, libc::c_int);
nix::ioctl_read_bad!(ioctl_tungetfeatures, libc::TUNGETFEATURES, libc::c_uint);

/// An `ifreq` holding `name` and `flags`. `name` must be at most [`IFNAMSIZ_MAX`]
/// bytes without NUL (checked by the caller; longer names are cut here).
fn ifreq(name: &str, flags: libc::c_short) -> libc::ifreq {
    // SAFETY: `ifreq` is a plain C struct (char array + union of integers and
    // sockaddrs); the all-zero bit pattern is a valid value of it.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes().take(IFNAMSIZ_MAX)) {
        *dst = src as libc::c_char;
    }
    req.ifr_ifru.ifru_flags = flags;
    req
}

fn name_of(req: &libc::ifreq) -> String {
    let bytes: Vec<u8> = req
        .ifr_name
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `TUNSETIFF`: attaches the fd to interface `name` (created if missing), with
/// `flags` (`IFF_TAP`/`IFF_TUN` | `IFF_NO_PI` | …). Returns the name the kernel
/// used (it fills in `%d` patterns or an empty name).
pub(crate) fn tunsetiff(fd: impl AsFd, name: &str, flags: libc::c_int) -> Result<String, Errno> {
    let req = ifreq(name, flags as libc::c_short);
    // SAFETY: the fd is open (borrowed for the call); `req` is a valid, initialised
    // ifreq that outlives the call; TUNSETIFF reads and writes only that struct.
    unsafe { ioctl_tunsetiff(fd.as_fd().as_raw_fd(), &req) }?;
    Ok(name_of(&req))
}

/// `TUNSETOFFLOAD` with `TUN_F_*` bits.
pub(crate) fn tunsetoffload(fd: impl AsFd, bits: libc::c_uint) -> Result<(), Errno> {
    // SAFETY: valid fd; the argument is passed by value (no memory shared).
    unsafe { ioctl_tunsetoffload(fd.as_fd().as_raw_fd(), bits as libc::c_int) }?;
    Ok(())
}

/// `TUNSETPERSIST`.
pub(crate) fn tunsetpersist(fd: impl AsFd, on: bool) -> Result<(), Errno> {
    // SAFETY: valid fd; argument by value.
    unsafe { ioctl_tunsetpersist(fd.as_fd().as_raw_fd(), on as libc::c_int) }?;
    Ok(())
}

/// `TUNSETOWNER`.
pub(crate) fn tunsetowner(fd: impl AsFd, uid: u32) -> Result<(), Errno> {
    // SAFETY: valid fd; argument by value.
    unsafe { ioctl_tunsetowner(fd.as_fd().as_raw_fd(), uid as libc::c_int) }?;
    Ok(())
}

/// `TUNSETGROUP`.
pub(crate) fn tunsetgroup(fd: impl AsFd, gid: u32) -> Result<(), Errno> {
    // SAFETY: valid fd; argument by value.
    unsafe { ioctl_tunsetgroup(fd.as_fd().as_raw_fd(), gid as libc::c_int) }?;
    Ok(())
}

/// `TUNSETVNETHDRSZ`.
pub(crate) fn tunsetvnethdrsz(fd: impl AsFd, len: usize) -> Result<(), Errno> {
    let v = len as libc::c_int;
    // SAFETY: valid fd; `v` lives across the call and is only read.
    unsafe { ioctl_tunsetvnethdrsz(fd.as_fd().as_raw_fd(), &v) }?;
    Ok(())
}

/// `TUNSETVNETLE`: virtio-net header fields in little-endian (virtio 1.x).
pub(crate) fn tunsetvnetle(fd: impl AsFd) -> Result<(), Errno> {
    let v: libc::c_int = 1;
    // SAFETY: valid fd; `v` lives across the call and is only read.
    unsafe { ioctl_tunsetvnetle(fd.as_fd().as_raw_fd(), &v) }?;
    Ok(())
}

/// `TUNGETFEATURES`: the `IFF_*` flags this kernel's tun driver supports.
pub(crate) fn tungetfeatures(fd: impl AsFd) -> Result<libc::c_uint, Errno> {
    let mut v: libc::c_uint = 0;
    // SAFETY: valid fd; `v` is a valid c_uint the kernel writes into.
    unsafe { ioctl_tungetfeatures(fd.as_fd().as_raw_fd(), &mut v) }?;
    Ok(v)
}

/// The path of the clone device.
pub(crate) const TUN_PATH: &CStr = c"/dev/net/tun";
