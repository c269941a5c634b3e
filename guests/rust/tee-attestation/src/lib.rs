//! Guest bindings for the TeeWasm host module `wasmtime_attestation` (no dependencies).
//!
//! # Host ABI (wasm32)
//! Every function that returns JSON returns a pointer to `[u32 LE length][UTF-8 JSON]` that the host
//! allocated in this guest's memory by calling the guest's exported `cabi_realloc(0, 0, align, 4 + len)`;
//! `0` means the host could not write a result. The guest owns that memory: the bindings copy the JSON
//! out and release the block (see [`take_host_string`]).
//!
//! Only the imports a guest actually calls end up in its `.wasm` (the linker drops unused ones). The
//! original host only knows `attest_vm`, `attest_gpu`, `verify_token`, `clear_cache` and `detect_tee`;
//! the `*_nonce`, `verify_token_json`, `get_secret`, `attest_all` and `measurement_log` extensions need the
//! TeeWasm host.
//!
//! On targets other than wasm32 the host functions are stubs that report "not available", so the
//! JSON reader and result parsing can be unit-tested natively.

pub mod json;

use json::Value;

/// Error text when the host returns pointer 0.
pub const NULL_POINTER_ERROR: &str = "Host returned null pointer";

/// Raw imports from the host module `wasmtime_attestation` (wasm32 only).
#[cfg(target_arch = "wasm32")]
pub mod raw {
    #[link(wasm_import_module = "wasmtime_attestation")]
    extern "C" {
        pub fn attest_vm() -> i32;
        pub fn attest_gpu(gpu_index: u32) -> i32;
        pub fn verify_token(token_ptr: *const u8, token_len: i32) -> i32;
        pub fn clear_cache();
        pub fn detect_tee() -> i32;
        // TeeWasm extensions
        pub fn attest_vm_nonce(nonce_ptr: *const u8, nonce_len: i32) -> i32;
        pub fn attest_gpu_nonce(gpu_index: u32, nonce_ptr: *const u8, nonce_len: i32) -> i32;
        pub fn verify_token_json(token_ptr: *const u8, token_len: i32) -> i32;
        pub fn get_secret(name_ptr: *const u8, name_len: i32) -> i32;
        pub fn attest_all(nonce_ptr: *const u8, nonce_len: i32) -> i32;
        pub fn measurement_log() -> i32;
    }
}

/// Native stand-ins with the same signatures: every call "fails" (pointer 0 / invalid).
#[cfg(not(target_arch = "wasm32"))]
pub mod raw {
    #![allow(clippy::missing_safety_doc)]
    pub unsafe fn attest_vm() -> i32 {
        0
    }
    pub unsafe fn attest_gpu(_gpu_index: u32) -> i32 {
        0
    }
    pub unsafe fn verify_token(_token_ptr: *const u8, _token_len: i32) -> i32 {
        0
    }
    pub unsafe fn clear_cache() {}
    pub unsafe fn detect_tee() -> i32 {
        0
    }
    pub unsafe fn attest_vm_nonce(_nonce_ptr: *const u8, _nonce_len: i32) -> i32 {
        0
    }
    pub unsafe fn attest_gpu_nonce(_gpu_index: u32, _nonce_ptr: *const u8, _nonce_len: i32) -> i32 {
        0
    }
    pub unsafe fn verify_token_json(_token_ptr: *const u8, _token_len: i32) -> i32 {
        0
    }
    pub unsafe fn get_secret(_name_ptr: *const u8, _name_len: i32) -> i32 {
        0
    }
    pub unsafe fn attest_all(_nonce_ptr: *const u8, _nonce_len: i32) -> i32 {
        0
    }
    pub unsafe fn measurement_log() -> i32 {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// cabi_realloc and ownership of host results
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "cabi-realloc")]
mod alloc_export {
    use std::alloc::{alloc, dealloc, realloc, Layout};
    use std::cell::Cell;

    // The last block handed out, so that `take_host_string` can free exactly that block with the
    // exact layout it was allocated with (and never a pointer that did not come from here).
    thread_local! {
        static LAST: Cell<(usize, usize, usize)> = Cell::new((0, 0, 0));
    }

