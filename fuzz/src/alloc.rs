//! A global allocator that measures the largest single request made while a fuzz input runs, so
//! the runner can flag a parser that reserves memory from a length field it has not checked
//! against the input (a hostile 30-byte header must not reserve gigabytes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // `const` initialisers without destructors: reading them never allocates, so the allocator
    // can use them without recursing.
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, with per-thread measurement of the largest request while armed.
pub struct Tracking;

fn note(size: usize) {
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(size)));
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches only
// thread-local cells that never allocate.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts measuring this thread's allocations (the peak restarts at zero).
pub fn arm() {
    PEAK.with(|p| p.set(0));
    ARMED.with(|a| a.set(true));
}

/// Stops measuring and returns the largest single request since [`arm`].
pub fn disarm() -> usize {
    ARMED.with(|a| a.set(false));
    PEAK.with(Cell::get)
}
