//! Raw imports of the host module `wasi:webgpu` (core-wasm signatures; see docs/wasi-webgpu.md).
//!
//! Ids are `i32` (0 = error); 64-bit offsets and sizes are `i64`. The first 17 functions are the original
//! host's; `get_last_error`, `destroy_buffer` and the `release_*` functions are TeeWasm additions.

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wasi:webgpu")]
extern "C" {
    #[link_name = "create-instance"]
    pub fn create_instance() -> i32;
    #[link_name = "request-adapter"]
    pub fn request_adapter(instance: i32, power_preference: i32) -> i32;
    #[link_name = "request-device"]
    pub fn request_device(adapter: i32) -> i32;
    #[link_name = "get-queue"]
    pub fn get_queue(device: i32) -> i32;
    #[link_name = "create-buffer"]
    pub fn create_buffer(device: i32, size: i64, usage: i32) -> i32;
    #[link_name = "queue-write-buffer"]
    pub fn queue_write_buffer(queue: i32, buffer: i32, offset: i64, data_ptr: *const u8, data_len: i32);
    #[link_name = "create-shader-module"]
    pub fn create_shader_module(device: i32, code_ptr: *const u8, code_len: i32) -> i32;
    #[link_name = "create-bind-group-layout"]
    pub fn create_bind_group_layout(device: i32, entry_count: i32, entries_ptr: *const u32) -> i32;
    #[link_name = "create-compute-pipeline"]
    pub fn create_compute_pipeline(device: i32, shader: i32, entry_ptr: *const u8, entry_len: i32, layout: i32) -> i32;
    #[link_name = "create-bind-group"]
    pub fn create_bind_group(device: i32, layout: i32, buffer_count: i32, buffer_ids_ptr: *const i32) -> i32;
    #[link_name = "create-command-encoder"]
    pub fn create_command_encoder(device: i32) -> i32;
    #[link_name = "dispatch-compute"]
    pub fn dispatch_compute(encoder: i32, pipeline: i32, bind_group: i32, x: i32, y: i32, z: i32);
    #[link_name = "submit-commands"]
    pub fn submit_commands(queue: i32, encoder: i32);
    #[link_name = "copy-buffer-to-buffer"]
    pub fn copy_buffer_to_buffer(encoder: i32, src: i32, src_offset: i64, dst: i32, dst_offset: i64, size: i64);
    #[link_name = "buffer-map-async"]
    pub fn buffer_map_async(buffer: i32, mode: i32, offset: i64, size: i64, callback_ptr: i32, callback_len: i32);
    #[link_name = "buffer-get-mapped-range"]
    pub fn buffer_get_mapped_range(buffer: i32, offset: i64, size: i64, dest_ptr: *mut u8);
    #[link_name = "buffer-unmap"]
    pub fn buffer_unmap(buffer: i32);
    // TeeWasm additions
    #[link_name = "get-last-error"]
    pub fn get_last_error() -> i32;
    #[link_name = "destroy-buffer"]
    pub fn destroy_buffer(buffer: i32) -> i32;
    #[link_name = "release-shader-module"]
    pub fn release_shader_module(id: i32) -> i32;
    #[link_name = "release-bind-group-layout"]
    pub fn release_bind_group_layout(id: i32) -> i32;
    #[link_name = "release-compute-pipeline"]
    pub fn release_compute_pipeline(id: i32) -> i32;
    #[link_name = "release-bind-group"]
    pub fn release_bind_group(id: i32) -> i32;
    #[link_name = "release-command-encoder"]
    pub fn release_command_encoder(id: i32) -> i32;
}

/// Native stand-ins (so the crate builds and its pure parts test natively): every call fails.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::missing_safety_doc, unused_variables)]
mod native {
    pub unsafe fn create_instance() -> i32 { 0 }
    pub unsafe fn request_adapter(instance: i32, power_preference: i32) -> i32 { 0 }
    pub unsafe fn request_device(adapter: i32) -> i32 { 0 }
    pub unsafe fn get_queue(device: i32) -> i32 { 0 }
    pub unsafe fn create_buffer(device: i32, size: i64, usage: i32) -> i32 { 0 }
    pub unsafe fn queue_write_buffer(queue: i32, buffer: i32, offset: i64, data_ptr: *const u8, data_len: i32) {}
    pub unsafe fn create_shader_module(device: i32, code_ptr: *const u8, code_len: i32) -> i32 { 0 }
    pub unsafe fn create_bind_group_layout(device: i32, entry_count: i32, entries_ptr: *const u32) -> i32 { 0 }
    pub unsafe fn create_compute_pipeline(device: i32, shader: i32, entry_ptr: *const u8, entry_len: i32, layout: i32) -> i32 { 0 }
    pub unsafe fn create_bind_group(device: i32, layout: i32, buffer_count: i32, buffer_ids_ptr: *const i32) -> i32 { 0 }
    pub unsafe fn create_command_encoder(device: i32) -> i32 { 0 }
    pub unsafe fn dispatch_compute(encoder: i32, pipeline: i32, bind_group: i32, x: i32, y: i32, z: i32) {}
    pub unsafe fn submit_commands(queue: i32, encoder: i32) {}
    pub unsafe fn copy_buffer_to_buffer(encoder: i32, src: i32, src_offset: i64, dst: i32, dst_offset: i64, size: i64) {}
    pub unsafe fn buffer_map_async(buffer: i32, mode: i32, offset: i64, size: i64, callback_ptr: i32, callback_len: i32) {}
    pub unsafe fn buffer_get_mapped_range(buffer: i32, offset: i64, size: i64, dest_ptr: *mut u8) {}
    pub unsafe fn buffer_unmap(buffer: i32) {}
    pub unsafe fn get_last_error() -> i32 { 0 }
    pub unsafe fn destroy_buffer(buffer: i32) -> i32 { 0 }
    pub unsafe fn release_shader_module(id: i32) -> i32 { 0 }
    pub unsafe fn release_bind_group_layout(id: i32) -> i32 { 0 }
    pub unsafe fn release_compute_pipeline(id: i32) -> i32 { 0 }
    pub unsafe fn release_bind_group(id: i32) -> i32 { 0 }
    pub unsafe fn release_command_encoder(id: i32) -> i32 { 0 }
}
#[cfg(not(target_arch = "wasm32"))]
pub use native::*;
