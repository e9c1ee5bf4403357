//! Descriptors beyond stdio (`spawn.fds`) for a Windows child. Windows has
//! handles, not descriptor numbers: descriptor 3 of a C program is an entry
//! of its C runtime's table, which the runtime fills at start-up from
//! `STARTUPINFO.lpReserved2` when the parent put one there. That is how
//! libuv, and so Node, hands extra stdio to a Windows child, and what the
//! Microsoft C runtimes (msvcrt, the UCRT) and Wine's msvcrt read. The
//! block is: a 32-bit count, one flag byte per descriptor, then one
//! handle per descriptor, packed without padding; descriptors 0-2 are in
//! it too and must be the stdio handles. A program that does not use the C
//! runtime's descriptors (or reads only its standard handles) sees nothing
//! of the extra ones, whatever the parent does.
//!
//! The handles must also be inherited: they join the attribute list's
//! handle list beside stdio's.

use std::mem::size_of;

use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};

/// The runtime's flags: the descriptor is open, and is a pipe or a device.
const FOPEN: u8 = 0x01;
const FPIPE: u8 = 0x08;
const FDEV: u8 = 0x40;

/// What sits at one descriptor number of the child's table.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    Pipe(HANDLE),
    /// The null device (an ignored stdio stream).
    Device(HANDLE),
    /// A number between the ones asked for: left closed.
    Closed,
}

/// The `lpReserved2` block for descriptors `0..entries.len()`.
pub fn block(entries: &[Entry]) -> Vec<u8> {
    let count = entries.len();
    let mut buf = Vec::with_capacity(size_of::<u32>() + count * (1 + size_of::<HANDLE>()));
    buf.extend_from_slice(&(count as u32).to_ne_bytes());
    for e in entries {
        buf.push(match e {
            Entry::Pipe(_) => FOPEN | FPIPE,
            Entry::Device(_) => FOPEN | FDEV,
            Entry::Closed => 0,
        });
    }
    for e in entries {
        let h = match e {
            Entry::Pipe(h) | Entry::Device(h) => *h,
            Entry::Closed => INVALID_HANDLE_VALUE,
        };
        buf.extend_from_slice(&(h as usize).to_ne_bytes());
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_count_flags_then_packed_handles() {
        let h = |n: usize| n as HANDLE;
        let b = block(&[Entry::Pipe(h(4)), Entry::Device(h(8)), Entry::Pipe(h(12)), Entry::Closed, Entry::Pipe(h(16))]);
        assert_eq!(&b[..4], &5u32.to_ne_bytes());
        assert_eq!(&b[4..9], &[FOPEN | FPIPE, FOPEN | FDEV, FOPEN | FPIPE, 0, FOPEN | FPIPE]);
        let w = size_of::<HANDLE>();
        let at = |i: usize| usize::from_ne_bytes(b[9 + i * w..9 + (i + 1) * w].try_into().unwrap());
        assert_eq!([at(0), at(1), at(2), at(4)], [4, 8, 12, 16]);
        assert_eq!(at(3), INVALID_HANDLE_VALUE as usize);
        assert_eq!(b.len(), 4 + 5 + 5 * w);
    }
}
