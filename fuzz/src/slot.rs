//! The crash slot: a small shared memory-mapped file in which a fuzzing worker keeps the input it
//! is running. A panic is caught in-process, but an abort, a stack overflow or an out-of-memory
//! kill ends the worker; the parent then reads the last input from the slot and keeps it as a
//! regression input. The slot's counter also shows the parent whether the worker still makes
//! progress (a hang).
//!
//! Layout: counter u64 · input length u64 · the input (at most the slot's capacity).

use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::MmapMut;

const HEAD: usize = 16;

/// A mapped crash slot (the worker writes it, the parent reads it).
pub struct CrashSlot {
    map: MmapMut,
}

impl CrashSlot {
    /// Creates (or truncates) the slot file for inputs of up to `capacity` bytes.
    pub fn create(path: &Path, capacity: usize) -> io::Result<Self> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        f.set_len((HEAD + capacity) as u64)?;
        Self::map(&f)
    }

    /// Opens an existing slot file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let f = OpenOptions::new().read(true).write(true).open(path)?;
        if f.metadata()?.len() < HEAD as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "crash slot is too short",
            ));
        }
        Self::map(&f)
    }

    fn map(f: &std::fs::File) -> io::Result<Self> {
        // SAFETY: the file is private to one fuzzing run (its parent and one worker); concurrent
        // access goes through the atomic counter, and the input bytes are read by the parent only
        // after the worker has exited.
        let map = unsafe { MmapMut::map_mut(f)? };
        Ok(CrashSlot { map })
    }

    fn counter_cell(&self) -> &AtomicU64 {
        // SAFETY: the map is page-aligned and at least `HEAD` bytes long, so its first eight bytes
        // are a valid, aligned `AtomicU64` for as long as `self` lives.
        unsafe { &*(self.map.as_ptr() as *const AtomicU64) }
    }

    /// Inputs started so far (0 until the worker starts fuzzing).
    pub fn counter(&self) -> u64 {
        self.counter_cell().load(Ordering::Acquire)
    }

    /// Records `input` as the one about to run (cut to the capacity) and bumps the counter.
    pub fn record(&mut self, input: &[u8]) {
        let n = input.len().min(self.map.len() - HEAD);
        self.map[8..16].copy_from_slice(&(n as u64).to_le_bytes());
        self.map[HEAD..HEAD + n].copy_from_slice(&input[..n]);
        self.counter_cell().fetch_add(1, Ordering::Release);
    }

    /// The last recorded input, if any input was recorded.
    pub fn last_input(&self) -> Option<Vec<u8>> {
        if self.counter() == 0 {
            return None;
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&self.map[8..16]);
        let n = usize::try_from(u64::from_le_bytes(len))
            .ok()?
            .min(self.map.len() - HEAD);
        Some(self.map[HEAD..HEAD + n].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_input_is_read_back_by_another_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slot");
        let mut w = CrashSlot::create(&path, 8).unwrap();
        let r = CrashSlot::open(&path).unwrap();
        assert_eq!(r.last_input(), None);
        w.record(b"abc");
        w.record(b"0123456789");
        assert_eq!(r.counter(), 2);
        assert_eq!(r.last_input().unwrap(), b"01234567");
    }
}
