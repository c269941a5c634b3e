//! Guest-driven WGSL matmul timing (the guest side of bench/TeeWasm.WebGpuBench).
//! Usage: `webgpu_bench N ITERATIONS` — one warm-up round, then ITERATIONS rounds of
//! write A and B → dispatch → copy → map and read C; prints `guest n=N median_ms=... gflops=...`.
//! With N = 0 it instead times 2000 4-byte `queue-write-buffer` calls (the per-call cost of the boundary).

use std::time::Instant;
use tee_webgpu::{bytes_f32, f32_bytes, u32_bytes, usage, Gpu, Result};

const MATMUL_WGSL: &str = r#"
struct Dims { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(8, 8)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = dims.n;
    if (id.y >= n || id.x >= n) { return; }
    var sum = 0.0;
    for (var k = 0u; k < n; k = k + 1u) {
        sum = sum + a[id.y * n + k] * b[k * n + id.x];
    }
    c[id.y * n + id.x] = sum;
}
"#;

fn main() {
    tee_webgpu::run_constructors_once();
    let args: Vec<String> = std::env::args().collect();
    let n: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let iterations: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let result = if n == 0 { small_writes() } else { run(n, iterations) };
    match result {
        Ok(()) => {}
        Err(e) => {
            eprintln!("error: {}", e);
            std::process::exit(1);
        }
    }
}

fn small_writes() -> Result<()> {
    let gpu = Gpu::new()?;
    let buffer = gpu.create_buffer(256, usage::STORAGE | usage::COPY_DST)?;
    let data = [1u8, 2, 3, 4];
    for _ in 0..200 {
        gpu.write_buffer(&buffer, 0, &data)?;
    }
    let calls = 2000;
    let start = Instant::now();
    for _ in 0..calls {
        gpu.write_buffer(&buffer, 0, &data)?;
    }
    println!("guest write4_us={:.2} (queue-write-buffer + get-last-error)", start.elapsed().as_secs_f64() * 1e6 / calls as f64);
    Ok(())
}

fn run(n: u32, iterations: usize) -> Result<()> {
    let gpu = Gpu::new()?;
    let count = (n * n) as usize;
    let bytes = count as u64 * 4;
    let a: Vec<f32> = (0..count).map(|i| (i % 7) as f32 * 0.5).collect();
    let b: Vec<f32> = (0..count).map(|i| (i % 5) as f32 * 0.25).collect();
    let (a_bytes, b_bytes) = (f32_bytes(&a), f32_bytes(&b));
    let ba = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_DST)?;
    let bb = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_DST)?;
    let bc = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_SRC)?;
    let dims = gpu.create_buffer(16, usage::UNIFORM | usage::COPY_DST)?;
    let readback = gpu.create_buffer(bytes, usage::MAP_READ | usage::COPY_DST)?;
    gpu.write_buffer(&dims, 0, &u32_bytes(&[n, 0, 0, 0]))?;
    let module = gpu.create_shader_module(MATMUL_WGSL)?;
    let pipeline = gpu.create_compute_pipeline(&module, "matmul", None)?;
    let group = gpu.create_bind_group_for(&pipeline, &[&ba, &bb, &bc, &dims])?;

    let mut times = Vec::new();
    let mut checksum = 0f32;
    for round in 0..=iterations {
        let start = Instant::now();
        gpu.write_buffer(&ba, 0, &a_bytes)?;
        gpu.write_buffer(&bb, 0, &b_bytes)?;
        let mut encoder = gpu.create_command_encoder()?;
        encoder.dispatch(&pipeline, Some(&group), (n + 7) / 8, (n + 7) / 8, 1)?;
        encoder.copy_buffer_to_buffer(&bc, 0, &readback, 0, bytes)?;
        gpu.submit(encoder)?;
        let c = bytes_f32(&gpu.read_buffer(&readback, 0, bytes)?);
        checksum = c[count - 1];
        if round > 0 {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        } else {
            println!("guest n={} first_round_ms={:.1}", n, start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let median = times[times.len() / 2];
    let gflops = 2.0 * (n as f64).powi(3) / (median / 1000.0) / 1e9;
    println!("guest n={} median_ms={:.2} gflops={:.2} checksum={}", n, median, gflops, checksum);
    Ok(())
}
