namespace TeeWasm.Tests.Shared;

/// <summary>Small WAT guests used by the runtime tests.</summary>
internal static class GuestModules
{
    /// <summary>Writes a WAT module to a temp file and returns its path.</summary>
    public static string WriteTemp(string wat, TempDir dir, string name = "guest.wat")
    {
        string path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, wat);
        return path;
    }

    public const string ProcExit42 = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 42))))
        """;

    public const string ReturnsNormally = """
        (module (memory (export "memory") 1) (func (export "_start")))
        """;

    public const string Unreachable = """
        (module (memory (export "memory") 1) (func (export "_start") unreachable))
        """;

    public const string MissingImport = """
        (module
          (import "env" "not_provided" (func $f))
          (memory (export "memory") 1)
          (func (export "_start") (call $f)))
        """;

    public const string InfiniteLoop = """
        (module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))
        """;

    public const string GrowsForever = """
        (module
          (memory (export "memory") 1)
          (func (export "_start")
            (loop $l
              (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable))
              (br $l))))
        """;

    /// <summary>Prints each preopened directory name (fd 3, 4, …) on its own line.</summary>
    public const string PrintPreopens = """
        (module
          (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $dir_name (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (local $fd i32) (local $len i32)
            (local.set $fd (i32.const 3))
            (block $done
              (loop $next
                (br_if $done (i32.ne (call $prestat_get (local.get $fd) (i32.const 0)) (i32.const 0)))
                (local.set $len (i32.load (i32.const 4)))
                (drop (call $dir_name (local.get $fd) (i32.const 100) (local.get $len)))
                (i32.store8 (i32.add (i32.const 100) (local.get $len)) (i32.const 10))
                (i32.store (i32.const 16) (i32.const 100))
                (i32.store (i32.const 20) (i32.add (local.get $len) (i32.const 1)))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
                (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
                (br $next)))))
        """;

    /// <summary>Prints its argv joined by '|' and the value of env var GREETING.</summary>
    public const string PrintArgs = """
        (module
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (local $i i32) (local $n i32) (local $bufsize i32)
            (drop (call $sizes (i32.const 0) (i32.const 4)))
            (local.set $n (i32.load (i32.const 0)))
            (local.set $bufsize (i32.load (i32.const 4)))
            (drop (call $args (i32.const 64) (i32.const 1024)))
            ;; replace NULs by '|' and print the whole argv buffer
            (loop $l
              (if (i32.eqz (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
                (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.const 124))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $bufsize))))
            (i32.store (i32.const 16) (i32.const 1024))
            (i32.store (i32.const 20) (local.get $bufsize))
            (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
        """;

    /// <summary>
    /// A guest importing every wasmtime:attestation function (from <paramref name="module"/>), with a bump
    /// <c>cabi_realloc</c> and exports that call each import, so tests can drive them one by one.
    /// </summary>
    /// <param name="pages">Its memory in 64 KiB pages.</param>
    /// <param name="heapStart">Where its bump allocator starts (as an unsigned address).</param>
    public static string AttestationGuest(string module = "wasmtime_attestation", bool withRealloc = true, bool withMemory = true,
        string reallocBody = "(local $p i32) (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8)))) (local.get $p)",
        int pages = 4, uint heapStart = 131072) => $$"""
        (module
          (import "{{module}}" "attest_vm" (func $attest_vm (result i32)))
          (import "{{module}}" "attest_gpu" (func $attest_gpu (param i32) (result i32)))
          (import "{{module}}" "attest_vm_nonce" (func $attest_vm_nonce (param i32 i32) (result i32)))
          (import "{{module}}" "attest_gpu_nonce" (func $attest_gpu_nonce (param i32 i32 i32) (result i32)))
          (import "{{module}}" "verify_token" (func $verify_token (param i32 i32) (result i32)))
          (import "{{module}}" "verify_token_json" (func $verify_token_json (param i32 i32) (result i32)))
          (import "{{module}}" "clear_cache" (func $clear_cache))
          (import "{{module}}" "detect_tee" (func $detect_tee (result i32)))
          {{(withMemory ? $"(memory (export \"memory\") {pages})" : $"(memory {pages})")}}
          (global $heap (mut i32) (i32.const {{(int)heapStart}}))
          {{(withRealloc ? "(func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) " + reallocBody + ")" : "")}}
          (func (export "_start"))
          (func (export "call_attest_vm") (result i32) (call $attest_vm))
          (func (export "call_attest_gpu") (param i32) (result i32) (call $attest_gpu (local.get 0)))
          (func (export "call_attest_vm_nonce") (param i32 i32) (result i32) (call $attest_vm_nonce (local.get 0) (local.get 1)))
          (func (export "call_attest_gpu_nonce") (param i32 i32 i32) (result i32) (call $attest_gpu_nonce (local.get 0) (local.get 1) (local.get 2)))
          (func (export "call_verify_token") (param i32 i32) (result i32) (call $verify_token (local.get 0) (local.get 1)))
          (func (export "call_verify_token_json") (param i32 i32) (result i32) (call $verify_token_json (local.get 0) (local.get 1)))
          (func (export "call_clear_cache") (call $clear_cache))
          (func (export "call_detect_tee") (result i32) (call $detect_tee)))
        """;

    /// <summary>Reads input.txt of its first preopen, writes result.txt in its second and "done\n" to stdout, then attest_vm; exits 0.</summary>
    public const string ReadsWritesAttests = """
        (module
          (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
          (import "wasmtime_attestation" "attest_vm" (func $attest (result i32)))
          (memory (export "memory") 4)
          (global $heap (mut i32) (i32.const 131072))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $heap))
            (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
            (local.get $p))
          (data (i32.const 100) "input.txt")
          (data (i32.const 120) "result.txt")
          (data (i32.const 140) "done\n")
          (func (export "_start")
            (local $fd i32)
            (if (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 9) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200))
              (then unreachable))
            (local.set $fd (i32.load (i32.const 200)))
            (i32.store (i32.const 300) (i32.const 1000))
            (i32.store (i32.const 304) (i32.const 256))
            (drop (call $read (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 308)))
            (drop (call $close (local.get $fd)))
            (if (call $open (i32.const 4) (i32.const 0) (i32.const 120) (i32.const 10) (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200))
              (then unreachable))
            (local.set $fd (i32.load (i32.const 200)))
            (i32.store (i32.const 300) (i32.const 140))
            (i32.store (i32.const 304) (i32.const 5))
            (drop (call $write (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 308)))
            (drop (call $close (local.get $fd)))
            (drop (call $write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 308)))
            (drop (call $attest))))
        """;
}
