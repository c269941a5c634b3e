//! WGSL compute from a TeeWasm guest: a 64x64 matmul (automatic layout) and the original project's
//! bootstrap-sample shader (explicit layout: storage + uniform), both checked against CPU code.
//! Exit status 0 when both match, 1 on a mismatch or a WebGPU error (printed on stderr).
//!
//! Build: `cargo build --release --target wasm32-wasi --example webgpu_matmul`
//! Run:   `tee-wasm run webgpu_matmul.wasm`

use std::process::exit;
use tee_webgpu::{bytes_f32, bytes_u32, f32_bytes, u32_bytes, usage, BindingType, Gpu, LayoutEntry, Result};

const N: u32 = 64;

const MATMUL_WGSL: &str = r#"
struct Dims { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(8, 8)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = dims.n;
    let row = id.y;
    let col = id.x;
    if (row >= n || col >= n) { return; }
    var sum = 0.0;
    for (var k = 0u; k < n; k = k + 1u) {
        sum = sum + a[row * n + k] * b[k * n + col];
    }
    c[row * n + col] = sum;
}
"#;

// The original guests' bootstrap_sample.wgsl algorithm: per invocation a seeded xorshift index in [0, n_samples).
const BOOTSTRAP_WGSL: &str = r#"
struct Params { n_samples: u32, seed: u32 }
@group(0) @binding(0) var<storage, read_write> indices: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

fn xorshift(x: u32) -> u32 {
    var s = x;
    s = s ^ (s << 13u);
    s = s ^ (s >> 17u);
    s = s ^ (s << 5u);
    return s;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let idx = id.x;
    if (idx >= params.n_samples) { return; }
    var state = params.seed + idx * 747796405u + 2891336453u;
    state = xorshift(state);
    state = xorshift(state);
    indices[idx] = state % params.n_samples;
}
"#;

fn main() {
    tee_webgpu::run_constructors_once();
    println!("wasi:webgpu example (Rust): matmul {n}x{n} and bootstrap sampling", n = N);
    let gpu = match Gpu::new() {
        Ok(g) => g,
        Err(e) => fail(&format!("no WebGPU device: {}", e)),
    };
    let mut ok = true;
    match matmul(&gpu) {
        Ok(max_err) if max_err <= 1e-3 => println!("matmul: OK (max abs error {:.2e})", max_err),
        Ok(max_err) => {
            eprintln!("matmul: MISMATCH (max abs error {:.2e})", max_err);
            ok = false;
        }
        Err(e) => fail(&format!("matmul: {}", e)),
    }
    match bootstrap(&gpu, 1000, 42) {
        Ok(0) => println!("bootstrap-sample: OK (1000 indices match the CPU)"),
        Ok(bad) => {
            eprintln!("bootstrap-sample: MISMATCH ({} of 1000 indices differ)", bad);
            ok = false;
        }
        Err(e) => fail(&format!("bootstrap-sample: {}", e)),
    }
    match broken_shader(&gpu) {
        Ok(msg) => println!("broken shader refused: {}", msg),
        Err(e) => fail(&e),
    }
    if !ok {
        exit(1);
    }
    println!("all checks passed");
}

fn fail(message: &str) -> ! {
    eprintln!("error: {}", message);
    exit(1)
}

fn matmul(gpu: &Gpu) -> Result<f32> {
    let n = N as usize;
    let a: Vec<f32> = (0..n * n).map(|i| ((i * 7) % 13) as f32 * 0.25 - 1.5).collect();
    let b: Vec<f32> = (0..n * n).map(|i| ((i * 5) % 11) as f32 * 0.5 - 2.0).collect();
    let bytes = (n * n * 4) as u64;

    let ba = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_DST)?;
    let bb = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_DST)?;
    let bc = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_SRC)?;
    let dims = gpu.create_buffer(16, usage::UNIFORM | usage::COPY_DST)?;
    let readback = gpu.create_buffer(bytes, usage::MAP_READ | usage::COPY_DST)?;
    gpu.write_buffer(&ba, 0, &f32_bytes(&a))?;
    gpu.write_buffer(&bb, 0, &f32_bytes(&b))?;
    gpu.write_buffer(&dims, 0, &u32_bytes(&[N, 0, 0, 0]))?;

    let module = gpu.create_shader_module(MATMUL_WGSL)?;
    let pipeline = gpu.create_compute_pipeline(&module, "matmul", None)?; // layout: auto
    let group = gpu.create_bind_group_for(&pipeline, &[&ba, &bb, &bc, &dims])?;
    let mut encoder = gpu.create_command_encoder()?;
    encoder.dispatch(&pipeline, Some(&group), (N + 7) / 8, (N + 7) / 8, 1)?;
    encoder.copy_buffer_to_buffer(&bc, 0, &readback, 0, bytes)?;
    gpu.submit(encoder)?;
    let c = bytes_f32(&gpu.read_buffer(&readback, 0, bytes)?);

    let mut max_err = 0f32;
    for row in 0..n {
        for col in 0..n {
            let mut sum = 0f32;
            for k in 0..n {
                sum += a[row * n + k] * b[k * n + col];
            }
            max_err = max_err.max((sum - c[row * n + col]).abs());
        }
    }
    Ok(max_err)
}

fn bootstrap(gpu: &Gpu, n_samples: u32, seed: u32) -> Result<usize> {
    let bytes = n_samples as u64 * 4;
    let indices = gpu.create_buffer(bytes, usage::STORAGE | usage::COPY_SRC)?;
    let params = gpu.create_buffer(16, usage::UNIFORM | usage::COPY_DST)?;
    let readback = gpu.create_buffer(bytes, usage::MAP_READ | usage::COPY_DST)?;
    gpu.write_buffer(&params, 0, &u32_bytes(&[n_samples, seed, 0, 0]))?;

    let layout = gpu.create_bind_group_layout(&[
        LayoutEntry { binding: 0, ty: BindingType::Storage, min_size: 0 },
        LayoutEntry { binding: 1, ty: BindingType::Uniform, min_size: 8 },
    ])?;
    let module = gpu.create_shader_module(BOOTSTRAP_WGSL)?;
    let pipeline = gpu.create_compute_pipeline(&module, "main", Some(&layout))?;
    let group = gpu.create_bind_group(&layout, &[&indices, &params])?;
    let mut encoder = gpu.create_command_encoder()?;
    encoder.dispatch(&pipeline, Some(&group), (n_samples + 255) / 256, 1, 1)?;
    encoder.copy_buffer_to_buffer(&indices, 0, &readback, 0, bytes)?;
    gpu.submit(encoder)?;
    let got = bytes_u32(&gpu.read_buffer(&readback, 0, bytes)?);

    let xorshift = |mut s: u32| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    let mismatches = (0..n_samples)
        .filter(|&i| {
            let state = xorshift(xorshift(seed.wrapping_add(i.wrapping_mul(747_796_405)).wrapping_add(2_891_336_453)));
            got[i as usize] != state % n_samples
        })
        .count();
    Ok(mismatches)
}

/// A shader with a type error must be refused with the compiler's line:column.
fn broken_shader(gpu: &Gpu) -> std::result::Result<String, String> {
    match gpu.create_shader_module("@compute @workgroup_size(1)\nfn main() {\n    let x: u32 = 1.5;\n}\n") {
        Ok(_) => Err("a broken shader compiled".to_string()),
        Err(e) if e.message.contains("3:") => Ok(e.message),
        Err(e) => Err(format!("compiler message without line 3: {}", e)),
    }
}
