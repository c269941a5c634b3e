//! Dependency-free bindings for `wasi:gpu/compute@0.1.0` and `wasi:gpu/ml-kernels@0.1.0` in the core-wasm
//! ABI of the original host (see `docs/wasi-gpu.md`): every function returns `()` and writes
//! `[retptr+0] i32 0 Ok / 1 Err`, `[retptr+4]` the payload (buffer id, list ptr with len at +8) or the
//! error code. Lists and strings the host returns are allocated in this guest through the exported
//! `cabi_realloc(0, 0, 1, len)` (from the `tee-attestation` crate); the wrappers take ownership of them.
//!
//! On targets other than wasm32 the imports are stubs: an empty device and `DeviceUnavailable`.

use std::fmt;

/// Buffer usage flags.
pub mod usage {
    pub const MAP_READ: u32 = 1;
    pub const MAP_WRITE: u32 = 2;
    pub const COPY_SRC: u32 = 4;
    pub const COPY_DST: u32 = 8;
    pub const UNIFORM: u32 = 16;
    pub const STORAGE: u32 = 32;
}

/// `kernel-elementwise` ops.
pub mod elementwise_op {
    pub const RELU: u32 = 0;
    pub const SIGMOID: u32 = 1;
    pub const TANH: u32 = 2;
    pub const ADD: u32 = 3;
    pub const MUL: u32 = 4;
    pub const SQRT: u32 = 5;
    pub const EXP: u32 = 6;
    pub const LOG: u32 = 7;
}

/// `kernel-reduce` ops.
pub mod reduce_op {
    pub const SUM: u32 = 0;
    pub const MAX: u32 = 1;
    pub const MIN: u32 = 2;
    pub const MEAN: u32 = 3;
    pub const VARIANCE: u32 = 4;
}

#[allow(clippy::missing_safety_doc)]
pub mod raw {
    #[cfg(target_arch = "wasm32")]
    #[link(wasm_import_module = "wasi:gpu/compute@0.1.0")]
    extern "C" {
        #[link_name = "get-device-info"]
        pub fn get_device_info(ret: *mut u8);
        #[link_name = "buffer-create"]
        pub fn buffer_create(size: i64, usage: i32, ret: *mut u8);
        #[link_name = "buffer-write"]
        pub fn buffer_write(buffer: i32, offset: i64, data_ptr: *const u8, data_len: i32, ret: *mut u8);
        #[link_name = "buffer-read"]
        pub fn buffer_read(buffer: i32, offset: i64, size: i32, ret: *mut u8);
        #[link_name = "buffer-copy"]
        pub fn buffer_copy(src: i32, src_offset: i64, dst: i32, dst_offset: i64, size: i64, ret: *mut u8);
        #[link_name = "buffer-destroy"]
        pub fn buffer_destroy(buffer: i32, ret: *mut u8);
        #[link_name = "sync"]
        pub fn sync();
    }

    #[cfg(target_arch = "wasm32")]
    #[link(wasm_import_module = "wasi:gpu/ml-kernels@0.1.0")]
    extern "C" {
        #[link_name = "kernel-bootstrap-sample"]
        pub fn kernel_bootstrap_sample(n_samples: i32, seed: i32, max_index: i32, output: i32, ret: *mut u8);
        #[link_name = "kernel-find-split"]
        pub fn kernel_find_split(
            n_samples: i32, n_features: i32, feature_idx: i32, n_thresholds: i32, data: i32, labels: i32,
            indices: i32, thresholds: i32, output_scores: i32, ret: *mut u8,
        );
        #[link_name = "kernel-average"]
        pub fn kernel_average(n_trees: i32, n_samples: i32, tree_predictions: i32, output: i32, ret: *mut u8);
        #[link_name = "kernel-matmul"]
        pub fn kernel_matmul(
            m: i32, k: i32, n: i32, trans_a: i32, trans_b: i32, alpha: f32, beta: f32, a: i32, b: i32, c: i32,
            ret: *mut u8,
        );
        #[link_name = "kernel-elementwise"]
        pub fn kernel_elementwise(
            n_elements: i32, op: i32, input_a: i32, input_b_is_some: i32, input_b: i32, output: i32, ret: *mut u8,
        );
        #[link_name = "kernel-reduce"]
        pub fn kernel_reduce(n_elements: i32, op: i32, input: i32, output: i32, ret: *mut u8);
        #[link_name = "kernel-batch-predict"]
        pub fn kernel_batch_predict(
            batch_size: i32, n_features: i32, n_trees: i32, max_depth: i32, samples: i32, tree_nodes: i32,
            tree_offsets: i32, output: i32, ret: *mut u8,
        );
    }

