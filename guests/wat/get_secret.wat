;; A tiny guest for the key broker demo: asks the host for the secret "demo" with get_secret and prints only its
;; length ("secret length: 32"), never the secret; exits 0 when released. When refused it prints the host's JSON
;; ({"success":false,"name":…,"error":…}) and exits 1. Result memory comes from cabi_realloc (a bump allocator).
(module
  (import "wasmtime:attestation" "get_secret" (func $get_secret (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "demo")
  (data (i32.const 200) "\22length\22:")
  (data (i32.const 300) "secret length: ")
  (data (i32.const 400) "get_secret refused: ")
  (data (i32.const 500) "\n")
  (global $next (mut i32) (i32.const 65536))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
    (local.get $p))

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 1000) (local.get $ptr))
    (i32.store (i32.const 1004) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 1000) (i32.const 1) (i32.const 1008))))

  ;; 1 when the n bytes at a equal those at b
  (func $eq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $i i32)
    (block $no
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const 1))))
        (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                           (i32.load8_u (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  (func (export "_start")
    (local $r i32) (local $json i32) (local $len i32) (local $i i32) (local $j i32)
    (local.set $r (call $get_secret (i32.const 100) (i32.const 4)))
    (if (i32.eqz (local.get $r)) (then (call $exit (i32.const 2))))
    (local.set $len (i32.load (local.get $r)))
    (local.set $json (i32.add (local.get $r) (i32.const 4)))
    ;; {"success":true -> byte 11 is 't'
    (if (i32.ne (i32.load8_u (i32.add (local.get $json) (i32.const 11))) (i32.const 116))
      (then
        (call $print (i32.const 400) (i32.const 20))
        (call $print (local.get $json) (local.get $len))
        (call $print (i32.const 500) (i32.const 1))
        (call $exit (i32.const 1))))
    ;; find "length": and print the digits after it
    (block $found
      (loop $scan
        (br_if $found (i32.gt_u (i32.add (local.get $i) (i32.const 9)) (local.get $len)))
        (if (call $eq (i32.add (local.get $json) (local.get $i)) (i32.const 200) (i32.const 9))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 9)))
            (local.set $j (local.get $i))
            (block $end
              (loop $digits
                (br_if $end (i32.ge_u (local.get $j) (local.get $len)))
                (br_if $end (i32.gt_u (i32.sub (i32.load8_u (i32.add (local.get $json) (local.get $j))) (i32.const 48)) (i32.const 9)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $digits)))
            (call $print (i32.const 300) (i32.const 15))
            (call $print (i32.add (local.get $json) (local.get $i)) (i32.sub (local.get $j) (local.get $i)))
            (call $print (i32.const 500) (i32.const 1))
            (call $exit (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (call $exit (i32.const 3))))
