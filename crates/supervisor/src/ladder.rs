//! The cancel ladder, as portable policy: graceful signal, bounded wait,
//! forceful kill, then wait until the tree is really empty. The platform
//! supplies the mechanism through the small [`Tree`] trait, so the policy is
//! unit-tested here with a mock and proven with real processes in
//! `tests/integration.rs`.

use std::time::Duration;

use tokio::time::{sleep, Instant};

use crate::signals::Signal;

/// What the ladder needs from a platform's view of one process tree.
pub trait Tree {
    /// Delivers `sig` to every live member (a stopped member is continued
    /// afterwards so it can act on it). Returns the pids it reached.
    fn signal(&mut self, sig: Signal) -> Vec<u32>;
    /// Kills every member, atomically where the platform can. Returns the
    /// pids that were alive at that moment.
    fn kill(&mut self) -> Vec<u32>;
    /// True once no member is alive (an unreaped root counts as gone).
    fn is_empty(&mut self) -> bool;
    /// True once the root has exited (it may still be unreaped).
    fn root_exited(&mut self) -> bool;
    /// True once the last `signal` is known to have reached no member, so
    /// waiting out the grace would only delay the forceful step. Windows
    /// learns it from the console helper (no console to attach to, or the
    /// event refused, as Wine refuses Ctrl-Break); a Unix signal to a live
    /// member cannot fail that way, hence the default.
    fn graceful_failed(&mut self) -> bool {
        false
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LadderOutcome {
    /// Whether the forceful step had to run.
    pub escalated: bool,
    /// Pids alive when the forceful step ran (empty if it did not run).
    pub killed_pids: Vec<u32>,
    /// False only if members survived even SIGKILL for `STUBBORN_LIMIT`
    /// (uninterruptible sleep): the ladder reports rather than hang forever.
    pub empty: bool,
}

/// How long SIGKILLed processes may take to vanish before the ladder gives up
/// waiting. SIGKILL cannot be caught; only a process stuck in the kernel
/// (D state, e.g. dead NFS) outlives it, and such a process must not hang
/// the supervisor.
const STUBBORN_LIMIT: Duration = Duration::from_secs(10);

/// How long the graceful step may wait before the forceful one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grace {
    /// From the graceful signal.
    pub total: Duration,
    /// From the root's exit (or at once if it had exited already): the rest
    /// of the tree waits no longer than this for the forceful step. The
    /// timing of Effect's Node spawner, which waits for the leader and then
    /// gives its group a fixed while (docs/reference/adoption.md).
    pub after_root: Option<Duration>,
}

impl From<Duration> for Grace {
    fn from(total: Duration) -> Grace {
        Grace { total, after_root: None }
    }
}

pub async fn run<T: Tree>(tree: &mut T, signal: Signal, grace: impl Into<Grace>) -> LadderOutcome {
    let grace = grace.into();
    if signal != Signal::Kill {
        tree.signal(signal);
        if wait_graceful(tree, grace).await {
            return LadderOutcome { escalated: false, killed_pids: Vec::new(), empty: true };
        }
    }
    let mut killed_pids = tree.kill();
    let deadline = Instant::now() + STUBBORN_LIMIT;
    // Re-kill until stable: without an atomic kill (cgroup.kill), a member
    // forking right now can add a child the first pass did not see.
    loop {
        if wait_empty(tree, Duration::from_millis(50)).await {
            break;
        }
        if Instant::now() >= deadline {
            tracing::error!("tree still has members {STUBBORN_LIMIT:?} after SIGKILL");
            killed_pids.sort_unstable();
            killed_pids.dedup();
            return LadderOutcome { escalated: true, killed_pids, empty: false };
        }
        killed_pids.extend(tree.kill());
    }
    killed_pids.sort_unstable();
    killed_pids.dedup();
    LadderOutcome { escalated: true, killed_pids, empty: true }
}

/// Polls until the tree is empty or `limit` passes. Polling (1 ms growing to
/// 20 ms) keeps the mechanism platform-neutral; the short first steps keep
/// time-to-quiescence close to the real death time.
pub async fn wait_empty<T: Tree>(tree: &mut T, limit: Duration) -> bool {
    poll_empty(tree, limit.into(), false).await
}

/// The graceful step's wait: like `wait_empty`, but cut short when the
/// signal is known to have reached nobody, and by `after_root`.
async fn wait_graceful<T: Tree>(tree: &mut T, grace: Grace) -> bool {
    poll_empty(tree, grace, true).await
}

async fn poll_empty<T: Tree>(tree: &mut T, limit: Grace, graceful: bool) -> bool {
    let mut deadline = Instant::now() + limit.total;
    let mut after_root = limit.after_root;
    let mut step = Duration::from_millis(1);
    loop {
        if tree.is_empty() {
            return true;
        }
        if graceful && tree.graceful_failed() {
            tracing::info!("the graceful signal reached no member: forceful step without waiting out the grace");
            return false;
        }
        if let Some(rest) = after_root.filter(|_| tree.root_exited()) {
            deadline = deadline.min(Instant::now() + rest);
            after_root = None;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        sleep(step.min(deadline - now)).await;
        step = (step * 2).min(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of fake members that each die on the signals in their `dies_on` set.
    struct Mock {
        members: Vec<(u32, Vec<Signal>)>,
        log: Vec<String>,
        survive_kill: bool,
        /// The graceful signal is reported undeliverable this long after it is sent.
        undeliverable_after: Option<Duration>,
        sent_at: Option<Instant>,
        /// The pid standing for the root (none: the root exited before the ladder).
        root: Option<u32>,
    }

    fn mock(members: Vec<(u32, Vec<Signal>)>, survive_kill: bool) -> Mock {
        Mock { members, log: vec![], survive_kill, undeliverable_after: None, sent_at: None, root: None }
    }

    impl Tree for Mock {
        fn signal(&mut self, sig: Signal) -> Vec<u32> {
            self.log.push(format!("signal {}", sig.name()));
            let pids = self.members.iter().map(|m| m.0).collect();
            self.sent_at = Some(Instant::now());
            if self.undeliverable_after.is_none() {
                self.members.retain(|(_, dies_on)| !dies_on.contains(&sig));
            }
            pids
        }
        fn graceful_failed(&mut self) -> bool {
            match (self.undeliverable_after, self.sent_at) {
                (Some(after), Some(at)) => at.elapsed() >= after,
                _ => false,
            }
        }
        fn kill(&mut self) -> Vec<u32> {
            self.log.push("kill".into());
            let pids = self.members.iter().map(|m| m.0).collect();
            if !self.survive_kill {
                self.members.clear();
            }
            pids
        }
        fn is_empty(&mut self) -> bool {
            self.members.is_empty()
        }
        /// The first member stands for the root.
        fn root_exited(&mut self) -> bool {
            !self.root.is_some_and(|r| self.members.iter().any(|m| m.0 == r))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn after_root_grace_starts_at_the_root_exit() {
        // The root dies on SIGTERM, its child ignores it: the child gets `after_root`, not the whole grace.
        let mut t = mock(vec![(10, vec![Signal::Term]), (12, vec![])], false);
        t.root = Some(10);
        let start = Instant::now();
        let grace = Grace { total: Duration::from_secs(5), after_root: Some(Duration::from_millis(1000)) };
        let out = run(&mut t, Signal::Term, grace).await;
        assert_eq!(out.killed_pids, vec![12]);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(1000) && took < Duration::from_millis(1100), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn after_root_grace_waits_for_a_root_that_outlives_it() {
        // A root that ignores SIGTERM keeps the whole grace: `after_root` counts from its exit only.
        let mut t = mock(vec![(10, vec![]), (12, vec![])], false);
        t.root = Some(10);
        let start = Instant::now();
        let grace = Grace { total: Duration::from_secs(5), after_root: Some(Duration::from_millis(1000)) };
        let out = run(&mut t, Signal::Term, grace).await;
        assert_eq!(out.killed_pids, vec![10, 12]);
        assert!(start.elapsed() >= Duration::from_secs(5), "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn cooperative_tree_is_not_escalated() {
        let mut t = mock(vec![(10, vec![Signal::Term]), (11, vec![Signal::Term])], false);
        let out = run(&mut t, Signal::Term, Duration::from_millis(500)).await;
        assert_eq!(out, LadderOutcome { escalated: false, killed_pids: vec![], empty: true });
        assert_eq!(t.log, vec!["signal SIGTERM"]);
    }

    #[tokio::test(start_paused = true)]
    async fn term_ignoring_member_is_killed_after_grace() {
        let mut t = mock(vec![(10, vec![Signal::Term]), (12, vec![])], false);
        let start = Instant::now();
        let out = run(&mut t, Signal::Term, Duration::from_millis(500)).await;
        assert!(out.escalated);
        assert_eq!(out.killed_pids, vec![12]);
        assert!(start.elapsed() >= Duration::from_millis(500), "escalated before the grace period");
        assert_eq!(t.log, vec!["signal SIGTERM", "kill"]);
    }

    #[tokio::test(start_paused = true)]
    async fn undeliverable_graceful_signal_escalates_without_waiting_out_the_grace() {
        let mut t = mock(vec![(10, vec![Signal::Term]), (12, vec![Signal::Term])], false);
        t.undeliverable_after = Some(Duration::from_millis(150));
        let start = Instant::now();
        let out = run(&mut t, Signal::Term, Duration::from_secs(30)).await;
        assert!(out.escalated && out.empty);
        assert_eq!(out.killed_pids, vec![10, 12]);
        assert_eq!(t.log, vec!["signal SIGTERM", "kill"]);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(150), "escalated before the failure was known: {waited:?}");
        assert!(waited < Duration::from_secs(1), "waited {waited:?} of a 30 s grace for a signal that reached nobody");
    }

    #[tokio::test(start_paused = true)]
    async fn custom_first_signal_is_sent_first() {
        let mut t = mock(vec![(10, vec![Signal::Int])], false);
        run(&mut t, Signal::Int, Duration::from_millis(100)).await;
        assert_eq!(t.log, vec!["signal SIGINT"]);
    }

    #[tokio::test(start_paused = true)]
    async fn sigkill_ladder_skips_the_graceful_step() {
        let mut t = mock(vec![(10, vec![])], false);
        let out = run(&mut t, Signal::Kill, Duration::from_secs(5)).await;
        assert_eq!(t.log, vec!["kill"]);
        assert_eq!(out.killed_pids, vec![10]);
    }

    #[tokio::test(start_paused = true)]
    async fn unkillable_member_is_reported_instead_of_hanging() {
        let mut t = mock(vec![(13, vec![])], true);
        let out = run(&mut t, Signal::Term, Duration::from_millis(10)).await;
        assert!(!out.empty);
        assert_eq!(out.killed_pids, vec![13]);
    }
}
