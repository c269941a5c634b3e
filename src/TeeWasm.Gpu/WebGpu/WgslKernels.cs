using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.WebGpu;

/// <summary>
/// The WGSL compute shaders of the WebGPU backend. Every kernel binds a 32-byte uniform of parameters at binding 0
/// (eight 32-bit words, f32 ones stored as their bits) and its storage buffers from binding 1 up, in the order the
/// backend lists them. One-dimensional kernels run 256 invocations per workgroup on a two-dimensional grid of
/// workgroups (x at most 65535) and take <c>gid.x + gid.y * 256 * num_workgroups.x</c> as their index.
/// </summary>
internal static class WgslKernels
{
    /// <summary>Invocations per workgroup of the one-dimensional kernels.</summary>
    public const uint WorkgroupSize = 256;

    /// <summary>Side of the block of C one matmul workgroup (16×16 invocations, 4×4 each) computes.</summary>
    public const uint Tile = 64;


    /// <summary>Bindings: uniform (n, seed, max_index), output u32.</summary>
    public const string Bootstrap = """
        struct P { n: u32, seed: u32, max_index: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read_write> out_idx: array<u32>;

        fn xorshift(x0: u32) -> u32 {
            var x = x0;
            x = x ^ (x << 13u);
            x = x ^ (x >> 17u);
            x = x ^ (x << 5u);
            return x;
        }

        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
            let i = g.x + g.y * nw.x * 256u;
            if (i >= p.n) { return; }
            let state = p.seed + i * 747796405u + 2891336453u;
            out_idx[i] = xorshift(xorshift(state)) % p.max_index;
        }
        """;

    /// <summary>Bindings: uniform (n_trees, n_samples), input, output.</summary>
    public const string Average = """
        struct P { n_trees: u32, n_samples: u32, w2: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> input: array<f32>;
        @group(0) @binding(2) var<storage, read_write> output: array<f32>;

        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
            let s = g.x + g.y * nw.x * 256u;
            if (s >= p.n_samples) { return; }
            let base = s * p.n_trees;
            var sum = 0.0;
            var c = 0.0; // Kahan compensation
            for (var t = 0u; t < p.n_trees; t = t + 1u) {
                let y = input[base + t] - c;
                let u = sum + y;
                c = (u - sum) - y;
                sum = u;
            }
            output[s] = sum / f32(p.n_trees);
        }
        """;

    /// <summary>Bindings: uniform (n, op), a, b, output. Ops follow <see cref="ElementwiseOp"/>.</summary>
    public const string Elementwise = """
        struct P { n: u32, op: u32, w2: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> a: array<f32>;
        @group(0) @binding(2) var<storage, read> b: array<f32>;
        @group(0) @binding(3) var<storage, read_write> output: array<f32>;

        fn tanh_precise(x: f32) -> f32 {
            let ax = abs(x);
            if (ax < 0.0004) { return x; }
            if (ax > 9.0) { return sign(x); }
            let e = exp(-2.0 * ax);
            return sign(x) * (1.0 - e) / (1.0 + e);
        }

        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
            let i = g.x + g.y * nw.x * 256u;
            if (i >= p.n) { return; }
            let x = a[i];
            var r: f32;
            switch (p.op) {
                case 0u: { r = max(x, 0.0); }
                case 1u: { r = 1.0 / (1.0 + exp(-x)); }
                case 2u: { r = tanh_precise(x); }
                case 3u: { r = x + b[i]; }
                case 4u: { r = x * b[i]; }
                case 5u: { r = sqrt(x); }
                case 6u: { r = exp(x); }
                default: { r = log(x); }
            }
            output[i] = r;
        }
        """;