    fn layout(size: usize, align: usize) -> Option<Layout> {
        let align = if align == 0 { 1 } else { align };
        Layout::from_size_align(size, align).ok()
    }

    /// Canonical-ABI style allocator used by the host to return results.
    /// `old_ptr == 0` allocates; `new_size == 0` frees and returns `align` (a non-null dangling
    /// pointer); otherwise reallocates. Returns 0 on failure or an invalid alignment.
    ///
    /// # Safety
    /// `old_ptr`/`old_size`/`align` must describe a block obtained from this function.
    #[no_mangle]
    pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
        let new_layout = match layout(new_size, align) {
            Some(l) => l,
            None => return std::ptr::null_mut(),
        };
        let p = if new_size == 0 {
            if !old_ptr.is_null() && old_size != 0 {
                if let Some(old) = layout(old_size, align) {
                    dealloc(old_ptr, old);
                }
            }
            return new_layout.align() as *mut u8;
        } else if old_ptr.is_null() || old_size == 0 {
            alloc(new_layout)
        } else {
            match layout(old_size, align) {
                Some(old) => realloc(old_ptr, old, new_size),
                None => return std::ptr::null_mut(),
            }
        };
        if !p.is_null() {
            LAST.with(|c| c.set((p as usize, new_size, new_layout.align())));
        }
        p
    }

    /// Free `ptr` if it is the block `cabi_realloc` handed out last and its size matches.
    pub(crate) unsafe fn release(ptr: *mut u8, size: usize) {
        let (p, s, a) = LAST.with(|c| c.get());
        if p == ptr as usize && s == size && p != 0 {
            LAST.with(|c| c.set((0, 0, 0)));
            dealloc(ptr, Layout::from_size_align_unchecked(s, a));
        }
    }
}

#[cfg(feature = "cabi-realloc")]
pub use alloc_export::cabi_realloc;

/// Without our `cabi_realloc`, the guest's own allocator served the host: release with the layout
/// the TeeWasm host requests (align 4, size 4+len) — but only for heap pointers, so a result that
/// an old host wrote at a fixed offset (1024 or 1 MiB, below `__heap_base`) is never freed.
#[cfg(all(not(feature = "cabi-realloc"), target_arch = "wasm32"))]
unsafe fn release_block(ptr: *mut u8, size: usize) {
    extern "C" {
        static __heap_base: u8;
    }
    if (ptr as usize) >= (&__heap_base as *const u8 as usize) {
        std::alloc::dealloc(ptr, std::alloc::Layout::from_size_align_unchecked(size, 4));
    }
}

#[cfg(all(not(feature = "cabi-realloc"), not(target_arch = "wasm32")))]
unsafe fn release_block(_ptr: *mut u8, _size: usize) {}

#[cfg(feature = "cabi-realloc")]
unsafe fn release_block(ptr: *mut u8, size: usize) {
    alloc_export::release(ptr, size)
}

/// Read a host result `[u32 LE length][UTF-8 bytes]` at `ptr`, copy it into a `String`, and
/// release the block (it was allocated through `cabi_realloc` on the host's behalf).
///
/// # Safety
/// `ptr` must be 0 or a pointer returned by one of the `wasmtime_attestation` JSON functions,
/// not yet taken.
pub unsafe fn take_host_string(ptr: i32) -> Result<String, String> {
    if ptr == 0 {
        return Err(if cfg!(target_arch = "wasm32") {
            NULL_POINTER_ERROR.to_string()
        } else {
            "wasmtime_attestation is only available to wasm32 guests".to_string()
        });
    }
    let base = ptr as u32 as usize as *mut u8;
    #[cfg(target_arch = "wasm32")]
    let mem_end = core::arch::wasm32::memory_size(0).saturating_mul(65536);
    #[cfg(not(target_arch = "wasm32"))]
    let mem_end = usize::MAX;
    if (base as usize) > mem_end || mem_end - (base as usize) < 4 {
        return Err("Host returned an out-of-bounds pointer".to_string());
    }
    let mut len_bytes = [0u8; 4];
    std::ptr::copy_nonoverlapping(base, len_bytes.as_mut_ptr(), 4);
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len > mem_end - (base as usize) - 4 {
        return Err("Host returned an out-of-bounds length".to_string());
    }
    let bytes = std::slice::from_raw_parts(base.add(4), len).to_vec();
    release_block(base, 4 + len);
    String::from_utf8(bytes).map_err(|_| "Host returned invalid UTF-8".to_string())
}