    // Native stand-ins: no device (empty device-info, every call Err(DeviceUnavailable)).
    #[cfg(not(target_arch = "wasm32"))]
    mod stubs {
        unsafe fn unavailable(ret: *mut u8) {
            std::ptr::write_bytes(ret, 0, 8);
            *ret = 1;
            *ret.add(4) = 3;
        }
        pub unsafe fn get_device_info(ret: *mut u8) {
            std::ptr::write_bytes(ret, 0, 36);
        }
        pub unsafe fn buffer_create(_: i64, _: i32, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn buffer_write(_: i32, _: i64, _: *const u8, _: i32, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn buffer_read(_: i32, _: i64, _: i32, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn buffer_copy(_: i32, _: i64, _: i32, _: i64, _: i64, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn buffer_destroy(_: i32, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn sync() {}
        pub unsafe fn kernel_bootstrap_sample(_: i32, _: i32, _: i32, _: i32, ret: *mut u8) { unavailable(ret) }
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn kernel_find_split(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, ret: *mut u8) {
            unavailable(ret)
        }
        pub unsafe fn kernel_average(_: i32, _: i32, _: i32, _: i32, ret: *mut u8) { unavailable(ret) }
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn kernel_matmul(_: i32, _: i32, _: i32, _: i32, _: i32, _: f32, _: f32, _: i32, _: i32, _: i32, ret: *mut u8) {
            unavailable(ret)
        }
        pub unsafe fn kernel_elementwise(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32, ret: *mut u8) { unavailable(ret) }
        pub unsafe fn kernel_reduce(_: i32, _: i32, _: i32, _: i32, ret: *mut u8) { unavailable(ret) }
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn kernel_batch_predict(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, ret: *mut u8) {
            unavailable(ret)
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub use stubs::*;
}

/// The `wasi:gpu` error enum (`code` as in the ABI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuError {
    OutOfMemory,
    InvalidBuffer,
    KernelError,
    DeviceUnavailable,
    InvalidParams,
    /// A code outside the ABI (a host bug), or a malformed result.
    Other(i32),
}

impl GpuError {
    fn from_code(code: i32) -> Self {
        match code {
            0 => GpuError::OutOfMemory,
            1 => GpuError::InvalidBuffer,
            2 => GpuError::KernelError,
            3 => GpuError::DeviceUnavailable,
            4 => GpuError::InvalidParams,
            c => GpuError::Other(c),
        }
    }
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::OutOfMemory => f.write_str("out of memory"),
            GpuError::InvalidBuffer => f.write_str("invalid buffer"),
            GpuError::KernelError => f.write_str("kernel error"),
            GpuError::DeviceUnavailable => f.write_str("device unavailable"),
            GpuError::InvalidParams => f.write_str("invalid parameters"),
            GpuError::Other(c) => write!(f, "unexpected result ({})", c),
        }
    }
}

pub type GpuResult<T> = Result<T, GpuError>;

/// A buffer id as the host hands it out (never 0 for a live buffer).
pub type BufferId = u32;

/// The 8-byte aligned result area (`get-device-info` writes 36 bytes).
#[repr(C, align(8))]
struct RetArea([u8; 40]);

impl RetArea {
    fn new() -> Self {
        RetArea([0; 40])
    }
    fn ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr()
    }
    fn word(&self, off: usize) -> i32 {
        i32::from_le_bytes([self.0[off], self.0[off + 1], self.0[off + 2], self.0[off + 3]])
    }
    fn u64_at(&self, off: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[off..off + 8]);
        u64::from_le_bytes(b)
    }
    fn status(&self) -> GpuResult<i32> {
        match self.word(0) {
            0 => Ok(self.word(4)),
            1 => Err(GpuError::from_code(self.word(4))),
            t => Err(GpuError::Other(t)),
        }
    }
    fn unit(&self) -> GpuResult<()> {
        self.status().map(|_| ())
    }
}

/// Take ownership of a host-allocated list (`cabi_realloc(0, 0, 1, len)`); len 0 is not allocated.
unsafe fn take_list(ptr: i32, len: i32) -> Vec<u8> {
    if len <= 0 || ptr == 0 {
        return Vec::new();
    }
    let len = len as u32 as usize;
    // Allocated by the global allocator with Layout { size: len, align: 1 } == Vec<u8> with capacity len.
    Vec::from_raw_parts(ptr as u32 as usize as *mut u8, len, len)
}

/// `device-info`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    pub name: String,
    pub backend: String,
    pub total_memory: u64,
    pub is_hardware: bool,
    pub compute_capability: String,
}

impl DeviceInfo {
    /// The guests' rule: a device is present when its name is non-empty and it has memory.
    pub fn is_available(&self) -> bool {
        !self.name.is_empty() && self.total_memory > 0
    }
}

pub fn get_device_info() -> DeviceInfo {
    let mut r = RetArea::new();
    unsafe { raw::get_device_info(r.ptr()) };
    let s = |off: usize| unsafe { String::from_utf8_lossy(&take_list(r.word(off), r.word(off + 4))).into_owned() };
    DeviceInfo {
        name: s(0),
        backend: s(8),
        total_memory: r.u64_at(16),
        is_hardware: r.word(24) != 0,
        compute_capability: s(28),
    }
}

fn len_i32(len: usize) -> GpuResult<i32> {
    if len > i32::MAX as usize {
        Err(GpuError::InvalidParams)
    } else {
        Ok(len as i32)
    }
}

pub fn buffer_create(size: u64, usage: u32) -> GpuResult<BufferId> {
    let mut r = RetArea::new();
    unsafe { raw::buffer_create(size as i64, usage as i32, r.ptr()) };
    r.status().map(|id| id as u32)
}

pub fn buffer_write(buffer: BufferId, offset: u64, data: &[u8]) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::buffer_write(buffer as i32, offset as i64, data.as_ptr(), len_i32(data.len())?, r.ptr()) };
    r.unit()
}

