;; compat_no_realloc.wat — a first-era guest of the original host: it imports EXACTLY the original's five
;; `wasmtime_attestation` functions and exports NO `cabi_realloc`, so the host must hand it results in memory the
;; guest does not own (docs/attestation-abi.md, "Guests without cabi_realloc").
;;
;; Imports: wasmtime_attestation.{attest_vm:()->i32, attest_gpu:(i32)->i32, verify_token:(i32,i32)->i32,
;;          clear_cache:()->(), detect_tee:()->i32}, wasi_snapshot_preview1.{fd_write, proc_exit}.
;; Exports: memory (16 pages = 1 MiB, growable, no declared maximum), _start. No data segments.
;;
;; _start fills its WHOLE memory with canaries (word at address a = a * 0x9E3779B1 xor 0x5A5A5A5A), then calls
;; detect_tee, attest_vm, attest_gpu(0), verify_token("a.b.c"), clear_cache and attest_vm again. Right after each call
;; it checks every word of the memory it had before the calls (1 MiB; only the token it wrote itself may differ) and
;; that each returned pointer lies outside it (at or past 1 MiB). It prints each JSON result (or "null" for 0) on
;; its own line, then "verify_token=<n>", then "canaries intact" and exits 0 — or "CANARY CHANGED" (first) or
;; "BAD POINTER" and exits 1. Its own printing uses bytes 0..63 as scratch and restores their canaries before the next call.
(module
  (import "wasmtime_attestation" "attest_vm" (func $attest_vm (result i32)))
  (import "wasmtime_attestation" "attest_gpu" (func $attest_gpu (param i32) (result i32)))
  (import "wasmtime_attestation" "verify_token" (func $verify_token (param i32 i32) (result i32)))
  (import "wasmtime_attestation" "clear_cache" (func $clear_cache))
  (import "wasmtime_attestation" "detect_tee" (func $detect_tee (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 16)

  (global $size (mut i32) (i32.const 0))     ;; bytes of memory the guest had before the host calls
  (global $changed (mut i32) (i32.const 0))  ;; words found changed
  (global $badptr (mut i32) (i32.const 0))   ;; results returned inside the guest's memory
  (global $w48 (mut i32) (i32.const 0))      ;; the guest's own token words at 48 and 52 during verify_token
  (global $w52 (mut i32) (i32.const 0))
  (global $token (mut i32) (i32.const 0))    ;; 1 while the token is in scratch

  (func $canary (param $a i32) (result i32)
    (i32.xor (i32.mul (local.get $a) (i32.const 0x9E3779B1)) (i32.const 0x5A5A5A5A)))

  ;; canaries over [from, to), word by word
  (func $fill (param $from i32) (param $to i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (i32.store (local.get $from) (call $canary (local.get $from)))
        (local.set $from (i32.add (local.get $from) (i32.const 4)))
        (br $next))))

  (func $expected (param $a i32) (result i32)
    (if (global.get $token)
      (then
        (if (i32.eq (local.get $a) (i32.const 48)) (then (return (global.get $w48))))
        (if (i32.eq (local.get $a) (i32.const 52)) (then (return (global.get $w52))))))
    (call $canary (local.get $a)))

  ;; counts the words of [0, $size) that are not what the guest left there
  (func $check
    (local $a i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (global.get $size)))
        (if (i32.ne (i32.load (local.get $a)) (call $expected (local.get $a)))
          (then (global.set $changed (i32.add (global.get $changed) (i32.const 1)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $next))))

  ;; fd_write(stdout) of [ptr, ptr+len) through an iovec in scratch; scratch canaries restored afterwards
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $fill (i32.const 0) (i32.const 64)))

  ;; prints up to 16 bytes given as two little-endian i64 words (text in scratch at 16)
  (func $say (param $lo i64) (param $hi i64) (param $len i32)
    (i64.store (i32.const 16) (local.get $lo))
    (i64.store (i32.const 24) (local.get $hi))
    (call $write (i32.const 16) (local.get $len)))

  (func $newline (call $say (i64.const 0xa) (i64.const 0) (i32.const 1)))

  ;; after a host call that returned a [u32 len][JSON] pointer: check, then print the JSON or "null"
  (func $result (param $ptr i32)
    (call $check)
    (if (i32.eqz (local.get $ptr))
      (then (call $say (i64.const 0x6c6c756e) (i64.const 0) (i32.const 4)))   ;; "null"
      (else
        (if (i32.lt_u (local.get $ptr) (global.get $size))
          (then (global.set $badptr (i32.add (global.get $badptr) (i32.const 1)))))
        (call $write (i32.add (local.get $ptr) (i32.const 4)) (i32.load (local.get $ptr)))))
    (call $newline))

  (func (export "_start")
    (local $valid i32)
    (global.set $size (i32.mul (memory.size) (i32.const 65536)))
    (call $fill (i32.const 0) (global.get $size))

    (call $result (call $detect_tee))
    (call $result (call $attest_vm))
    (call $result (call $attest_gpu (i32.const 0)))

    ;; verify_token("a.b.c"): the token is the guest's own bytes at 48..52
    (i64.store (i32.const 48) (i64.const 0x632e622e61))   ;; "a.b.c\0\0\0"
    (global.set $w48 (i32.load (i32.const 48)))
    (global.set $w52 (i32.load (i32.const 52)))
    (global.set $token (i32.const 1))
    (local.set $valid (call $verify_token (i32.const 48) (i32.const 5)))
    (call $check)
    (global.set $token (i32.const 0))
    (call $fill (i32.const 48) (i32.const 56))
    ;; "verify_token=" + digit
    (i64.store (i32.const 16) (i64.const 0x745f796669726576))
    (i64.store (i32.const 24) (i64.const 0x3d6e656b6f))
    (i32.store8 (i32.const 29) (i32.add (i32.const 48) (local.get $valid)))
    (call $write (i32.const 16) (i32.const 14))
    (call $newline)

    (call $clear_cache)
    (call $check)
    (call $result (call $attest_vm))

    (if (global.get $changed)
      (then
        (call $say (i64.const 0x43205952414e4143) (i64.const 0xa4445474e4148) (i32.const 15))   ;; "CANARY CHANGED\n"
        (call $proc_exit (i32.const 1))))
    (if (global.get $badptr)
      (then
        (call $say (i64.const 0x4e494f5020444142) (i64.const 0xa524554) (i32.const 12))   ;; "BAD POINTER\n"
        (call $proc_exit (i32.const 1))))
    (call $say (i64.const 0x73656972616e6163) (i64.const 0xa746361746e6920) (i32.const 16))))   ;; "canaries intact\n"
