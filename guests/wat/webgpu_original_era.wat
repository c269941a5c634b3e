;; webgpu_original_era.wat — an original-era `wasi:webgpu` guest: the original C++ guest's GPU bootstrap sampling
;; (c3558f3:wasmwebgpu-ml/src/gpu_executor.cpp) step by step, with its shader, importing only the original host's 17
;; functions. Like that guest it passes create-bind-group THE FIRST BUFFER ID instead of a pointer to an id array
;; (the original host's convention: binding i = buffer first+i, so it creates the bound buffers consecutively), an
;; automatic layout (entries_ptr 0), and never asks for errors (the original had no get-last-error).
;;
;; It dispatches the shader over 256 samples (seed 42), reads the indices back and compares each with the shader's
;; formula computed here: prints "ok: …" and exits 0, or "FAIL: …" and exits 1 (all zeros when the bind group was not
;; created, which is what an original-era guest got before the compatibility rule in docs/wasi-webgpu.md).
(module
  (import "wasi:webgpu" "create-instance" (func $create_instance (result i32)))
  (import "wasi:webgpu" "request-adapter" (func $request_adapter (param i32 i32) (result i32)))
  (import "wasi:webgpu" "request-device" (func $request_device (param i32) (result i32)))
  (import "wasi:webgpu" "get-queue" (func $get_queue (param i32) (result i32)))
  (import "wasi:webgpu" "create-buffer" (func $create_buffer (param i32 i64 i32) (result i32)))
  (import "wasi:webgpu" "queue-write-buffer" (func $queue_write_buffer (param i32 i32 i64 i32 i32)))
  (import "wasi:webgpu" "create-shader-module" (func $create_shader_module (param i32 i32 i32) (result i32)))
  (import "wasi:webgpu" "create-bind-group-layout" (func $create_bind_group_layout (param i32 i32 i32) (result i32)))
  (import "wasi:webgpu" "create-compute-pipeline" (func $create_compute_pipeline (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:webgpu" "create-bind-group" (func $create_bind_group (param i32 i32 i32 i32) (result i32)))
  (import "wasi:webgpu" "create-command-encoder" (func $create_command_encoder (param i32) (result i32)))
  (import "wasi:webgpu" "dispatch-compute" (func $dispatch_compute (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:webgpu" "submit-commands" (func $submit_commands (param i32 i32)))
  (import "wasi:webgpu" "copy-buffer-to-buffer" (func $copy_buffer_to_buffer (param i32 i32 i64 i32 i64 i64)))
  (import "wasi:webgpu" "buffer-map-async" (func $buffer_map_async (param i32 i32 i64 i64 i32 i32)))
  (import "wasi:webgpu" "buffer-get-mapped-range" (func $buffer_get_mapped_range (param i32 i64 i64 i32)))
  (import "wasi:webgpu" "buffer-unmap" (func $buffer_unmap (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 2)

  ;; 0..63 scratch (iovec); 1024 entry point; 2048 params {n_samples, seed, 0, 0}; 3072 messages; 4096 WGSL;
  ;; 16384.. the indices read back (256 x u32)
  (data (i32.const 1024) "main")
  (data (i32.const 2048) "\00\01\00\00\2a\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 3072) "ok: the 256 bootstrap indices match the shader's formula\n")
  (data (i32.const 3200) "FAIL: the indices are not the shader's (zeros: the bind group did not bind the buffers)\n")
  (data (i32.const 4096)
    "struct BootstrapParams { n_samples: u32, seed: u32, }\n"
    "@group(0) @binding(0) var<storage, read_write> indices: array<u32>;\n"
    "@group(0) @binding(1) var<uniform> params: BootstrapParams;\n"
    "fn xorshift(seed: u32) -> u32 { var x = seed; x ^= x << 13u; x ^= x >> 17u; x ^= x << 5u; return x; }\n"
    "@compute @workgroup_size(256)\n"
    "fn main(@builtin(global_invocation_id) global_id: vec3<u32>) {\n"
    "    let idx = global_id.x;\n"
    "    if (idx >= params.n_samples) { return; }\n"
    "    var rng_state = params.seed + idx * 747796405u + 2891336453u;\n"
    "    rng_state = xorshift(rng_state);\n"
    "    rng_state = xorshift(rng_state);\n"
    "    indices[idx] = rng_state % params.n_samples;\n"
    "}\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $xorshift (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
    (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))

  (func (export "_start")
    (local $device i32) (local $queue i32) (local $gpu i32) (local $params i32) (local $staging i32)
    (local $shader i32) (local $layout i32) (local $pipeline i32) (local $group i32) (local $encoder i32)
    (local $i i32) (local $bad i32)
    (local.set $device (call $request_device (call $request_adapter (call $create_instance) (i32.const 1))))
    (local.set $queue (call $get_queue (local.get $device)))
    ;; the bound buffers first and consecutively, as the original guest did: indices (STORAGE|COPY_SRC), params (UNIFORM|COPY_DST)
    (local.set $gpu (call $create_buffer (local.get $device) (i64.const 1024) (i32.const 0x84)))
    (local.set $params (call $create_buffer (local.get $device) (i64.const 16) (i32.const 0x48)))
    (local.set $staging (call $create_buffer (local.get $device) (i64.const 1024) (i32.const 0x09)))
    (call $queue_write_buffer (local.get $queue) (local.get $params) (i64.const 0) (i32.const 2048) (i32.const 16))
    (local.set $shader (call $create_shader_module (local.get $device) (i32.const 4096) (i32.const 640)))
    (local.set $layout (call $create_bind_group_layout (local.get $device) (i32.const 2) (i32.const 0)))
    (local.set $pipeline (call $create_compute_pipeline (local.get $device) (local.get $shader) (i32.const 1024) (i32.const 4) (local.get $layout)))
    ;; the original convention: the FIRST BUFFER ID where the ABI now has a pointer to an id array
    (local.set $group (call $create_bind_group (local.get $device) (local.get $layout) (i32.const 2) (local.get $gpu)))
    (local.set $encoder (call $create_command_encoder (local.get $device)))
    (call $dispatch_compute (local.get $encoder) (local.get $pipeline) (local.get $group) (i32.const 1) (i32.const 1) (i32.const 1))
    (call $copy_buffer_to_buffer (local.get $encoder) (local.get $gpu) (i64.const 0) (local.get $staging) (i64.const 0) (i64.const 1024))
    (call $submit_commands (local.get $queue) (local.get $encoder))
    (call $buffer_map_async (local.get $staging) (i32.const 1) (i64.const 0) (i64.const 1024) (i32.const 0) (i32.const 0))
    (call $buffer_get_mapped_range (local.get $staging) (i64.const 0) (i64.const 1024) (i32.const 16384))
    (call $buffer_unmap (local.get $staging))
    ;; index i = xorshift(xorshift(42 + i*747796405 + 2891336453)) % 256
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
        (if (i32.ne
              (i32.load (i32.add (i32.const 16384) (i32.shl (local.get $i) (i32.const 2))))
              (i32.rem_u
                (call $xorshift (call $xorshift
                  (i32.add (i32.add (i32.const 42) (i32.mul (local.get $i) (i32.const 747796405))) (i32.const -1403630843))))
                (i32.const 256)))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (local.get $bad)
      (then
        (call $print (i32.const 3200) (i32.const 88))
        (call $proc_exit (i32.const 1))))
    (call $print (i32.const 3072) (i32.const 57))))