fn call_json(f: impl FnOnce() -> i32) -> Result<Value, String> {
    let text = unsafe { take_host_string(f()) }?;
    json::parse(&text).map_err(|e| format!("Invalid JSON from host: {}", e))
}

// ---------------------------------------------------------------------------------------------
// Typed results
// ---------------------------------------------------------------------------------------------

fn opt_string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn bool_or(v: &Value, key: &str, default: bool) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// `AttestationResult` as the host returns it. With the feature `serde` it derives `Serialize`/`Deserialize` like
/// the original crate's type (same keys and order; `simulated` is written only when true).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttestationResult {
    pub success: bool,
    pub token: Option<String>,
    /// JSON text (itself a JSON document) describing the evidence.
    pub evidence: Option<String>,
    pub error: Option<String>,
    /// Unix seconds.
    #[cfg_attr(feature = "serde", serde(default))]
    pub timestamp: i64,
    #[cfg_attr(feature = "serde", serde(default))]
    pub tee_type: Option<String>,
    /// True when the host's simulator produced the result (never trust it for production).
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub simulated: bool,
}

#[cfg(feature = "serde")]
fn is_false(b: &bool) -> bool {
    !*b
}

impl AttestationResult {
    /// Parse the host's JSON. `success` must be present; other keys default (null/0/false).
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self, String> {
        let success = v
            .get("success")
            .and_then(Value::as_bool)
            .ok_or_else(|| "Invalid AttestationResult: missing boolean 'success'".to_string())?;
        Ok(AttestationResult {
            success,
            token: opt_string(v, "token"),
            evidence: opt_string(v, "evidence"),
            error: opt_string(v, "error"),
            timestamp: v.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
            tee_type: opt_string(v, "tee_type"),
            simulated: bool_or(v, "simulated", false),
        })
    }

    /// The parsed `evidence` document, if any.
    pub fn evidence_json(&self) -> Option<Value> {
        self.evidence.as_deref().and_then(|e| json::parse(e).ok())
    }

    /// `Ok(self)` when `success`, otherwise `Err(error text)`.
    pub fn into_result(self) -> Result<Self, String> {
        if self.success {
            Ok(self)
        } else {
            Err(self.error.unwrap_or_else(|| "Attestation failed (host gave no reason)".to_string()))
        }
    }
}

/// Result of `detect_tee` (with the feature `serde`: `Serialize`/`Deserialize` like the original crate's type).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TeeDetectionResult {
    /// "None" | "Intel TDX" | "AMD SEV-SNP" | "AMD SEV"
    pub tee_type: String,
    pub supports_attestation: bool,
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub simulated: bool,
}

impl TeeDetectionResult {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self, String> {
        let tee_type = opt_string(v, "tee_type").ok_or_else(|| "Invalid TEE detection: missing 'tee_type'".to_string())?;
        Ok(TeeDetectionResult {
            tee_type,
            supports_attestation: bool_or(v, "supports_attestation", false),
            simulated: bool_or(v, "simulated", false),
        })
    }
}

/// Result of `verify_token_json`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenVerification {
    pub valid: bool,
    pub reason: Option<String>,
    pub issuer: Option<String>,
    /// The token's claims (an object; `Null` if the host sent none).
    pub claims: Value,
}

