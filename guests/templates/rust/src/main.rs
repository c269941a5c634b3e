//! A TeeWasm guest: detects the TEE, attests the confidential VM and prints the result.
//! Exit status 1 when the VM cannot be attested (no TEE, or the host refused).
use std::process::exit;
use tee_attestation::{attest_vm_token, detect_tee_type, is_no_tee_error, lines};

fn main() {
    tee_attestation::run_constructors_once(); // first thing in main (see guests/README.md)

    match detect_tee_type() {
        Ok(t) => println!("TEE: {} (attestation: {}){}", t.tee_type, if t.supports_attestation { "yes" } else { "no" },
                          if t.simulated { " [SIMULATED]" } else { "" }),
        Err(e) => println!("TEE detection failed: {}", e),
    }
    match attest_vm_token() {
        Ok(r) => {
            println!("{}", lines::VM_OK);
            println!("  Token length: {} chars", r.token.as_deref().map_or(0, str::len));
            println!("  TEE type: {}", r.tee_type.as_deref().unwrap_or("(not given)"));
            if r.simulated {
                println!("  ⚠ SIMULATED evidence (not a real TEE)");
            }
        }
        Err(e) => {
            if is_no_tee_error(&e) {
                eprintln!("{}\n   VM attestation failed: {}", lines::NO_TEE, e);
            } else {
                eprintln!("❌ VM attestation failed: {}", e);
            }
            exit(1);
        }
    }
}
