//! Guest bindings for the TeeWasm host module `wasi:webgpu` (no dependencies): WebGPU compute with WGSL shaders,
//! wrapped in owned types that release their host object when dropped.
//!
//! ```no_run
//! use tee_webgpu::{usage, Gpu};
//! let gpu = Gpu::new().expect("no WebGPU");
//! let buf = gpu.create_buffer(1024, usage::STORAGE | usage::COPY_SRC | usage::COPY_DST).unwrap();
//! let module = gpu.create_shader_module("@compute @workgroup_size(64) fn main() {}").unwrap();
//! let pipeline = gpu.create_compute_pipeline(&module, "main", None).unwrap(); // layout: auto
//! # let _ = (buf, pipeline);
//! ```
//!
//! # Host ABI
//! Ids are `i32`, 0 means the call failed; void calls report failure only through `get-last-error`, which returns a
//! pointer to `[u32 LE length][UTF-8]` allocated with this guest's exported `cabi_realloc` (0 when there is no
//! error). Every wrapper here checks, so a method returns `Err` with the host's message (WGSL errors carry
//! `line:column`). The full ABI: docs/wasi-webgpu.md in the TeeWasm repository.

pub mod raw;

use std::fmt;

/// Buffer usage bits (WebGPU values).
pub mod usage {
    /// Mappable for reading (combine only with `COPY_DST`).
    pub const MAP_READ: u32 = 0x1;
    /// Mappable for writing (combine only with `COPY_SRC`).
    pub const MAP_WRITE: u32 = 0x2;
    /// Source of copies.
    pub const COPY_SRC: u32 = 0x4;
    /// Destination of copies and queue writes.
    pub const COPY_DST: u32 = 0x8;
    /// Uniform binding.
    pub const UNIFORM: u32 = 0x40;
    /// Storage binding.
    pub const STORAGE: u32 = 0x80;
}

/// A failed host call: the host's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What the host said (e.g. `create-shader-module: WGSL compilation failed: 3:18: error: ...`).
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result of a `wasi:webgpu` call.
pub type Result<T> = std::result::Result<T, Error>;

/// The host's last error message (and clears it), or `None`.
pub fn last_error() -> Option<String> {
    let ptr = unsafe { raw::get_last_error() };
    if ptr == 0 {
        return None;
    }
    Some(unsafe { take_host_string(ptr as usize as *mut u8) })
}

/// Copies out and frees a `[u32 LE length][UTF-8]` block the host allocated with `cabi_realloc(0, 0, 4, 4 + len)`.
unsafe fn take_host_string(ptr: *mut u8) -> String {
    let mut len_bytes = [0u8; 4];
    std::ptr::copy_nonoverlapping(ptr, len_bytes.as_mut_ptr(), 4);
    let len = u32::from_le_bytes(len_bytes) as usize;
    let bytes = std::slice::from_raw_parts(ptr.add(4), len);
    let text = String::from_utf8_lossy(bytes).into_owned();
    #[cfg(feature = "cabi-realloc")]
    std::alloc::dealloc(ptr, std::alloc::Layout::from_size_align_unchecked(4 + len, 4));
    text
}

fn error(what: &str) -> Error {
    Error { message: last_error().unwrap_or_else(|| format!("{}: failed (the host gave no reason)", what)) }
}

fn id(value: i32, what: &str) -> Result<i32> {
    if value != 0 {
        Ok(value)
    } else {
        Err(error(what))
    }
}

fn checked(what: &str) -> Result<()> {
    match last_error() {
        None => Ok(()),
        Some(message) => {
            let _ = what;
            Err(Error { message })
        }
    }
}

/// Releases a host object on drop; a failure is discarded (and cleared, so it does not surface later).
fn release(result: i32) {
    if result == 0 {
        let _ = last_error();
    }
}

/// How a shader sees a bound buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingType {
    /// `var<storage, read_write>`
    Storage = 0,
    /// `var<storage, read>`
    ReadOnlyStorage = 1,
    /// `var<uniform>`
    Uniform = 2,
}

/// One entry of an explicit bind group layout (`{u32 binding, u32 type, u32 min_size}` in guest memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutEntry {
    /// `@binding` number.
    pub binding: u32,
    /// Storage read-write, storage read-only or uniform.
    pub ty: BindingType,
    /// Smallest accepted buffer size in bytes (0: no minimum).
    pub min_size: u32,
}

/// The device and its queue. Objects created from it release themselves when dropped.
#[derive(Debug)]
pub struct Gpu {
    device: i32,
    queue: i32,
}

/// A GPU buffer (destroyed on drop).
#[derive(Debug)]
pub struct Buffer {
    id: i32,
    size: u64,
}

/// A compiled WGSL module.
#[derive(Debug)]
pub struct ShaderModule {
    id: i32,
}

/// A bind group layout: explicit entries, or the automatic layout of the pipeline created with it.
#[derive(Debug)]
pub struct BindGroupLayout {
    id: i32,
}