impl TokenVerification {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self, String> {
        let valid = v
            .get("valid")
            .and_then(Value::as_bool)
            .ok_or_else(|| "Invalid token verification: missing boolean 'valid'".to_string())?;
        Ok(TokenVerification {
            valid,
            reason: opt_string(v, "reason"),
            issuer: opt_string(v, "issuer"),
            claims: v.get("claims").cloned().unwrap_or(Value::Null),
        })
    }
}

/// Result of `get_secret`: `{"success":true,"name":…,"secret":"<base64>","length":N}` or
/// `{"success":false,"name":…,"error":…}`.
#[derive(Clone, PartialEq)]
pub struct SecretResult {
    pub success: bool,
    pub name: String,
    /// The secret's bytes (decoded from base64), when released.
    pub secret: Option<Vec<u8>>,
    pub error: Option<String>,
}

// Never print a secret by accident: Debug shows only its length.
impl core::fmt::Debug for SecretResult {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretResult")
            .field("success", &self.success)
            .field("name", &self.name)
            .field("secret_len", &self.secret.as_ref().map(Vec::len))
            .field("error", &self.error)
            .finish()
    }
}

impl SecretResult {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self, String> {
        let success = v
            .get("success")
            .and_then(Value::as_bool)
            .ok_or_else(|| "Invalid secret result: missing boolean 'success'".to_string())?;
        let secret = match v.get("secret").and_then(Value::as_str) {
            Some(b64) => Some(base64_decode(b64).ok_or_else(|| "Invalid secret result: 'secret' is not base64".to_string())?),
            None => None,
        };
        if success && secret.is_none() {
            return Err("Invalid secret result: success without 'secret'".to_string());
        }
        Ok(SecretResult { success, name: opt_string(v, "name").unwrap_or_default(), secret, error: opt_string(v, "error") })
    }
}

/// One device of a composite result: the VM or one GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceResult {
    /// "VM" or "GPU i".
    pub device: String,
    /// The GPU's index; `None` for the VM.
    pub gpu_index: Option<u32>,
    /// The GPU's UUID as its collector states it, when known.
    pub uuid: Option<String>,
    pub tee_type: Option<String>,
    pub success: bool,
    /// The device's measurement (hex) when it verified.
    pub measurement: Option<String>,
    pub error: Option<String>,
}

/// Result of `attest_all`: the VM and every GPU over one nonce and one host key, one token with each device's
/// claims, one verdict; `error` names every device that failed.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeAttestationResult {
    pub success: bool,
    pub token: Option<String>,
    /// The composite evidence (itself a JSON document).
    pub evidence: Option<String>,
    pub error: Option<String>,
    pub timestamp: i64,
    pub simulated: bool,
    pub devices: Vec<DeviceResult>,
}

impl CompositeAttestationResult {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self, String> {
        let success = v
            .get("success")
            .and_then(Value::as_bool)
            .ok_or_else(|| "Invalid composite result: missing boolean 'success'".to_string())?;
        let devices = match v.get("devices").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .map(|d| DeviceResult {
                    device: opt_string(d, "device").unwrap_or_default(),
                    gpu_index: d.get("gpu_index").and_then(Value::as_i64).map(|i| i as u32),
                    uuid: opt_string(d, "uuid"),
                    tee_type: opt_string(d, "tee_type"),
                    success: bool_or(d, "success", false),
                    measurement: opt_string(d, "measurement"),
                    error: opt_string(d, "error"),
                })
                .collect(),
            None => return Err("Invalid composite result: missing array 'devices'".to_string()),
        };
        Ok(CompositeAttestationResult {
            success,
            token: opt_string(v, "token"),
            evidence: opt_string(v, "evidence"),
            error: opt_string(v, "error"),
            timestamp: v.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
            simulated: bool_or(v, "simulated", false),
            devices,
        })
    }

    /// The GPUs' results, in index order.
    pub fn gpus(&self) -> impl Iterator<Item = &DeviceResult> {
        self.devices.iter().filter(|d| d.gpu_index.is_some())
    }
}

