//! Outside Linux there is no `splice(2)`: output is always read and
//! written. This stand-in cannot be constructed, so the relay's splicing
//! branch is never taken.

use std::io;

use super::{ChildOutput, SpliceStop};

pub enum SpliceTarget {}

impl SpliceTarget {
    #[cfg(unix)]
    pub fn new(_: std::os::fd::BorrowedFd<'_>) -> Option<SpliceTarget> {
        None
    }

    pub fn usable(&self) -> bool {
        match *self {}
    }

    pub async fn waiting(&self, _: &mut ChildOutput) -> io::Result<usize> {
        match *self {}
    }

    pub async fn splice_from(&self, _: &mut ChildOutput, _: usize) -> Result<(), SpliceStop> {
        match *self {}
    }
}
