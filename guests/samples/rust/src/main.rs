//! The original design document's Rust sample, verbatim (from `#[cfg(target_arch = "wasm32")]` to the end of `main`),
//! with the `use std::error::Error;` it implies and the user's own `run_ml_training()` below it. It compiles against
//! `wasm_ml::attestation` unchanged. Without a TEE `attest_vm_token()?` returns the host's error, so `main` returns
//! `Err` and the program exits 1 before any training.
//!
//! Build: scripts/build-guests.sh (-> artifacts/guests/design_sample_rust.wasm); run: scripts/check-samples.sh.
#![allow(unused_variables)] // the sample binds results it does not use
use std::error::Error;

#[cfg(target_arch = "wasm32")]
use wasm_ml::attestation::{attest_vm_token, attest_gpu_token};

fn main() -> Result<(), Box<dyn Error>> {
    // Attest VM
    let vm_result = attest_vm_token()?;
    // Attest GPU
    let gpu_result = attest_gpu_token(0)?;
    // Procedi con ML solo se attestazione OK
    run_ml_training();
    Ok(())
}

// ---- the user's own code (not part of the design document's sample) --------------------------------------------

use wasm_ml::data::Dataset;
use wasm_ml::random_forest::RandomForest;

/// One training step on the original example's toy data (rows 1..10 … 4..13, labels 100…160), then a prediction
/// for the row 2.5..11.5 (label 125).
fn run_ml_training() {
    println!("━━━ ML training ━━━");
    let data: Vec<f32> = (0..4).flat_map(|r| (0..10).map(move |c| (r + c + 1) as f32)).collect();
    let dataset = match Dataset::new(data, vec![100.0, 120.0, 140.0, 160.0], 4, 10) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("❌ {}", e);
            std::process::exit(1);
        }
    };
    let mut rf = RandomForest::new(10, 4);
    let test: Vec<f32> = (0..10).map(|c| 2.5 + c as f32).collect();
    match rf.train(&dataset).and_then(|_| rf.predict_cpu(&test, 1, 10)) {
        Ok(p) => {
            println!("🌲 RandomForest: {} trees, depth {}, {} samples", rf.n_trees(), 4, dataset.n_samples);
            println!("Prediction: {:.2} (expected 125.00)", p[0]);
            println!("✓ Training step complete");
        }
        Err(e) => {
            eprintln!("❌ training failed: {}", e);
            std::process::exit(1);
        }
    }
}
