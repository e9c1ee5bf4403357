//! How big the load and hostile tests run: reduced by default, so they fit
//! CI; the full sizes of docs/reference/load-and-hostile-input.md on request.

/// `PAWWORK_FULL_LOAD=1` runs the full sizes of docs/reference/load-and-hostile-input.md;
/// by default every test runs a reduced size that fits CI.
pub fn full() -> bool {
    std::env::var("PAWWORK_FULL_LOAD").is_ok_and(|v| v == "1")
}

/// `reduced` by default, `full` under `PAWWORK_FULL_LOAD=1`.
pub fn size(reduced: usize, full_size: usize) -> usize {
    if full() {
        full_size
    } else {
        reduced
    }
}