    /// <summary>
    /// Row-major <c>C = alpha*op(A)*op(B) + beta*C</c>. A 16×16 workgroup computes a 64×64 block of C, each invocation a
    /// 4×4 register block (rows <c>ly + 16i</c>, columns <c>lx + 16j</c>); 64×16 slices of op(A) and 16×64 of op(B) are
    /// staged in workgroup memory per 16-deep k step, so a barrier serves 16 times the multiply-adds of a plain
    /// 16×16 tile (barriers are what software adapters such as lavapipe are slow at). Transposes are index math on
    /// the loads. Bindings: uniform (m, k, n, trans_a, trans_b, alpha, beta, row0), a, b, c. The grid is (⌈n/64⌉,
    /// rows/64) from row <c>row0</c>.
    /// </summary>
    public const string Matmul = """
        struct P { m: u32, k: u32, n: u32, trans_a: u32, trans_b: u32, alpha: f32, beta: f32, row0: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> a: array<f32>;
        @group(0) @binding(2) var<storage, read> b: array<f32>;
        @group(0) @binding(3) var<storage, read_write> c: array<f32>;

        var<workgroup> ta: array<array<f32, 16>, 64>;
        var<workgroup> tb: array<array<f32, 64>, 16>;

        fn load_a(row: u32, kk: u32) -> f32 {
            if (row >= p.m || kk >= p.k) { return 0.0; }
            if (p.trans_a != 0u) { return a[kk * p.m + row]; }
            return a[row * p.k + kk];
        }

        fn load_b(kk: u32, col: u32) -> f32 {
            if (col >= p.n || kk >= p.k) { return 0.0; }
            if (p.trans_b != 0u) { return b[col * p.k + kk]; }
            return b[kk * p.n + col];
        }

        fn store(row: u32, col0: u32, acc: vec4<f32>) {
            if (row >= p.m) { return; }
            for (var j = 0u; j < 4u; j = j + 1u) {
                let col = col0 + 16u * j;
                if (col < p.n) {
                    let o = row * p.n + col;
                    var r = p.alpha * acc[j];
                    if (p.beta != 0.0) { r = r + p.beta * c[o]; }
                    c[o] = r;
                }
            }
        }

        @compute @workgroup_size(16, 16)
        fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
            let row0 = p.row0 + wg.y * 64u;
            let col0 = wg.x * 64u;
            var acc0 = vec4<f32>(0.0);
            var acc1 = vec4<f32>(0.0);
            var acc2 = vec4<f32>(0.0);
            var acc3 = vec4<f32>(0.0);
            var tiles = (p.k + 15u) / 16u;
            if (p.alpha == 0.0) { tiles = 0u; }
            for (var t = 0u; t < tiles; t = t + 1u) {
                for (var i = 0u; i < 4u; i = i + 1u) {
                    ta[l.y + 16u * i][l.x] = load_a(row0 + l.y + 16u * i, t * 16u + l.x);
                    tb[l.y][l.x + 16u * i] = load_b(t * 16u + l.y, col0 + l.x + 16u * i);
                }
                workgroupBarrier();
                for (var kk = 0u; kk < 16u; kk = kk + 1u) {
                    let bv = vec4<f32>(tb[kk][l.x], tb[kk][l.x + 16u], tb[kk][l.x + 32u], tb[kk][l.x + 48u]);
                    acc0 = fma(vec4<f32>(ta[l.y][kk]), bv, acc0);
                    acc1 = fma(vec4<f32>(ta[l.y + 16u][kk]), bv, acc1);
                    acc2 = fma(vec4<f32>(ta[l.y + 32u][kk]), bv, acc2);
                    acc3 = fma(vec4<f32>(ta[l.y + 48u][kk]), bv, acc3);
                }
                workgroupBarrier();
            }
            store(row0 + l.y, col0 + l.x, acc0);
            store(row0 + l.y + 16u, col0 + l.x, acc1);
            store(row0 + l.y + 32u, col0 + l.x, acc2);
            store(row0 + l.y + 48u, col0 + l.x, acc3);
        }
        """;

    /// <summary>
    /// Two-level reduction. <c>partial</c>: workgroup w folds elements w*256+lid, strided by the whole grid, then
    /// reduces in workgroup memory to <c>partials[w]</c> (mode 0 sum, 1 max, 2 min, 3 squared deviations from
    /// <c>stats[0]</c>). <c>finish</c>: one workgroup folds the <c>groups</c> partials and writes the result to
    /// <c>output[0]</c> (sums divided by <c>divisor</c>) and <c>stats[0]</c>. Bindings: uniform (n, mode, groups, divisor), input,
    /// partials, stats, output. Sums are Kahan-compensated in each invocation.
    /// </summary>
    public const string Reduce = """
        struct P { n: u32, mode: u32, groups: u32, divisor: f32, w4: u32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> input: array<f32>;
        @group(0) @binding(2) var<storage, read_write> partials: array<f32>;
        @group(0) @binding(3) var<storage, read_write> stats: array<f32>;
        @group(0) @binding(4) var<storage, read_write> output: array<f32>;

        var<workgroup> shared_v: array<f32, 256>;

        fn combine(x: f32, y: f32) -> f32 {
            if (p.mode == 1u) { return max(x, y); }
            if (p.mode == 2u) { return min(x, y); }
            return x + y;
        }

        fn tree(lid: u32, v: f32) -> f32 {
            shared_v[lid] = v;
            workgroupBarrier();
            for (var s = 128u; s > 0u; s = s >> 1u) {
                if (lid < s) { shared_v[lid] = combine(shared_v[lid], shared_v[lid + s]); }
                workgroupBarrier();
            }
            return shared_v[0];
        }

        @compute @workgroup_size(256)
        fn partial(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
                   @builtin(num_workgroups) nw: vec3<u32>) {
            let lid = l.x;
            let stride = nw.x * 256u;
            var i = wg.x * 256u + lid;
            var acc = 0.0;
            var comp = 0.0;
            var have = false;
            let mean = stats[0];
            while (i < p.n) {
                var x = input[i];
                if (p.mode == 3u) { x = (x - mean) * (x - mean); }
                if (p.mode == 1u || p.mode == 2u) {
                    if (have) { acc = combine(acc, x); } else { acc = x; have = true; }
                } else {
                    let y = x - comp;
                    let t = acc + y;
                    comp = (t - acc) - y;
                    acc = t;
                }
                i = i + stride;
            }
            if ((p.mode == 1u || p.mode == 2u) && !have) { acc = input[min(p.n - 1u, wg.x * 256u)]; }
            let r = tree(lid, acc);
            if (lid == 0u) { partials[wg.x] = r; }
        }

        @compute @workgroup_size(256)
        fn finish(@builtin(local_invocation_id) l: vec3<u32>) {
            let lid = l.x;
            var v = 0.0;
            if (lid < p.groups) { v = partials[lid]; } else if (p.mode == 1u || p.mode == 2u) { v = partials[0]; }
            let r = tree(lid, v);
            if (lid == 0u) {
                var result = r;
                if (p.mode == 0u || p.mode == 3u) { result = r / p.divisor; }
                stats[0] = result;
                output[0] = result;
            }
        }
        """;