pub fn buffer_read(buffer: BufferId, offset: u64, size: u32) -> GpuResult<Vec<u8>> {
    let mut r = RetArea::new();
    unsafe { raw::buffer_read(buffer as i32, offset as i64, size as i32, r.ptr()) };
    let ptr = r.status()?;
    let list = unsafe { take_list(ptr, r.word(8)) };
    if list.len() != size as usize {
        return Err(GpuError::Other(-1));
    }
    Ok(list)
}

pub fn buffer_copy(src: BufferId, src_offset: u64, dst: BufferId, dst_offset: u64, size: u64) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::buffer_copy(src as i32, src_offset as i64, dst as i32, dst_offset as i64, size as i64, r.ptr()) };
    r.unit()
}

pub fn buffer_destroy(buffer: BufferId) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::buffer_destroy(buffer as i32, r.ptr()) };
    r.unit()
}

pub fn sync() {
    unsafe { raw::sync() }
}

// Typed helpers for f32 / u32 buffers (little-endian).
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn u32_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn buffer_write_f32(buffer: BufferId, offset: u64, data: &[f32]) -> GpuResult<()> {
    buffer_write(buffer, offset, &f32_bytes(data))
}
pub fn buffer_write_u32(buffer: BufferId, offset: u64, data: &[u32]) -> GpuResult<()> {
    buffer_write(buffer, offset, &u32_bytes(data))
}
pub fn buffer_read_f32(buffer: BufferId, offset: u64, count: usize) -> GpuResult<Vec<f32>> {
    let b = buffer_read(buffer, offset, len_i32(count.checked_mul(4).ok_or(GpuError::InvalidParams)?)? as u32)?;
    Ok(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}
pub fn buffer_read_u32(buffer: BufferId, offset: u64, count: usize) -> GpuResult<Vec<u32>> {
    let b = buffer_read(buffer, offset, len_i32(count.checked_mul(4).ok_or(GpuError::InvalidParams)?)? as u32)?;
    Ok(b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// A buffer destroyed on drop.
pub struct Buffer {
    id: BufferId,
    size: u64,
}

impl Buffer {
    pub fn new(size: u64, usage: u32) -> GpuResult<Self> {
        Ok(Buffer { id: buffer_create(size, usage)?, size })
    }
    /// A storage buffer (storage | copy-src | copy-dst) holding `data`.
    pub fn from_f32(data: &[f32]) -> GpuResult<Self> {
        let b = Buffer::new((data.len().max(1) * 4) as u64, usage::STORAGE | usage::COPY_SRC | usage::COPY_DST)?;
        if !data.is_empty() {
            buffer_write_f32(b.id, 0, data)?;
        }
        Ok(b)
    }
    pub fn from_u32(data: &[u32]) -> GpuResult<Self> {
        let b = Buffer::new((data.len().max(1) * 4) as u64, usage::STORAGE | usage::COPY_SRC | usage::COPY_DST)?;
        if !data.is_empty() {
            buffer_write_u32(b.id, 0, data)?;
        }
        Ok(b)
    }
    pub fn storage(size: u64) -> GpuResult<Self> {
        Buffer::new(size, usage::STORAGE | usage::COPY_SRC | usage::COPY_DST)
    }
    pub fn id(&self) -> BufferId {
        self.id
    }
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let _ = buffer_destroy(self.id);
    }
}

fn i(v: u32) -> i32 {
    v as i32
}

// ml-kernels
pub fn kernel_bootstrap_sample(n_samples: u32, seed: u32, max_index: u32, output: BufferId) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::kernel_bootstrap_sample(i(n_samples), i(seed), i(max_index), i(output), r.ptr()) };
    r.unit()
}