/// A compute pipeline.
#[derive(Debug)]
pub struct ComputePipeline {
    id: i32,
}

/// A bind group of buffers (binding i = buffers\[i\]).
#[derive(Debug)]
pub struct BindGroup {
    id: i32,
}

/// Records dispatches and copies; consumed by [`Gpu::submit`].
#[derive(Debug)]
pub struct CommandEncoder {
    id: i32,
}

impl Gpu {
    /// create-instance → request-adapter → request-device → get-queue.
    pub fn new() -> Result<Gpu> {
        let instance = id(unsafe { raw::create_instance() }, "create-instance")?;
        let adapter = id(unsafe { raw::request_adapter(instance, 0) }, "request-adapter")?;
        let device = id(unsafe { raw::request_device(adapter) }, "request-device")?;
        let queue = id(unsafe { raw::get_queue(device) }, "get-queue")?;
        Ok(Gpu { device, queue })
    }

    /// A buffer of `size` bytes with the given [`usage`] bits.
    pub fn create_buffer(&self, size: u64, usage: u32) -> Result<Buffer> {
        let id = id(unsafe { raw::create_buffer(self.device, size as i64, usage as i32) }, "create-buffer")?;
        Ok(Buffer { id, size })
    }

    /// Queues a write of `data` into `buffer` at `offset` (offset and length multiples of 4).
    pub fn write_buffer(&self, buffer: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
        unsafe { raw::queue_write_buffer(self.queue, buffer.id, offset as i64, data.as_ptr(), data.len() as i32) };
        checked("queue-write-buffer")
    }

    /// Compiles WGSL; the error names line and column.
    pub fn create_shader_module(&self, wgsl: &str) -> Result<ShaderModule> {
        let id = id(unsafe { raw::create_shader_module(self.device, wgsl.as_ptr(), wgsl.len() as i32) }, "create-shader-module")?;
        Ok(ShaderModule { id })
    }

    /// An explicit layout of buffer bindings.
    pub fn create_bind_group_layout(&self, entries: &[LayoutEntry]) -> Result<BindGroupLayout> {
        let mut words = Vec::with_capacity(entries.len() * 3);
        for e in entries {
            words.push(e.binding);
            words.push(e.ty as u32);
            words.push(e.min_size);
        }
        let id = id(unsafe { raw::create_bind_group_layout(self.device, entries.len() as i32, words.as_ptr()) }, "create-bind-group-layout")?;
        Ok(BindGroupLayout { id })
    }

    /// A placeholder that becomes the automatic layout of the pipeline created with it.
    pub fn auto_layout(&self) -> Result<BindGroupLayout> {
        let id = id(unsafe { raw::create_bind_group_layout(self.device, 0, std::ptr::null()) }, "create-bind-group-layout")?;
        Ok(BindGroupLayout { id })
    }

    /// A compute pipeline; `layout` None derives the layout from the shader (`layout: auto`).
    pub fn create_compute_pipeline(&self, module: &ShaderModule, entry_point: &str, layout: Option<&BindGroupLayout>) -> Result<ComputePipeline> {
        let layout = layout.map(|l| l.id).unwrap_or(0);
        let id = id(
            unsafe { raw::create_compute_pipeline(self.device, module.id, entry_point.as_ptr(), entry_point.len() as i32, layout) },
            "create-compute-pipeline",
        )?;
        Ok(ComputePipeline { id })
    }

    /// Binds `buffers[i]` to binding i with an explicit (or auto placeholder) layout.
    pub fn create_bind_group(&self, layout: &BindGroupLayout, buffers: &[&Buffer]) -> Result<BindGroup> {
        self.bind_group(layout.id, buffers)
    }

    /// Binds `buffers[i]` to binding i of `pipeline`'s group 0 (its automatic layout).
    pub fn create_bind_group_for(&self, pipeline: &ComputePipeline, buffers: &[&Buffer]) -> Result<BindGroup> {
        self.bind_group(pipeline.id, buffers)
    }

    fn bind_group(&self, layout: i32, buffers: &[&Buffer]) -> Result<BindGroup> {
        let ids: Vec<i32> = buffers.iter().map(|b| b.id).collect();
        let id = id(unsafe { raw::create_bind_group(self.device, layout, ids.len() as i32, ids.as_ptr()) }, "create-bind-group")?;
        Ok(BindGroup { id })
    }

    /// A command encoder.
    pub fn create_command_encoder(&self) -> Result<CommandEncoder> {
        let id = id(unsafe { raw::create_command_encoder(self.device) }, "create-command-encoder")?;
        Ok(CommandEncoder { id })
    }

    /// Finishes and submits the encoder (consumed either way).
    pub fn submit(&self, mut encoder: CommandEncoder) -> Result<()> {
        let id = std::mem::replace(&mut encoder.id, 0);
        unsafe { raw::submit_commands(self.queue, id) };
        checked("submit-commands")
    }

