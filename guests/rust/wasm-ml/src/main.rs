//! wasm-ml-benchmark: random-forest regression on the diabetes set, GPU path through `wasi:gpu` when a
//! device is present, TEE attestation through `wasmtime_attestation`, the original benchmark output.
//!
//! Usage: wasm-ml-benchmark [--seed N] [--data DIR] [--cpu] [--gpu-min-rows N] [--data-key NAME] [--model-out FILE]
//!   --seed N          RNG seed (u64, default 42): the same seed gives the same forest and MSE
//!   --data DIR        directory holding diabetes_train.csv / diabetes_test.csv (default: data)
//!   --cpu             take the CPU path even when a device is present
//!   --data-key NAME   read DIR/diabetes_{train,test}.csv.enc instead (`tee-wasm kbs encrypt`: 12-byte nonce ‖
//!                     AES-256-GCM ciphertext ‖ 16-byte tag) and decrypt them in the guest with the 32-byte key
//!                     `get_secret(NAME)` returns. A refused key, a wrong key or an altered file stops the guest
//!                     (exit 1, before any training): unlike attestation failures, which the benchmark only reports.
//!   --gpu-min-rows N  GPU path: nodes with fewer rows are split in the guest (default 128; 0 = all on the device)
//!   --model-out FILE  write the trained forest to FILE (text: one line per node), e.g. into a preopened directory

use std::io::Write;
use std::process::exit;
use std::time::Instant;

use tee_attestation::lines;
use wasm_ml::aes_gcm;
use wasm_ml::data::Dataset;
use wasm_ml::forest::{self, CpuTrainer, GpuTrainer, Params, RandomForest};
use wasm_ml::json_escape;
use wasm_ml::rng::Xoshiro256pp;
use wasm_ml::wasi_gpu;

const DEFAULT_SEED: u64 = 42;
const N_FEATURES: usize = 10;

struct Args {
    seed: u64,
    data_dir: String,
    force_cpu: bool,
    data_key: Option<String>,
    gpu_min_rows: usize,
    model_out: Option<String>,
}

fn usage() -> ! {
    eprintln!("usage: wasm-ml-benchmark [--seed N] [--data DIR] [--cpu] [--gpu-min-rows N] [--data-key NAME] [--model-out FILE]");
    exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        seed: DEFAULT_SEED,
        data_dir: "data".to_string(),
        force_cpu: false,
        data_key: None,
        gpu_min_rows: forest::DEFAULT_MIN_DEVICE_ROWS,
        model_out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seed" => match it.next().and_then(|v| v.parse().ok()) {
                Some(s) => a.seed = s,
                None => {
                    eprintln!("--seed needs an unsigned integer");
                    usage()
                }
            },
            "--data" => a.data_dir = it.next().unwrap_or_else(|| usage()),
            "--cpu" => a.force_cpu = true,
            "--data-key" => a.data_key = Some(it.next().unwrap_or_else(|| usage())),
            "--model-out" => a.model_out = Some(it.next().unwrap_or_else(|| usage())),
            "--gpu-min-rows" => match it.next().and_then(|v| v.parse().ok()) {
                Some(n) => a.gpu_min_rows = n,
                None => {
                    eprintln!("--gpu-min-rows needs an unsigned integer");
                    usage()
                }
            },
            "-h" | "--help" => {
                println!("usage: wasm-ml-benchmark [--seed N] [--data DIR] [--cpu] [--gpu-min-rows N] [--data-key NAME] [--model-out FILE]   (default seed {})", DEFAULT_SEED);
                exit(0)
            }
            _ => {
                eprintln!("unknown argument '{}'", arg);
                usage()
            }
        }
    }
    a
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn load(path: &str) -> Dataset {
    match Dataset::load_csv(path, N_FEATURES) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("❌ Failed to load dataset: {}", e);
            exit(1)
        }
    }
}

/// `--data-key NAME`: the key from the broker, then both encrypted files decrypted (tag checked) and parsed.
fn load_encrypted(dir: &str, name: &str) -> (Dataset, Dataset) {
    println!("\n=== ENCRYPTED DATA ===");
    let mut key = match tee_attestation::get_secret(name) {
        Ok(k) => k,
        Err(reason) => {
            println!("[DATA] Key '{}': REFUSED", name);
            eprintln!("❌ The key broker did not release the data key '{}': {}", name, reason);
            exit(1)
        }
    };
    println!("[DATA] Key '{}': released by the key broker ({} bytes)", name, key.len());
    let open = |file: &str| -> Dataset {
        let path = format!("{}/{}.enc", dir, file);
        let r = std::fs::read(&path)
            .map_err(|e| format!("cannot read {}: {}", path, e))
            .and_then(|bytes| aes_gcm::open_secret_file(&key, &bytes).map_err(|e| format!("{}: {}", path, e)))
            .and_then(|plain| String::from_utf8(plain).map_err(|_| format!("{}: the decrypted data is not UTF-8", path)))
            .and_then(|text| Dataset::parse_csv(&text, N_FEATURES).map_err(|e| format!("{}: {}", path, e)));
        match r {
            Ok(d) => {
                println!("[DATA] {}: decrypted, tag verified ({} samples)", path, d.n_samples);
                d
            }
            Err(e) => {
                eprintln!("❌ Failed to load encrypted dataset: {}", e);
                exit(1)
            }
        }
    };
    let train = open("diabetes_train.csv");
    let test = open("diabetes_test.csv");
    for b in key.iter_mut() {
        *b = 0;
    }
    (train, test)
}

