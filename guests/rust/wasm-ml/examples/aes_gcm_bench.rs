//! Decryption cost of `wasm_ml::aes_gcm` on `tee-wasm kbs encrypt` files (the secure-training demo's data set).
//!
//! Usage: `aes_gcm_bench --key-file K [--reps N] FILE.enc...` — K holds the 32-byte key (raw, or 64 hex digits).
//! For every file: the tag check + decryption (`open_secret_file`) `N` times (default 20), then the minimum and the
//! median in ms and MB/s. The same source runs natively (`cargo run --release --example aes_gcm_bench -- …`) and as
//! a wasm guest (`tee-wasm run --dir DIR::data aes_gcm_bench_rust.wasm -- --key-file data/key data/….enc`);
//! `bench/aes-gcm.sh` runs both. Exit 1 when a file does not open (wrong key, altered file), 2 for bad arguments.

use std::process::exit;
use std::time::Instant;
use wasm_ml::aes_gcm;

fn usage(msg: &str) -> ! {
    eprintln!("aes_gcm_bench: {}", msg);
    eprintln!("usage: aes_gcm_bench --key-file K [--reps N] FILE.enc...");
    exit(2)
}

fn read_key(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| usage(&format!("cannot read the key file {}: {}", path, e)));
    if bytes.len() == 32 {
        return bytes;
    }
    let text = String::from_utf8_lossy(&bytes);
    let hex = text.trim();
    if hex.len() == 64 && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    }
    usage(&format!("{}: expected 32 raw bytes or 64 hex digits, got {} bytes", path, bytes.len()))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut key, mut reps, mut files) = (None, 20usize, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--key-file" => key = Some(read_key(&args.next().unwrap_or_else(|| usage("--key-file needs a file")))),
            "--reps" => {
                reps = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| usage("--reps needs a positive number"))
            }
            f if f.starts_with("--") => usage(&format!("unknown option {}", f)),
            f => files.push(f.to_string()),
        }
    }
    let key = key.unwrap_or_else(|| usage("--key-file is required"));
    if files.is_empty() {
        usage("no files given");
    }
    let (mut total_bytes, mut total_min) = (0usize, 0.0f64);
    for path in &files {
        let data = std::fs::read(path).unwrap_or_else(|e| {
            eprintln!("aes_gcm_bench: cannot read {}: {}", path, e);
            exit(1)
        });
        let mut times = Vec::with_capacity(reps);
        for _ in 0..reps {
            let t = Instant::now();
            let plain = aes_gcm::open_secret_file(&key, &data).unwrap_or_else(|e| {
                eprintln!("aes_gcm_bench: {}: {}", path, e);
                exit(1)
            });
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(plain.len() + 28, data.len());
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (min, median) = (times[0], times[times.len() / 2]);
        println!(
            "{}: {} bytes, decrypt+verify min {:.3} ms, median {:.3} ms ({} reps), {:.2} MB/s",
            path,
            data.len(),
            min,
            median,
            reps,
            data.len() as f64 / 1e3 / min
        );
        total_bytes += data.len();
        total_min += min;
    }
    println!("total: {} bytes in {:.3} ms (sum of minima), {:.2} MB/s", total_bytes, total_min, total_bytes as f64 / 1e3 / total_min);
}