/// Result of `measurement_log`: the run's runtime measurement log (every WGSL shader compiled and `wasi:gpu` kernel
/// kind dispatched so far, as a hash chain) and the workload digest bound into this run's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementLog {
    pub algorithm: String,
    /// The chain's value (hex).
    pub value: String,
    /// How many entries it covers.
    pub length: u64,
    /// SHA-256 of the run's workload document (hex), when the host measured the launch.
    pub workload_sha256: Option<String>,
}

impl MeasurementLog {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = json::parse(text).map_err(|e| format!("Invalid JSON from host: {}", e))?;
        Ok(MeasurementLog {
            algorithm: opt_string(&v, "algorithm").ok_or_else(|| "Invalid measurement log: missing 'algorithm'".to_string())?,
            value: opt_string(&v, "value").ok_or_else(|| "Invalid measurement log: missing 'value'".to_string())?,
            length: v.get("length").and_then(Value::as_i64).filter(|n| *n >= 0).map(|n| n as u64)
                .ok_or_else(|| "Invalid measurement log: missing 'length'".to_string())?,
            workload_sha256: opt_string(&v, "workload_sha256"),
        })
    }
}

/// Standard base64 (with or without padding) to bytes; `None` on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i as u32);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------

fn clamp_len(len: usize) -> i32 {
    // wasm32 memory is < 4 GiB, so lengths of real slices fit; never wrap silently.
    if len > i32::MAX as usize {
        i32::MAX
    } else {
        len as i32
    }
}

/// Detect the TEE the host runs in.
pub fn detect_tee_type() -> Result<TeeDetectionResult, String> {
    TeeDetectionResult::from_value(&call_json(|| unsafe { raw::detect_tee() })?)
}

/// Attest the confidential VM. `Err(error text)` when the host reports `success: false`.
pub fn attest_vm_token() -> Result<AttestationResult, String> {
    AttestationResult::from_value(&call_json(|| unsafe { raw::attest_vm() })?)?.into_result()
}

/// Attest GPU `gpu_index`. `Err(error text)` when the host reports `success: false`.
pub fn attest_gpu_token(gpu_index: u32) -> Result<AttestationResult, String> {
    AttestationResult::from_value(&call_json(|| unsafe { raw::attest_gpu(gpu_index) })?)?.into_result()
}

/// Attest the VM with a relying party's nonce bound into the evidence (TeeWasm extension).
pub fn attest_vm_token_with_nonce(nonce: &[u8]) -> Result<AttestationResult, String> {
    AttestationResult::from_value(&call_json(|| unsafe { raw::attest_vm_nonce(nonce.as_ptr(), clamp_len(nonce.len())) })?)?
        .into_result()
}

/// Attest GPU `gpu_index` with a nonce (TeeWasm extension).
pub fn attest_gpu_token_with_nonce(gpu_index: u32, nonce: &[u8]) -> Result<AttestationResult, String> {
    AttestationResult::from_value(&call_json(|| unsafe {
        raw::attest_gpu_nonce(gpu_index, nonce.as_ptr(), clamp_len(nonce.len()))
    })?)?
    .into_result()
}

/// Ask the host to verify a token (signature, expiry, issuer). `true` only for host answer 1.
pub fn verify_attestation_token(token: &str) -> bool {
    unsafe { raw::verify_token(token.as_ptr(), clamp_len(token.len())) == 1 }
}

/// Verify a token and get the details (TeeWasm extension). `Ok` also for invalid tokens
/// (`valid: false`, `reason`); `Err` only when the host gave no usable answer.
pub fn verify_attestation_token_detailed(token: &str) -> Result<TokenVerification, String> {
    TokenVerification::from_value(&call_json(|| unsafe { raw::verify_token_json(token.as_ptr(), clamp_len(token.len())) })?)
}

/// Attest the VM and every GPU over one nonce (TeeWasm extension): one result, one token with each device's claims.
/// `Ok` also when a device failed (`success: false`, `error` naming it); `Err` only when the host gave no usable answer.
pub fn attest_all(nonce: &[u8]) -> Result<CompositeAttestationResult, String> {
    CompositeAttestationResult::from_value(&call_json(|| unsafe { raw::attest_all(nonce.as_ptr(), clamp_len(nonce.len())) })?)
}

