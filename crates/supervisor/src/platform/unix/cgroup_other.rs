//! No cgroups outside Linux: types that are never constructed keep the
//! portable code free of cfg.

pub enum CgroupRoot {}
pub enum CgroupChild {}
impl CgroupRoot {
    pub fn detect() -> Option<CgroupRoot> {
        None
    }
    pub fn path(&self) -> &std::path::Path {
        match *self {}
    }
    pub fn create_child(&self, _: &str) -> std::io::Result<CgroupChild> {
        match *self {}
    }
}
impl CgroupChild {
    pub fn open_procs(&self) -> std::io::Result<std::fs::File> {
        match *self {}
    }
    pub fn pids(&self) -> Vec<u32> {
        match *self {}
    }
    pub fn populated(&self) -> bool {
        match *self {}
    }
    pub fn kill(&self) -> std::io::Result<()> {
        match *self {}
    }
    pub fn contains(&self, _: u32) -> bool {
        match *self {}
    }
}
/// Never called: without a cgroup the spawn passes no fd to join.
pub fn join_from_pre_exec(_fd: i32) -> std::io::Result<()> {
    Ok(())
}
