;; compat_original.wat — a guest that imports EXACTLY the original host's `wasmtime_attestation`
;; signatures, for host compatibility tests.
;;
;; Imports: wasmtime_attestation.{attest_vm:()->i32, attest_gpu:(i32)->i32, verify_token:(i32,i32)->i32,
;;          clear_cache:()->(), detect_tee:()->i32} and wasi_snapshot_preview1.fd_write (for _start's output).
;; Exports:
;;   memory                    18 pages initially (growable)
;;   cabi_realloc(old,osz,al,nsz)->ptr   bump allocator from 0x100100 upward; honours align (power of two),
;;                                     copies on realloc, never frees; returns 0 for a bad align or OOM
;;   run_attest_vm()->ptr  run_attest_gpu(idx)->ptr  run_detect_tee()->ptr   pointer the host returned
;;   run_verify_token(ptr,len)->i32    run_clear_cache()
;;   sample_token_ptr()->ptr  sample_token_len()->len   the 5-byte string "a.b.c" in static data
;;   alloc_count()->i32        how many times cabi_realloc allocated
;;   canaries_intact()->i32    1 if the bytes at 1024 and 1048576 (where the original host wrote its
;;                             results) are untouched
;;   _start                    calls detect_tee, attest_vm, attest_gpu(0), verify_token("a.b.c"),
;;                             clear_cache; prints each JSON (or "null") on its own line, then
;;                             "verify_token=<n>"; traps (unreachable) if a canary was overwritten.
(module
  (import "wasmtime_attestation" "attest_vm" (func $attest_vm (result i32)))
  (import "wasmtime_attestation" "attest_gpu" (func $attest_gpu (param i32) (result i32)))
  (import "wasmtime_attestation" "verify_token" (func $verify_token (param i32 i32) (result i32)))
  (import "wasmtime_attestation" "clear_cache" (func $clear_cache))
  (import "wasmtime_attestation" "detect_tee" (func $detect_tee (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 18)

  ;; 0..63: scratch (iovecs at 16, nwritten at 48); 64..: constants
  (data (i32.const 64) "a.b.c")          ;; sample token (5 bytes)
  (data (i32.const 72) "\n")             ;; newline
  (data (i32.const 80) "null")           ;; 4 bytes
  (data (i32.const 88) "verify_token=")  ;; 13 bytes
  (data (i32.const 128) "CANARY-1024-XYZ!")       ;; reference copies of the canaries
  (data (i32.const 144) "CANARY-1MIB-XYZ!")
  (data (i32.const 1024) "CANARY-1024-XYZ!")      ;; 16 bytes
  (data (i32.const 1048576) "CANARY-1MIB-XYZ!")   ;; 16 bytes

  (global $heap (mut i32) (i32.const 0x100100))
  (global $allocs (mut i32) (i32.const 0))

  (func $cabi_realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $need i32)
    (if (i32.eqz (local.get $align)) (then (local.set $align (i32.const 1))))
    ;; align must be a power of two
    (if (i32.and (local.get $align) (i32.sub (local.get $align) (i32.const 1))) (then (return (i32.const 0))))
    (if (i32.eqz (local.get $new_size)) (then (return (local.get $align))))
    ;; ptr = round_up(heap, align)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0))))  ;; overflow
    ;; grow memory if needed
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (local.set $need
          (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)) (memory.size)))
        (if (i32.eq (memory.grow (local.get $need)) (i32.const -1)) (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
    ;; realloc: copy min(old_size, new_size) bytes (byte loop: no bulk-memory needed)
    (if (local.get $old)
      (then
        (local.set $need
          (select (local.get $old_size) (local.get $new_size)
                  (i32.lt_u (local.get $old_size) (local.get $new_size))))
        (block $done
          (loop $copy
            (br_if $done (i32.eqz (local.get $need)))
            (local.set $need (i32.sub (local.get $need) (i32.const 1)))
            (i32.store8 (i32.add (local.get $ptr) (local.get $need))
                        (i32.load8_u (i32.add (local.get $old) (local.get $need))))
            (br $copy)))))
    (local.get $ptr))

  (func (export "run_attest_vm") (result i32) (call $attest_vm))
  (func (export "run_attest_gpu") (param i32) (result i32) (call $attest_gpu (local.get 0)))
  (func (export "run_detect_tee") (result i32) (call $detect_tee))
  (func (export "run_verify_token") (param i32 i32) (result i32) (call $verify_token (local.get 0) (local.get 1)))
  (func (export "run_clear_cache") (call $clear_cache))
  (func (export "sample_token_ptr") (result i32) (i32.const 64))
  (func (export "sample_token_len") (result i32) (i32.const 5))
  (func (export "alloc_count") (result i32) (global.get $allocs))

  ;; compare the 16 canary bytes at $at with the reference copy at $ref
  (func $same16 (param $at i32) (param $ref i32) (result i32)
    (i32.and (i64.eq (i64.load (local.get $at)) (i64.load (local.get $ref)))
             (i64.eq (i64.load offset=8 (local.get $at)) (i64.load offset=8 (local.get $ref)))))

  (func $canaries_intact (export "canaries_intact") (result i32)
    (i32.and (call $same16 (i32.const 1024) (i32.const 128))
             (call $same16 (i32.const 1048576) (i32.const 144))))

  ;; write(ptr,len) then newline to stdout
  ;; (one iovec per fd_write: WASI may write fewer bytes than asked, and Wasmtime writes one iovec per call)
  (func $write_line (param $ptr i32) (param $len i32)
    (call $write_all (local.get $ptr) (local.get $len))
    (call $write_all (i32.const 72) (i32.const 1)))

  ;; write(ptr,len) to stdout, looping over partial writes
  (func $write_all (param $ptr i32) (param $len i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.le_s (local.get $len) (i32.const 0)))
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (br_if $done (i32.ne (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 48)) (i32.const 0)))
        (local.set $n (i32.load (i32.const 48)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $more))))

  ;; print the [u32 len][json] result at $p, or "null" for 0
  (func $print_result (param $p i32)
    (if (i32.eqz (local.get $p))
      (then (call $write_line (i32.const 80) (i32.const 4)))
      (else (call $write_line (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p))))))

  (func (export "_start")
    (local $v i32)
    (call $print_result (call $detect_tee))
    (call $print_result (call $attest_vm))
    (call $print_result (call $attest_gpu (i32.const 0)))
    (local.set $v (call $verify_token (i32.const 64) (i32.const 5)))
    ;; "verify_token=" then the digit
    (i32.store8 (i32.const 101) (i32.add (i32.const 48) (i32.and (local.get $v) (i32.const 7))))
    (call $write_line (i32.const 88) (i32.const 14))
    (call $clear_cache)
    (if (i32.eqz (call $canaries_intact)) (then unreachable)))
)
