//! How the process uses the C allocator (glibc's malloc on Linux; elsewhere nothing here
//! does anything): one setting made at start ([`tune`]) and free pages handed back after a
//! large piece of work ([`give_back`]).
//!
//! glibc serves an allocation above its mmap threshold with a mapping of its own, unmapped
//! when freed; smaller ones come from its heaps, where freed memory mostly stays resident.
//! The threshold starts at 128 KiB but rises to the size of any mapped block freed (up to
//! 32 MiB), so after the read's sort buffers are freed every buffer of the tile pyramid up
//! to that size came from the heaps, and the peak of a 1M-point archive varied from 120 to
//! 145 MiB with which ones met there. A fixed threshold ([`MMAP_THRESHOLD`]) turns that
//! rise off: 1M points z0-10 peak at about 108 MiB, run after run, for the same CPU time
//! (BENCHMARKS.md, "A fixed mmap threshold").

/// Allocations of at least this many bytes get a mapping of their own, returned to the
/// system when freed.
pub const MMAP_THRESHOLD: usize = 512 << 10;

/// Fix glibc's mmap threshold at [`MMAP_THRESHOLD`], unless the user set one
/// (`MALLOC_MMAP_THRESHOLD_`, or any `GLIBC_TUNABLES`). Call once, at start.
#[allow(unsafe_code)]
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set_by_user = ["MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        if !set_by_user {
            let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
            // SAFETY: mallopt only changes a setting of the allocator; it has no
            // preconditions and is safe to call at any time.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, threshold);
            }
        }
    }
}

/// Hand the free pages of the allocator's heaps back to the system. glibc keeps memory
/// freed in the middle of its heaps resident (and a thread's arena to itself), so the
/// windows of a large tile, or the rows a bulk build derived before its tiles, would stay
/// in the peak of what follows; `malloc_trim` releases them (a few milliseconds, after
/// large tiles only).
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