/// The run's runtime measurement log now (TeeWasm extension).
pub fn measurement_log() -> Result<MeasurementLog, String> {
    let text = unsafe { take_host_string(raw::measurement_log()) }?;
    MeasurementLog::from_json(&text)
}

/// Runs the C constructors (wasi-libc's preopen table and friends) once; call it first thing in `main`.
///
/// Debian's wasi-libc (2022-05) `_start` does not call `__wasm_call_ctors`, so wasm-ld wraps *every* export of
/// a command module, `cabi_realloc` included, in a wrapper that re-runs the constructors on each call: each
/// host call that returns a result re-registered the preopens. A program that calls `__wasm_call_ctors`
/// itself gets no wrappers (newer wasi-libc's `_start` does exactly this). Later calls do nothing.
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

/// Ask the host for the secret `name` (`repository/type/tag`, or a bare tag for `default/secret/tag`).
/// The host attests to its configured key broker (`tee-wasm run --kbs URL`), which releases the secret only when
/// its policy accepts the attestation. `Ok(bytes)` when released, `Err(reason)` otherwise (TeeWasm extension).
pub fn get_secret(name: &str) -> Result<Vec<u8>, String> {
    let r = SecretResult::from_value(&call_json(|| unsafe { raw::get_secret(name.as_ptr(), clamp_len(name.len())) })?)?;
    if r.success {
        Ok(r.secret.unwrap_or_default())
    } else {
        Err(r.error.unwrap_or_else(|| "secret not released (host gave no reason)".to_string()))
    }
}

// ---------------------------------------------------------------------------------------------
// The design document's progress lines
// ---------------------------------------------------------------------------------------------

/// The lines the original design document shows, printed by the example and benchmark guests (details may follow
/// on the next line).
pub mod lines {
    use super::{gpu_display_name, AttestationResult};

    /// After a successful VM attestation.
    pub const VM_OK: &str = "✓ VM attestation successful (TDX/SEV-SNP)";
    /// After the VM, the GPU and (in the examples) both token checks passed.
    pub const ALL_OK: &str = "✓ All attestations passed!";
    /// When the host reports that it runs in no TEE.
    pub const NO_TEE: &str = "❌ No TEE attestation available";

    /// `✓ GPU attestation successful (H100)`, with the GPU's name where the evidence has it.
    pub fn gpu_ok(result: &AttestationResult, gpu_index: u32) -> String {
        format!("✓ GPU attestation successful ({})", gpu_display_name(result, gpu_index))
    }
}

