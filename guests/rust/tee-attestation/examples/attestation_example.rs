//! Confidential ML with TEE attestation (TeeWasm guest example).
//!
//! Flow: detect the TEE → attest the VM → attest GPU 0 → verify both tokens → only if everything
//! passed, run a tiny deterministic training step. Any attestation or verification failure prints
//! "❌ …" on stderr and exits with status 1 before any training happens. Progress lines are the design
//! document's ("✓ VM attestation successful (TDX/SEV-SNP)", "✓ GPU attestation successful (H100)",
//! "✓ All attestations passed!", "❌ No TEE attestation available"), details on the lines below them.
//!
//! Build: `cargo build --release --target wasm32-wasi --example attestation_example`

use std::process::exit;
use tee_attestation::{
    attest_gpu_token, attest_vm_token, detect_tee_type, is_no_tee_error, lines, verify_attestation_token,
    verify_attestation_token_detailed, AttestationResult,
};

fn main() {
    tee_attestation::run_constructors_once();
    println!("╔════════════════════════════════════════════════╗");
    println!("║  Confidential ML with TEE Attestation          ║");
    println!("╚════════════════════════════════════════════════╝\n");
    println!("━━━ Phase 1: Attestation ━━━\n");

    println!("🔎 [1/5] Detecting TEE...");
    match detect_tee_type() {
        Ok(d) => println!(
            "  TEE type: {} (supports attestation: {}){}",
            d.tee_type,
            if d.supports_attestation { "YES" } else { "NO" },
            if d.simulated { " [SIMULATED]" } else { "" }
        ),
        Err(e) => println!("  ⚠ TEE detection failed: {}", e),
    }

    println!("\n🔐 [2/5] Attesting VM...");
    let vm = attest_or_exit("VM", attest_vm_token(), |_| lines::VM_OK.to_string());
    println!("\n🔐 [3/5] Attesting GPU 0...");
    let gpu = attest_or_exit("GPU", attest_gpu_token(0), |r| lines::gpu_ok(r, 0));

    println!("\n🔍 [4/5] Verifying VM token...");
    verify_or_exit("VM", &vm);
    println!("\n🔍 [5/5] Verifying GPU token...");
    verify_or_exit("GPU", &gpu);

    println!("\n{}", lines::ALL_OK);
    println!("  Proceeding with ML training...\n");
    println!("━━━ Phase 2: ML Training ━━━\n");
    training_step();
}

/// The result and its token, or exit 1 (`ok_line` prints the success line).
fn attest_or_exit(
    what: &str, r: Result<AttestationResult, String>, ok_line: impl Fn(&AttestationResult) -> String,
) -> (AttestationResult, String) {
    let res = match r {
        Ok(res) => res,
        Err(e) if is_no_tee_error(&e) => {
            eprintln!("{}", lines::NO_TEE);
            eprintln!("   {} attestation failed: {}", what, e);
            exit(1);
        }
        Err(e) => {
            eprintln!("❌ {} attestation failed: {}", what, e);
            exit(1);
        }
    };
    let token = match res.token.clone() {
        Some(t) if !t.is_empty() => t,
        _ => {
            eprintln!("❌ {} attestation failed: host returned no token", what);
            exit(1);
        }
    };
    println!("{}", ok_line(&res));
    println!("  Token length: {} chars", token.chars().count());
    println!("  Timestamp: {}", res.timestamp);
    if let Some(t) = &res.tee_type {
        println!("  TEE type: {}", t);
    }
    if res.simulated {
        println!("  ⚠ SIMULATED evidence (not a real TEE)");
    }
    (res, token)
}

fn verify_or_exit(what: &str, attested: &(AttestationResult, String)) {
    let token = &attested.1;
    let valid = verify_attestation_token(token);
    let (issuer, reason) = match verify_attestation_token_detailed(token) {
        Ok(v) => (v.issuer, v.reason),
        Err(e) => (None, Some(format!("details unavailable: {}", e))),
    };
    println!("  Issuer: {}", issuer.as_deref().unwrap_or("(none)"));
    if let Some(r) = &reason {
        println!("  Reason: {}", r);
    }
    if !valid {
        eprintln!(
            "❌ {} token verification failed: {}",
            what,
            reason.as_deref().unwrap_or("host reported the token invalid")
        );
        exit(1);
    }
    println!("✓ {} token verified!", what);
}

// -------------------------------------------------------------------------------------------------
// A tiny deterministic random-forest regressor (same algorithm as the C++ example).
// -------------------------------------------------------------------------------------------------

