//! A `PROC_THREAD_ATTRIBUTE_LIST` for `CreateProcessW`: the job list (the
//! child is in its job before its first instruction) and the handle list
//! (the child inherits its three stdio handles and nothing else the sidecar
//! happens to hold as inheritable).

use std::io;
use std::mem::size_of;
use std::ptr::null_mut;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::{
    DeleteProcThreadAttributeList, InitializeProcThreadAttributeList, UpdateProcThreadAttribute,
    LPPROC_THREAD_ATTRIBUTE_LIST,
};

pub struct AttrList {
    /// usize-aligned storage for the opaque list.
    buf: Vec<usize>,
    /// The list points into these: they live as long as the list.
    values: Vec<Box<[HANDLE]>>,
}

impl AttrList {
    pub fn new(count: u32) -> io::Result<AttrList> {
        let mut size = 0usize;
        // SAFETY: the documented size query (fails with the size set).
        unsafe { InitializeProcThreadAttributeList(null_mut(), count, 0, &mut size) };
        if size == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buf = vec![0usize; size.div_ceil(size_of::<usize>())];
        // SAFETY: `buf` has at least `size` bytes.
        if unsafe { InitializeProcThreadAttributeList(buf.as_mut_ptr() as _, count, 0, &mut size) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(AttrList { buf, values: Vec::new() })
    }

    /// Sets a handle-array attribute (`PROC_THREAD_ATTRIBUTE_JOB_LIST`,
    /// `PROC_THREAD_ATTRIBUTE_HANDLE_LIST`).
    pub fn set_handles(&mut self, attribute: u32, handles: &[HANDLE]) -> io::Result<()> {
        let boxed: Box<[HANDLE]> = handles.into();
        // SAFETY: the list was initialised; `boxed` is kept (and its heap
        // data does not move) until the list is dropped.
        let ok = unsafe {
            UpdateProcThreadAttribute(
                self.as_ptr(),
                0,
                attribute as usize,
                boxed.as_ptr() as *const _,
                boxed.len() * size_of::<HANDLE>(),
                null_mut(),
                std::ptr::null(),
            )
        };
        self.values.push(boxed);
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub fn as_ptr(&mut self) -> LPPROC_THREAD_ATTRIBUTE_LIST {
        self.buf.as_mut_ptr() as LPPROC_THREAD_ATTRIBUTE_LIST
    }
}

impl Drop for AttrList {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted once.
        unsafe { DeleteProcThreadAttributeList(self.as_ptr()) };
    }
}