/// The GPU's model for display: the evidence's `name` (top level, as the NVML path writes it, or under `fields`, as
/// the simulator does) without a leading "NVIDIA " or a trailing " (simulated)" (`NVIDIA H100 NVL` → `H100 NVL`),
/// else nvattest's `hwmodel`, else `GPU <index>`.
pub fn gpu_display_name(result: &AttestationResult, gpu_index: u32) -> String {
    let evidence = result.evidence_json();
    let field = |key: &str| {
        let e = evidence.as_ref()?;
        let v = e.get(key).or_else(|| e.get("fields").and_then(|f| f.get(key)))?;
        v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    if let Some(name) = field("name") {
        let name = name.strip_prefix("NVIDIA ").unwrap_or(&name);
        let name = name.strip_suffix(" (simulated)").unwrap_or(name).trim();
        if !name.is_empty() {
            return name.to_string();
        }
    }
    field("hwmodel").unwrap_or_else(|| format!("GPU {}", gpu_index))
}

/// True for the host's "not in a TEE" failure (`No TEE attestation available. …`).
pub fn is_no_tee_error(error: &str) -> bool {
    error.starts_with("No TEE attestation available")
}

/// Drop the host's cached VM/GPU results and detected TEE type.
pub fn clear_attestation_cache() {
    unsafe { raw::clear_cache() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_TEE: &str = r#"{"success":false,"token":null,"evidence":null,"error":"No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?","timestamp":1763735568}"#;

    #[test]
    fn parses_failure_result() {
        let r = AttestationResult::from_json(NO_TEE).unwrap();
        assert!(!r.success);
        assert_eq!(r.token, None);
        assert_eq!(r.timestamp, 1763735568);
        assert_eq!(r.tee_type, None);
        assert!(!r.simulated);
        assert_eq!(
            r.into_result().unwrap_err(),
            "No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?"
        );
    }

    #[test]
    fn parses_success_result() {
        let t = r#"{"success":true,"token":"a.b.c","evidence":"{\"quote\":\"00\",\"quote_size\":1,\"tee_type\":\"TDX\"}","error":null,"timestamp":5,"tee_type":"Intel TDX","simulated":true}"#;
        let r = AttestationResult::from_json(t).unwrap().into_result().unwrap();
        assert_eq!(r.token.as_deref(), Some("a.b.c"));
        assert_eq!(r.tee_type.as_deref(), Some("Intel TDX"));
        assert!(r.simulated);
        assert_eq!(r.evidence_json().unwrap().get("tee_type").unwrap().as_str(), Some("TDX"));
    }

    #[test]
    fn serialization_failure_fallback_parses() {
        let r = AttestationResult::from_json(r#"{"success":false,"error":"JSON serialization failed"}"#).unwrap();
        assert_eq!(r.into_result().unwrap_err(), "JSON serialization failed");
        assert!(AttestationResult::from_json(r#"{"token":"x"}"#).is_err());
    }

    #[test]
    fn parses_detection_and_verification() {
        let d = TeeDetectionResult::from_json(r#"{"supports_attestation":true,"tee_type":"AMD SEV-SNP","simulated":true}"#).unwrap();
        assert_eq!(d.tee_type, "AMD SEV-SNP");
        assert!(d.supports_attestation && d.simulated);
        let d = TeeDetectionResult::from_json(r#"{"supports_attestation":false,"tee_type":"None"}"#).unwrap();
        assert!(!d.supports_attestation && !d.simulated);
        let v = TokenVerification::from_json(r#"{"valid":false,"reason":"expired","issuer":null,"claims":{"exp":1}}"#).unwrap();
        assert!(!v.valid);
        assert_eq!(v.reason.as_deref(), Some("expired"));
        assert_eq!(v.issuer, None);
        assert_eq!(v.claims.get("exp").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn parses_secret_results() {
        let r = SecretResult::from_json(r#"{"success":true,"name":"demo","secret":"AQID+w==","length":4}"#).unwrap();
        assert_eq!(r.secret.as_deref(), Some(&[1u8, 2, 3, 0xfb][..]));
        assert!(!format!("{:?}", r).contains("AQID"));
        let r = SecretResult::from_json(r#"{"success":false,"name":"demo","error":"policy forbids simulated platforms"}"#).unwrap();
        assert_eq!(r.error.as_deref(), Some("policy forbids simulated platforms"));
        assert!(SecretResult::from_json(r#"{"success":true,"name":"x"}"#).is_err());
        assert_eq!(base64_decode("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a$bc"), None);
        assert!(get_secret("demo").is_err());
    }

    #[test]
    fn parses_composite_results_and_the_measurement_log() {
        let ok = r#"{"success":true,"token":"a.b.c","evidence":"{}","error":null,"timestamp":9,"tee_type":"composite","simulated":true,"devices":[{"device":"VM","tee_type":"AMD SEV-SNP","success":true,"measurement":"aa","error":null},{"device":"GPU 0","gpu_index":0,"uuid":"GPU-1","tee_type":"NVIDIA GPU","success":true,"measurement":"bb","error":null}]}"#;
        let r = CompositeAttestationResult::from_json(ok).unwrap();
        assert!(r.success && r.simulated);
        assert_eq!(r.devices.len(), 2);
        assert_eq!(r.gpus().count(), 1);
        assert_eq!(r.devices[1].uuid.as_deref(), Some("GPU-1"));
        assert_eq!(r.devices[0].gpu_index, None);
        let failed = r#"{"success":false,"token":null,"evidence":null,"error":"GPU 1 (GPU-2): GPU attestation failed: x","timestamp":9,"tee_type":"composite","devices":[]}"#;
        let r = CompositeAttestationResult::from_json(failed).unwrap();
        assert!(!r.success);
        assert!(r.error.unwrap().starts_with("GPU 1"));
        assert!(CompositeAttestationResult::from_json(r#"{"success":true}"#).is_err());
        let log = MeasurementLog::from_json(r#"{"algorithm":"sha256","value":"00","length":2,"workload_sha256":null}"#).unwrap();
        assert_eq!(log.length, 2);
        assert_eq!(log.workload_sha256, None);
        assert!(MeasurementLog::from_json(r#"{"algorithm":"sha256","length":2}"#).is_err());
        assert!(attest_all(&[1, 2]).is_err());
        assert!(measurement_log().is_err());
    }

    #[test]
    fn native_stubs_fail_cleanly() {
        assert!(detect_tee_type().is_err());
        assert!(attest_vm_token().is_err());
        assert!(attest_gpu_token(0).is_err());
        assert!(!verify_attestation_token("a.b.c"));
        clear_attestation_cache();
    }

    /// The `serde` feature: the host's JSON through serde_json gives what `from_json` gives, and serializing writes
    /// the original crate's shape (all six keys, `null`s included; `simulated` only when true).
    #[cfg(feature = "serde")]
    #[test]
    fn serde_feature_matches_from_json_and_the_original_shape() {
        let r: AttestationResult = serde_json::from_str(NO_TEE).unwrap();
        assert_eq!(r, AttestationResult::from_json(NO_TEE).unwrap());
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            NO_TEE.trim_end_matches('}').to_string() + r#","tee_type":null}"#
        );
        let sim = r#"{"success":true,"token":"a.b.c","evidence":"{}","error":null,"timestamp":7,"tee_type":"AMD SEV-SNP","simulated":true}"#;
        let r: AttestationResult = serde_json::from_str(sim).unwrap();
        assert!(r.simulated && r.tee_type.as_deref() == Some("AMD SEV-SNP"));
        assert_eq!(serde_json::to_string(&r).unwrap(), sim);
        let d: TeeDetectionResult = serde_json::from_str(r#"{"supports_attestation":false,"tee_type":"None"}"#).unwrap();
        assert_eq!(d, TeeDetectionResult { tee_type: "None".into(), supports_attestation: false, simulated: false });
        assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"tee_type":"None","supports_attestation":false}"#);
        assert!(serde_json::from_str::<AttestationResult>(r#"{"token":"x"}"#).is_err()); // success is required
    }

    #[test]
    fn gpu_display_names_and_the_no_tee_error() {
        let with = |evidence: &str| AttestationResult {
            success: true,
            token: Some("t".into()),
            evidence: Some(evidence.into()),
            error: None,
            timestamp: 1,
            tee_type: None,
            simulated: false,
        };
        assert_eq!(gpu_display_name(&with(r#"{"platform":"nvidia","name":"NVIDIA H100 (simulated)"}"#), 0), "H100");
        assert_eq!(gpu_display_name(&with(r#"{"tee_type":"NVIDIA_GPU","fields":{"name":"NVIDIA H100 (simulated)"}}"#), 0), "H100");
        assert_eq!(gpu_display_name(&with(r#"{"name":"NVIDIA H100 NVL","hwmodel":"GH100 A01 GSP BROM"}"#), 0), "H100 NVL");
        assert_eq!(gpu_display_name(&with(r#"{"hwmodel":"GH100 A01 GSP BROM"}"#), 0), "GH100 A01 GSP BROM");
        assert_eq!(gpu_display_name(&with("not json"), 2), "GPU 2");
        assert_eq!(lines::gpu_ok(&with(r#"{"name":"NVIDIA H100 (simulated)"}"#), 0), "✓ GPU attestation successful (H100)");
        assert!(is_no_tee_error("No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?"));
        assert!(!is_no_tee_error("AMD SEV-SNP attestation failed: x"));
    }
}
