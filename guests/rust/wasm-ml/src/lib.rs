//! `wasm-ml`: the random-forest benchmark guest (library part; the binary is `wasm-ml-benchmark`).
//!
//! The original crate's paths are here too, for guests written against it: [`attestation`] (the
//! `wasmtime_attestation` bindings), [`random_forest::RandomForest`] and [`data::Dataset`].
pub mod aes_gcm;
pub mod attestation;
pub mod data;
pub mod forest;
pub mod random_forest;
pub mod rng;
pub mod wasi_gpu;

/// Minimal JSON string escaping (RFC 8259).
pub fn json_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::json_escape("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