fn token_len(r: &tee_attestation::AttestationResult) -> usize {
    r.token.as_ref().or(r.evidence.as_ref()).map_or(0, |t| t.len())
}

fn main() {
    tee_attestation::run_constructors_once();
    let args = parse_args();
    println!("╔════════════════════════════════════════════════════════════╗");
    println!("║   WASM ML Benchmark (Rust) - RandomForest on Diabetes      ║");
    println!("╚════════════════════════════════════════════════════════════╝");

    // --- GPU information ---------------------------------------------------------------------
    println!("\n=== GPU INFORMATION ===");
    let dev = wasi_gpu::get_device_info();
    let gpu_available = dev.is_available();
    if gpu_available {
        println!("[GPU] Device: {}", dev.name);
        println!("[GPU] Backend: {}", dev.backend);
        println!("[GPU] Memory: {} MB", dev.total_memory / (1024 * 1024));
        println!("[GPU] Hardware: {}", if dev.is_hardware { "YES ✓" } else { "NO (software/CPU backend)" });
        if !dev.compute_capability.is_empty() {
            println!("[GPU] Compute capability: {}", dev.compute_capability);
        }
    } else {
        println!("[GPU] No GPU device available (CPU mode)");
    }
    let use_gpu = gpu_available && !args.force_cpu;
    if gpu_available && args.force_cpu {
        println!("[GPU] --cpu given: the device is not used");
    }
    let (gpu_device, gpu_backend) =
        if gpu_available { (dev.name.clone(), dev.backend.clone()) } else { ("N/A".to_string(), "N/A".to_string()) };

    // --- TEE attestation (failures are reported, never fatal) ---------------------------------
    println!("\n=== TEE ATTESTATION ===");
    let t_att = Instant::now();
    let (tee_type, tee_available) = match tee_attestation::detect_tee_type() {
        Ok(t) => (t.tee_type, t.supports_attestation),
        Err(e) => {
            println!("[TEE] Detection failed: {}", e);
            ("Unknown".to_string(), false)
        }
    };
    println!("[TEE] Type: {}", tee_type);
    println!("[TEE] Supports attestation: {}", if tee_available { "YES" } else { "NO" });
    // The design document's lines, then the original benchmark's [TEE] line with the detail.
    let vm = tee_attestation::attest_vm_token();
    match &vm {
        Ok(r) => println!("{}\n[TEE] VM attestation: OK (token: {} chars)", lines::VM_OK, token_len(r)),
        Err(e) if tee_attestation::is_no_tee_error(e) => println!("{}\n[TEE] VM attestation: SKIPPED ({})", lines::NO_TEE, e),
        Err(e) => println!("[TEE] VM attestation: SKIPPED ({})", e),
    }
    let gpu = tee_attestation::attest_gpu_token(0);
    match &gpu {
        Ok(r) => println!("{}\n[TEE] GPU attestation: OK (token: {} chars)", lines::gpu_ok(r, 0), token_len(r)),
        Err(e) => println!("[TEE] GPU attestation: SKIPPED ({})", e),
    }
    if vm.is_ok() && gpu.is_ok() {
        println!("{}", lines::ALL_OK);
    }
    let attestation_ms = ms(t_att);
    println!("[TIMING] Attestation: {:.2} ms", attestation_ms);

    // --- Encrypted data (--data-key): before any training; a refusal is fatal ----------------------
    let (train, test) = match &args.data_key {
        Some(name) => {
            let (tr, te) = load_encrypted(&args.data_dir, name);
            (tr, Some(te))
        }
        None => (load(&format!("{}/diabetes_train.csv", args.data_dir)), None),
    };

    // --- Training -----------------------------------------------------------------------------
    println!("\n=== TRAINING ===");
    let params = Params::benchmark(train.n_features);
    println!("[TRAIN] Dataset: {} samples, {} features", train.n_samples, train.n_features);
    println!("[TRAIN] Model: RandomForest ({} trees, depth {})", params.n_trees, params.max_depth);
    println!("[TRAIN] Features per split: {} of {}", params.max_features, train.n_features);
    println!("[TRAIN] Seed: {}", args.seed);
    let _ = std::io::stdout().flush();
    let t_train = Instant::now();
    let mut train_on_gpu = false;
    let mut model: Option<RandomForest> = None;
    if use_gpu {
        let mut rng = Xoshiro256pp::seed_from_u64(args.seed);
        let r = GpuTrainer::new(&train).and_then(|mut g| {
            g.min_device_rows = args.gpu_min_rows;
            let m = RandomForest::train(&train, params, &mut g, &mut rng, |n| {
                if n % 10 == 0 {
                    eprintln!("Trained {}/{} trees (GPU)", n, params.n_trees)
                }
            })?;
            Ok((m, g.kernel_calls))
        });
        match r {
            Ok((m, calls)) => {
                println!("[TRAIN] Accelerator: GPU");
                println!("[TRAIN] Kernel launches: {} (nodes of >= {} rows on the device)", calls, args.gpu_min_rows);
                train_on_gpu = true;
                model = Some(m);
            }
            Err(e) => println!("[TRAIN] GPU training failed ({}); falling back to CPU", e),
        }
    }
    let model = match model {
        Some(m) => m,
        None => {
            println!("[TRAIN] Accelerator: CPU");
            let mut rng = Xoshiro256pp::seed_from_u64(args.seed);
            RandomForest::train(&train, params, &mut CpuTrainer::default(), &mut rng, |n| {
                if n % 10 == 0 {
                    eprintln!("Trained {}/{} trees (CPU)", n, params.n_trees)
                }
            })
            .expect("the CPU trainer does not fail")
        }
    };
    let training_ms = ms(t_train);
    let nodes: usize = model.trees.iter().map(|t| t.nodes.len()).sum();
    println!("[TRAIN] Nodes: {} (max depth reached: {})", nodes, model.trees.iter().map(|t| t.depth()).max().unwrap_or(0));
    println!("[TIMING] Training: {:.2} ms", training_ms);
    if let Some(path) = &args.model_out {
        match std::fs::write(path, model.to_text()) {
            Ok(()) => println!("[TRAIN] Model written to {}", path),
            Err(e) => {
                eprintln!("❌ Cannot write the model to {}: {}", path, e);
                exit(1)
            }
        }
    }

    // --- Inference ----------------------------------------------------------------------------
    println!("\n=== INFERENCE ===");
    let test = test.unwrap_or_else(|| load(&format!("{}/diabetes_test.csv", args.data_dir)));
    println!("[INFER] Test set: {} samples", test.n_samples);
    let t_inf = Instant::now();
    let mut how = "CPU";
    let mut preds = None;
    if use_gpu {
        match model.predict_gpu(&test.data) {
            Ok(p) => {
                how = "GPU";
                preds = Some(p)
            }
            Err(e) => {
                println!("[INFER] kernel-batch-predict failed ({}); trying kernel-average", e);
                match model.predict_gpu_average(&test.data) {
                    Ok(p) => {
                        how = "GPU (kernel-average)";
                        preds = Some(p)
                    }
                    Err(e) => println!("[INFER] kernel-average failed ({}); CPU inference", e),
                }
            }
        }
    }
    let preds = preds.unwrap_or_else(|| model.predict_cpu(&test.data));
    let inference_ms = ms(t_inf);
    let mse = forest::mse(&preds, &test.labels);
    println!("[INFER] Accelerator: {}", how);
    println!("[TIMING] Inference: {:.2} ms", inference_ms);
    println!("[INFER] MSE: {:.4}", mse);

    // --- Report -------------------------------------------------------------------------------
    println!("\n╔════════════════════════════════════════════════════════════╗");
    println!("║                     BENCHMARK RESULTS                      ║");
    println!("╚════════════════════════════════════════════════════════════╝");
    println!("  Language:     Rust");
    println!("  GPU:          {} ({})", gpu_device, gpu_backend);
    println!("  TEE:          {} (attestation: {})", tee_type, if tee_available { "yes" } else { "no" });
    println!("  Training:     {:.2} ms ({})", training_ms, if train_on_gpu { "GPU" } else { "CPU" });
    println!("  Inference:    {:.2} ms ({})", inference_ms, how);
    println!("  Attestation:  {:.2} ms", attestation_ms);
    println!("  MSE:          {:.4}", mse);
    println!();
    println!("### BENCHMARK_JSON ###");
    println!(
        "{{\"language\":\"rust\",\"gpu_device\":{},\"gpu_backend\":{},\"tee_type\":{},\"gpu_available\":{},\"tee_available\":{},\"attestation_ms\":{:.2},\"training_ms\":{:.2},\"inference_ms\":{:.2},\"mse\":{:.4},\"train_samples\":{},\"test_samples\":{}}}",
        json_escape(&gpu_device),
        json_escape(&gpu_backend),
        json_escape(&tee_type),
        gpu_available,
        tee_available,
        attestation_ms,
        training_ms,
        inference_ms,
        mse,
        train.n_samples,
        test.n_samples
    );
    println!("### END_BENCHMARK_JSON ###");
    println!("\n✅ Benchmark completed successfully!");
}
