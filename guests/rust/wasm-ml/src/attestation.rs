//! The original `wasm-ml` crate's `wasm_ml::attestation` module: the `wasmtime_attestation` bindings of the
//! [`tee_attestation`] crate under the original's path, with the original's function names and result types, so
//! the design document's sample compiles unchanged:
//!
//! ```ignore
//! use wasm_ml::attestation::{attest_vm_token, attest_gpu_token};
//! let vm_result = attest_vm_token()?;        // Result<AttestationResult, String>
//! let gpu_result = attest_gpu_token(0)?;
//! ```
//!
//! `AttestationResult` has the original's fields (`success`, `token`, `evidence`, `error`, `timestamp`, `tee_type`)
//! plus `simulated`; `TeeDetectionResult` has `tee_type`, `supports_attestation` plus `simulated`. With the crate
//! feature `serde` both derive `serde::Serialize` and `serde::Deserialize` as the original's did (Debian's packaged
//! serde; see guests/README.md). Unlike the original, the module exists on every target (natively the imports
//! are stubs that fail), and the TeeWasm extensions (nonces, detailed verification, secrets) are here too.

pub use tee_attestation::{
    attest_gpu_token, attest_gpu_token_with_nonce, attest_vm_token, attest_vm_token_with_nonce, clear_attestation_cache,
    detect_tee_type, get_secret, verify_attestation_token, verify_attestation_token_detailed, AttestationResult,
    TeeDetectionResult, TokenVerification,
};