#[allow(clippy::too_many_arguments)]
pub fn kernel_find_split(
    n_samples: u32, n_features: u32, feature_idx: u32, n_thresholds: u32, data: BufferId, labels: BufferId,
    indices: BufferId, thresholds: BufferId, output_scores: BufferId,
) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe {
        raw::kernel_find_split(
            i(n_samples), i(n_features), i(feature_idx), i(n_thresholds), i(data), i(labels), i(indices),
            i(thresholds), i(output_scores), r.ptr(),
        )
    };
    r.unit()
}

pub fn kernel_average(n_trees: u32, n_samples: u32, tree_predictions: BufferId, output: BufferId) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::kernel_average(i(n_trees), i(n_samples), i(tree_predictions), i(output), r.ptr()) };
    r.unit()
}

#[allow(clippy::too_many_arguments)]
pub fn kernel_matmul(
    m: u32, k: u32, n: u32, trans_a: bool, trans_b: bool, alpha: f32, beta: f32, a: BufferId, b: BufferId, c: BufferId,
) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::kernel_matmul(i(m), i(k), i(n), trans_a as i32, trans_b as i32, alpha, beta, i(a), i(b), i(c), r.ptr()) };
    r.unit()
}

pub fn kernel_elementwise(n_elements: u32, op: u32, input_a: BufferId, input_b: Option<BufferId>, output: BufferId) -> GpuResult<()> {
    let mut r = RetArea::new();
    let (some, b) = match input_b {
        Some(b) => (1, i(b)),
        None => (0, 0),
    };
    unsafe { raw::kernel_elementwise(i(n_elements), i(op), i(input_a), some, b, i(output), r.ptr()) };
    r.unit()
}

pub fn kernel_reduce(n_elements: u32, op: u32, input: BufferId, output: BufferId) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe { raw::kernel_reduce(i(n_elements), i(op), i(input), i(output), r.ptr()) };
    r.unit()
}

#[allow(clippy::too_many_arguments)]
pub fn kernel_batch_predict(
    batch_size: u32, n_features: u32, n_trees: u32, max_depth: u32, samples: BufferId, tree_nodes: BufferId,
    tree_offsets: BufferId, output: BufferId,
) -> GpuResult<()> {
    let mut r = RetArea::new();
    unsafe {
        raw::kernel_batch_predict(
            i(batch_size), i(n_features), i(n_trees), i(max_depth), i(samples), i(tree_nodes), i(tree_offsets),
            i(output), r.ptr(),
        )
    };
    r.unit()
}