const N_FEATURES: usize = 10;
const N_TREES: usize = 10;
const MAX_DEPTH: usize = 4;
const MAX_FEATURES: usize = 4; // ceil(sqrt(10))
const SEED: u64 = 42;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

enum Node {
    Leaf(f32),
    Split { feature: usize, threshold: f32, left: Box<Node>, right: Box<Node> },
}

fn mean(labels: &[f32], idx: &[usize]) -> f32 {
    let mut s = 0.0f32;
    for &i in idx {
        s += labels[i];
    }
    s / idx.len() as f32
}

fn sse(labels: &[f32], idx: &[usize]) -> f32 {
    let m = mean(labels, idx);
    let mut s = 0.0f32;
    for &i in idx {
        let d = labels[i] - m;
        s += d * d;
    }
    s
}

fn build(x: &[f32], y: &[f32], idx: &[usize], depth: usize, rng: &mut Rng) -> Node {
    if depth >= MAX_DEPTH || idx.len() < 2 {
        return Node::Leaf(mean(y, idx));
    }
    let mut features: Vec<usize> = (0..N_FEATURES).collect();
    for i in (1..N_FEATURES).rev() {
        let j = rng.below(i + 1);
        features.swap(i, j);
    }
    let mut best: Option<(f32, usize, f32)> = None; // (score, feature, threshold)
    for &f in &features[..MAX_FEATURES] {
        let mut vals: Vec<f32> = idx.iter().map(|&i| x[i * N_FEATURES + f]).collect();
        vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
        vals.dedup();
        for w in vals.windows(2) {
            let t = (w[0] + w[1]) / 2.0;
            let (l, r): (Vec<usize>, Vec<usize>) = idx.iter().partition(|&&i| x[i * N_FEATURES + f] <= t);
            if l.is_empty() || r.is_empty() {
                continue;
            }
            let score = sse(y, &l) + sse(y, &r);
            if best.map_or(true, |b| score < b.0) {
                best = Some((score, f, t));
            }
        }
    }
    match best {
        None => Node::Leaf(mean(y, idx)),
        Some((_, f, t)) => {
            let (l, r): (Vec<usize>, Vec<usize>) = idx.iter().partition(|&&i| x[i * N_FEATURES + f] <= t);
            Node::Split {
                feature: f,
                threshold: t,
                left: Box::new(build(x, y, &l, depth + 1, rng)),
                right: Box::new(build(x, y, &r, depth + 1, rng)),
            }
        }
    }
}

fn predict_tree(n: &Node, sample: &[f32]) -> f32 {
    match n {
        Node::Leaf(v) => *v,
        Node::Split { feature, threshold, left, right } => {
            if sample[*feature] <= *threshold {
                predict_tree(left, sample)
            } else {
                predict_tree(right, sample)
            }
        }
    }
}

fn training_step() {
    let mut x = Vec::with_capacity(4 * N_FEATURES);
    for r in 0..4 {
        for c in 0..N_FEATURES {
            x.push((r + c + 1) as f32); // rows 1..10, 2..11, 3..12, 4..13
        }
    }
    let y = [100.0f32, 120.0, 140.0, 160.0];
    let test: Vec<f32> = (0..N_FEATURES).map(|c| 2.5 + c as f32).collect(); // 2.5..11.5
    let test_label = 125.0f32;
    let n = y.len();
    println!("📂 Toy dataset: {} samples, {} features", n, N_FEATURES);
    println!("🌲 Training RandomForest ({} trees, depth {}, seed {})...", N_TREES, MAX_DEPTH, SEED);

    let mut rng = Rng(SEED);
    let mut trees = Vec::with_capacity(N_TREES);
    for _ in 0..N_TREES {
        let boot: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        trees.push(build(&x, &y, &boot, 0, &mut rng));
    }
    let mut sum = 0.0f32;
    for t in &trees {
        sum += predict_tree(t, &test);
    }
    let prediction = sum / trees.len() as f32;
    let diff = prediction - test_label;
    let mse = diff * diff;

    println!("✓ Training completed!\n");
    println!("━━━ Results ━━━\n");
    println!("Prediction: {:.2} (expected {:.2})", prediction, test_label);
    println!("Mean Squared Error: {:.2}", mse);
    println!("Number of Trees: {}", N_TREES);
    println!("Max Depth: {}", MAX_DEPTH);
    println!("✓ Training step complete");
}