    /// Maps `size` bytes of a `MAP_READ` buffer at `offset` (waits for the GPU), copies them out, unmaps.
    pub fn read_buffer(&self, buffer: &Buffer, offset: u64, size: u64) -> Result<Vec<u8>> {
        unsafe { raw::buffer_map_async(buffer.id, 1, offset as i64, size as i64, 0, 0) };
        checked("buffer-map-async")?;
        let mut out = vec![0u8; size as usize];
        unsafe { raw::buffer_get_mapped_range(buffer.id, offset as i64, size as i64, out.as_mut_ptr()) };
        let copied = checked("buffer-get-mapped-range");
        unsafe { raw::buffer_unmap(buffer.id) };
        copied?;
        checked("buffer-unmap")?;
        Ok(out)
    }
}

impl Buffer {
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The host id.
    pub fn id(&self) -> i32 {
        self.id
    }
}

impl CommandEncoder {
    /// Records a compute pass: `pipeline`, `group` at group 0, x·y·z workgroups.
    pub fn dispatch(&mut self, pipeline: &ComputePipeline, group: Option<&BindGroup>, x: u32, y: u32, z: u32) -> Result<()> {
        let g = group.map(|g| g.id).unwrap_or(0);
        unsafe { raw::dispatch_compute(self.id, pipeline.id, g, x as i32, y as i32, z as i32) };
        checked("dispatch-compute")
    }

    /// Records a buffer-to-buffer copy (offsets and size multiples of 4).
    pub fn copy_buffer_to_buffer(&mut self, src: &Buffer, src_offset: u64, dst: &Buffer, dst_offset: u64, size: u64) -> Result<()> {
        unsafe { raw::copy_buffer_to_buffer(self.id, src.id, src_offset as i64, dst.id, dst_offset as i64, size as i64) };
        checked("copy-buffer-to-buffer")
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        release(unsafe { raw::destroy_buffer(self.id) });
    }
}

impl Drop for ShaderModule {
    fn drop(&mut self) {
        release(unsafe { raw::release_shader_module(self.id) });
    }
}

impl Drop for BindGroupLayout {
    fn drop(&mut self) {
        release(unsafe { raw::release_bind_group_layout(self.id) });
    }
}

impl Drop for ComputePipeline {
    fn drop(&mut self) {
        release(unsafe { raw::release_compute_pipeline(self.id) });
    }
}

impl Drop for BindGroup {
    fn drop(&mut self) {
        release(unsafe { raw::release_bind_group(self.id) });
    }
}

impl Drop for CommandEncoder {
    fn drop(&mut self) {
        if self.id != 0 {
            release(unsafe { raw::release_command_encoder(self.id) });
        }
    }
}

/// `f32`s as little-endian bytes.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `u32`s as little-endian bytes.
pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian bytes as `f32`s.
pub fn bytes_f32(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Little-endian bytes as `u32`s.
pub fn bytes_u32(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

// ---------------------------------------------------------------------------------------------
// cabi_realloc: the host allocates `get-last-error` messages with it.
// ---------------------------------------------------------------------------------------------

/// Canonical-ABI realloc. `new_size == 0` frees and returns `align` (never dereferenced).
///
/// # Safety
/// Called by the host with `old_ptr`/`old_size`/`align` of a block this function returned (or 0).
#[cfg(all(target_arch = "wasm32", feature = "cabi-realloc"))]
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    use std::alloc::{alloc, dealloc, realloc, Layout};
    let align = if align == 0 { 1 } else { align };
    if new_size == 0 {
        if !old_ptr.is_null() && old_size != 0 {
            dealloc(old_ptr, Layout::from_size_align_unchecked(old_size, align));
        }
        return align as *mut u8;
    }
    let layout = match Layout::from_size_align(new_size, align) {
        Ok(l) => l,
        Err(_) => return std::ptr::null_mut(),
    };
    if old_ptr.is_null() || old_size == 0 {
        alloc(layout)
    } else {
        realloc(old_ptr, Layout::from_size_align_unchecked(old_size, align), new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_conversions_round_trip() {
        let v = [1.5f32, -2.0, 0.0, 1e-3];
        assert_eq!(bytes_f32(&f32_bytes(&v)), v.to_vec());
        let u = [0u32, 1, 0xdead_beef];
        assert_eq!(bytes_u32(&u32_bytes(&u)), u.to_vec());
    }

    #[test]
    fn native_stubs_report_failure() {
        assert!(Gpu::new().is_err());
    }
}

/// Runs the C constructors (wasi-libc's preopen table and friends) once; call it first thing in `main`.
///
/// Debian's wasi-libc (2022-05) `_start` does not call `__wasm_call_ctors`, so wasm-ld wraps every export of a
/// command module, `cabi_realloc` included, in a wrapper that re-runs the constructors on each call. A program that
/// calls `__wasm_call_ctors` itself gets no wrappers. Later calls do nothing. (Same as `tee_attestation`'s.)
pub fn run_constructors_once() {
    #[cfg(target_arch = "wasm32")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| unsafe {
            extern "C" {
                fn __wasm_call_ctors();
            }
            __wasm_call_ctors();
        });
    }
}