    /// <summary>
    /// One invocation per threshold: counts and sums of both sides in one pass, then SSE about each side's mean in a
    /// second pass (f32). Bindings: uniform (n_samples, n_features, feature_idx, n_thresholds, +∞), data, labels, indices,
    /// thresholds, scores. Row indices were checked on the host.
    /// </summary>
    public const string FindSplit = """
        struct P { n_samples: u32, n_features: u32, feature: u32, n_thresholds: u32, infinity: f32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> data: array<f32>;
        @group(0) @binding(2) var<storage, read> labels: array<f32>;
        @group(0) @binding(3) var<storage, read> indices: array<u32>;
        @group(0) @binding(4) var<storage, read> thresholds: array<f32>;
        @group(0) @binding(5) var<storage, read_write> scores: array<f32>;

        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
            let t = g.x + g.y * nw.x * 256u;
            if (t >= p.n_thresholds) { return; }
            let th = thresholds[t];
            var nl = 0u;
            var sl = 0.0;
            var sr = 0.0;
            for (var i = 0u; i < p.n_samples; i = i + 1u) {
                let row = indices[i];
                let y = labels[row];
                if (data[row * p.n_features + p.feature] <= th) { nl = nl + 1u; sl = sl + y; } else { sr = sr + y; }
            }
            let nr = p.n_samples - nl;
            if (nl == 0u || nr == 0u) {
                scores[t] = p.infinity;
                return;
            }
            let ml = sl / f32(nl);
            let mr = sr / f32(nr);
            var sse = 0.0;
            for (var i = 0u; i < p.n_samples; i = i + 1u) {
                let row = indices[i];
                let y = labels[row];
                var d = y - mr;
                if (data[row * p.n_features + p.feature] <= th) { d = y - ml; }
                sse = fma(d, d, sse);
            }
            scores[t] = sse;
        }
        """;

    /// <summary>
    /// One invocation per sample: walks every tree (<see cref="TreeNodeLayout"/>, checked on the host) for at most
    /// <c>max_steps</c> edges and writes the mean leaf value. Bindings: uniform (batch, n_features, n_trees, max_steps,
    /// n_nodes), samples, nodes (u32 words), roots, output.
    /// </summary>
    public const string BatchPredict = """
        struct P { batch: u32, n_features: u32, n_trees: u32, max_steps: u32, n_nodes: u32, w5: u32, w6: u32, w7: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read> samples: array<f32>;
        @group(0) @binding(2) var<storage, read> nodes: array<u32>;
        @group(0) @binding(3) var<storage, read> roots: array<u32>;
        @group(0) @binding(4) var<storage, read_write> output: array<f32>;

        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
            let s = g.x + g.y * nw.x * 256u;
            if (s >= p.batch) { return; }
            let base = s * p.n_features;
            var total = 0.0;
            var comp = 0.0;
            for (var t = 0u; t < p.n_trees; t = t + 1u) {
                let root = roots[t];
                var node = root;
                var value = 0.0;
                for (var step = 0u; step <= p.max_steps; step = step + 1u) {
                    let w = node * 4u;
                    let feature = bitcast<i32>(nodes[w]);
                    let v = bitcast<f32>(nodes[w + 1u]);
                    if (feature < 0) { value = v; break; }
                    var child = nodes[w + 3u];
                    if (samples[base + u32(feature)] <= v) { child = nodes[w + 2u]; }
                    node = min(root + child, p.n_nodes - 1u);
                }
                let y = value - comp;
                let u = total + y;
                comp = (u - total) - y;
                total = u;
            }
            output[s] = total / f32(p.n_trees);
        }
        """;
}
