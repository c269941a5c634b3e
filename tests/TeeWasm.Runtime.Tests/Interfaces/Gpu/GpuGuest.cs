namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

/// <summary>WAT guests for the wasi:gpu tests.</summary>
internal static class GpuGuest
{
    /// <summary>
    /// The guest's call_* exports and their arguments: i = i32, l = i64, f = f32, r = the result pointer. Shared by the
    /// randomized wasi:gpu tests.
    /// </summary>
    public static readonly (string Export, char[] Kinds)[] Functions =
    [
        ("call_get_device_info", ['r']),
        ("call_buffer_create", ['l', 'i', 'r']),
        ("call_buffer_write", ['i', 'l', 'i', 'i', 'r']),
        ("call_buffer_read", ['i', 'l', 'i', 'r']),
        ("call_buffer_copy", ['i', 'l', 'i', 'l', 'l', 'r']),
        ("call_buffer_destroy", ['i', 'r']),
        ("call_bootstrap", ['i', 'i', 'i', 'i', 'r']),
        ("call_find_split", ['i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'r']),
        ("call_average", ['i', 'i', 'i', 'i', 'r']),
        ("call_matmul", ['i', 'i', 'i', 'i', 'i', 'f', 'f', 'i', 'i', 'i', 'r']),
        ("call_elementwise", ['i', 'i', 'i', 'i', 'i', 'i', 'r']),
        ("call_reduce", ['i', 'i', 'i', 'i', 'r']),
        ("call_batch_predict", ['i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'r']),
    ];

    /// <summary>Every wasi:gpu import, in the exact flat signatures of wasi-gpu-abi.md.</summary>
    public const string Imports = """
          (import "wasi:gpu/compute@0.1.0" "get-device-info" (func $get_device_info (param i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-create" (func $buffer_create (param i64 i32 i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-write" (func $buffer_write (param i32 i64 i32 i32 i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-read" (func $buffer_read (param i32 i64 i32 i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-copy" (func $buffer_copy (param i32 i64 i32 i64 i64 i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-destroy" (func $buffer_destroy (param i32 i32)))
          (import "wasi:gpu/compute@0.1.0" "sync" (func $sync))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-bootstrap-sample" (func $bootstrap (param i32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-find-split" (func $find_split (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-average" (func $average (param i32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-matmul" (func $matmul (param i32 i32 i32 i32 i32 f32 f32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-elementwise" (func $elementwise (param i32 i32 i32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-reduce" (func $reduce (param i32 i32 i32 i32 i32)))
          (import "wasi:gpu/ml-kernels@0.1.0" "kernel-batch-predict" (func $batch_predict (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
        """;

    /// <summary>A bump allocator from 128 KiB that honours the alignment argument.</summary>
    public const string BumpRealloc = "(local $p i32) (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2)))) (global.set $heap (i32.add (local.get $p) (local.get 3))) (local.get $p)";

    /// <summary>
    /// A guest with <paramref name="pages"/> pages of memory (4 by default, its bump allocator from <paramref name="heapStart"/>), a <c>cabi_realloc</c> (body <paramref name="reallocBody"/>, or none), exports
    /// <c>call_*</c> that pass their arguments straight to each import, and <c>run_matmul</c>: a guest that creates
    /// three buffers, writes A = [1 2; 3 4] and B = [5 6; 7 8], runs matmul and reads C back through cabi_realloc,
    /// returning the list pointer (negative step number on the first error).
    /// </summary>
    public static string Module(bool withRealloc = true, string reallocBody = BumpRealloc, int pages = 4, uint heapStart = 131072) => $$"""
        (module
          {{Imports}}
          (memory (export "memory") {{pages}})
          (global $heap (mut i32) (i32.const {{(int)heapStart}}))
          {{(withRealloc ? "(func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) " + reallocBody + ")" : "")}}
          (data (i32.const 1024) "\00\00\80\3f\00\00\00\40\00\00\40\40\00\00\80\40\00\00\a0\40\00\00\c0\40\00\00\e0\40\00\00\00\41")
          (func (export "_start"))
          (func (export "call_get_device_info") (param i32) (call $get_device_info (local.get 0)))
          (func (export "call_buffer_create") (param i64 i32 i32) (call $buffer_create (local.get 0) (local.get 1) (local.get 2)))
          (func (export "call_buffer_write") (param i32 i64 i32 i32 i32) (call $buffer_write (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
          (func (export "call_buffer_read") (param i32 i64 i32 i32) (call $buffer_read (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
          (func (export "call_buffer_copy") (param i32 i64 i32 i64 i64 i32) (call $buffer_copy (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
          (func (export "call_buffer_destroy") (param i32 i32) (call $buffer_destroy (local.get 0) (local.get 1)))
          (func (export "call_sync") (call $sync))
          (func (export "call_bootstrap") (param i32 i32 i32 i32 i32) (call $bootstrap (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
          (func (export "call_find_split") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
            (call $find_split (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8) (local.get 9)))
          (func (export "call_average") (param i32 i32 i32 i32 i32) (call $average (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
          (func (export "call_matmul") (param i32 i32 i32 i32 i32 f32 f32 i32 i32 i32 i32)
            (call $matmul (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)))
          (func (export "call_elementwise") (param i32 i32 i32 i32 i32 i32 i32)
            (call $elementwise (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)))
          (func (export "call_reduce") (param i32 i32 i32 i32 i32) (call $reduce (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
          (func (export "call_batch_predict") (param i32 i32 i32 i32 i32 i32 i32 i32 i32)
            (call $batch_predict (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8)))
          (func $new_buffer (result i32)
            (call $buffer_create (i64.const 16) (i32.const 44) (i32.const 512))
            (if (i32.load (i32.const 512)) (then (return (i32.const 0))))
            (i32.load (i32.const 516)))
          (func (export "run_matmul") (result i32)
            (local $a i32) (local $b i32) (local $c i32)
            (local.set $a (call $new_buffer))
            (local.set $b (call $new_buffer))
            (local.set $c (call $new_buffer))
            (if (i32.or (i32.eqz (local.get $a)) (i32.or (i32.eqz (local.get $b)) (i32.eqz (local.get $c)))) (then (return (i32.const -1))))
            (call $buffer_write (local.get $a) (i64.const 0) (i32.const 1024) (i32.const 16) (i32.const 512))
            (if (i32.load (i32.const 512)) (then (return (i32.const -2))))
            (call $buffer_write (local.get $b) (i64.const 0) (i32.const 1040) (i32.const 16) (i32.const 512))
            (if (i32.load (i32.const 512)) (then (return (i32.const -3))))
            (call $matmul (i32.const 2) (i32.const 2) (i32.const 2) (i32.const 0) (i32.const 0) (f32.const 1) (f32.const 0)
              (local.get $a) (local.get $b) (local.get $c) (i32.const 512))
            (if (i32.load (i32.const 512)) (then (return (i32.const -4))))
            (call $sync)
            (call $buffer_read (local.get $c) (i64.const 0) (i32.const 16) (i32.const 512))
            (if (i32.load (i32.const 512)) (then (return (i32.const -5))))
            (if (i32.ne (i32.load (i32.const 520)) (i32.const 16)) (then (return (i32.const -6))))
            (i32.load (i32.const 516))))
        """;
}
