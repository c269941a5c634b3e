// gpu_mock_host.mjs — run a benchmark guest without the C# host: WASI preview1 (node:wasi), the
// `wasmtime_attestation` imports (the host's no-TEE answers), and `wasi:gpu/compute@0.1.0` +
// `wasi:gpu/ml-kernels@0.1.0` in JS with the semantics of docs/wasi-gpu.md (a plain CPU emulation).
//
//   node guests/tests/gpu_mock_host.mjs <guest.wasm> [--gpu mock|none] [--data DIR] [-- guest args...]
//
// --gpu mock (default): a device "Mock GPU (node)", backend "mock", 1 GiB; every kernel computed in JS.
// --gpu none:           empty device-info, every call Err(DeviceUnavailable) — the guest takes its CPU path.
// --gpu fail-predict:   like mock, but kernel-batch-predict answers Err(KernelError) (tests the fallback).
// --gpu fail-split:     like mock, but kernel-find-split answers Err(KernelError) from its 1000th call on.
// --data DIR:           preopened as the guest directory `data` (default ./data).
// --secret NAME=HEX:    get_secret(NAME) releases these bytes; any other name (and every name without it) is refused
//                       with the host's "no key broker configured" answer (for --data-key runs).
// On exit prints `[gpu-mock] ...` call counts on stderr and exits with the guest's exit code.
// This is NOT the TeeWasm host (no Wasmtime, no SIMD backend): its timings say nothing about the host's.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { resolve } from 'node:path';

const argv = process.argv.slice(2);
const file = argv.shift();
let gpuMode = 'mock', dataDir = 'data';
const secrets = new Map();
const guestArgs = [];
while (argv.length) {
  const a = argv.shift();
  if (a === '--gpu') gpuMode = argv.shift();
  else if (a === '--data') dataDir = argv.shift();
  else if (a === '--secret') { const [n, h] = argv.shift().split('='); secrets.set(n, Buffer.from(h, 'hex')); }
  else if (a === '--') { guestArgs.push(...argv.splice(0)); }
  else throw new Error(`unknown option ${a}`);
}
if (!file || !['mock', 'none', 'fail-predict', 'fail-split'].includes(gpuMode)) {
  console.error('usage: gpu_mock_host.mjs <guest.wasm> [--gpu mock|none|fail-predict|fail-split] [--data DIR] [--secret NAME=HEX] [-- args]');
  process.exit(2);
}

const enc = new TextEncoder();
let inst;
const counts = {};
const count = (n) => { counts[n] = (counts[n] || 0) + 1; };
const mem = () => inst.exports.memory.buffer;
const dv = () => new DataView(mem());
const alloc = (align, len) => {
  const p = inst.exports.cabi_realloc(0, 0, align, len) >>> 0;
  if (p === 0 || p % align !== 0 || p + len > mem().byteLength) throw new Error(`bad cabi_realloc(${align}, ${len}) = ${p}`);
  return p;
};

// --- wasmtime_attestation: the no-TEE answers -------------------------------------------------
const NO_TEE = 'No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?';
function putJson(obj) {
  const bytes = enc.encode(JSON.stringify(obj));
  const p = alloc(4, 4 + bytes.length);
  dv().setUint32(p, bytes.length, true);
  new Uint8Array(mem()).set(bytes, p + 4);
  return p;
}
const failed = () => ({ success: false, token: null, evidence: null, error: NO_TEE, timestamp: Math.floor(Date.now() / 1000) });
const attestation = {
  detect_tee: () => { count('detect_tee'); return putJson({ supports_attestation: false, tee_type: 'None' }); },
  attest_vm: () => { count('attest_vm'); return putJson(failed()); },
  attest_gpu: () => { count('attest_gpu'); return putJson(failed()); },
  attest_vm_nonce: () => putJson(failed()),
  attest_gpu_nonce: () => putJson(failed()),
  verify_token: () => 0,
  verify_token_json: () => putJson({ valid: false, reason: 'no TEE', issuer: null, claims: {} }),
  clear_cache: () => {},
  get_secret: (ptr, len) => {
    count('get_secret');
    const name = new TextDecoder().decode(new Uint8Array(mem(), ptr >>> 0, len >>> 0));
    const s = secrets.get(name);
    return putJson(s ? { success: true, name, secret: s.toString('base64'), length: s.length }
                     : { success: false, name, error: 'no key broker configured (tee-wasm run --kbs URL)' });
  },
};

// --- wasi:gpu ---------------------------------------------------------------------------------
const E = { OutOfMemory: 0, InvalidBuffer: 1, KernelError: 2, DeviceUnavailable: 3, InvalidParams: 4 };
class GpuErr extends Error { constructor(code) { super(`gpu error ${code}`); this.code = code; } }
const fail = (code) => { throw new GpuErr(code); };
const bufs = new Map();
let nextId = 1;
const MEMORY_LIMIT = 1 << 30;
let used = 0;
const buf = (id) => bufs.get(id >>> 0) ?? fail(E.InvalidBuffer);
const f32 = (id) => { const b = buf(id); return new Float32Array(b.buffer, 0, b.length >> 2); };
const u32 = (id) => { const b = buf(id); return new Uint32Array(b.buffer, 0, b.length >> 2); };
const need = (cond) => { if (!cond) fail(E.InvalidParams); };

// Wrap an import: result<T, error> at retptr (8 bytes; buffer-read 12).
function op(name, fn) {
  return (...args) => {
    count(name);
    const ret = args.pop() >>> 0;
    let payload;
    try {
      if (gpuMode === 'none') fail(E.DeviceUnavailable);
      payload = fn(...args);
    } catch (e) {
      if (!(e instanceof GpuErr)) throw e;
      dv().setInt32(ret, 1, true);
      dv().setInt32(ret + 4, e.code, true);
      return;
    }
    const d = dv();
    d.setInt32(ret, 0, true);
    if (Array.isArray(payload)) { d.setInt32(ret + 4, payload[0], true); d.setInt32(ret + 8, payload[1], true); }
    else d.setInt32(ret + 4, payload ?? 0, true);
  };
}
function putStr(s, at) {
  const b = enc.encode(s);
  const p = b.length ? alloc(1, b.length) : 1;
  if (b.length) new Uint8Array(mem()).set(b, p);
  dv().setInt32(at, p, true);
  dv().setInt32(at + 4, b.length, true);
}
let scratch = { v: new Float64Array(0) };
const xorshift = (x) => { x = (x ^ (x << 13)) >>> 0; x = (x ^ (x >>> 17)) >>> 0; return (x ^ (x << 5)) >>> 0; };

const compute = {
  'get-device-info': (ret) => {
    count('get-device-info');
    ret >>>= 0;
    const on = gpuMode !== 'none';
    putStr(on ? 'Mock GPU (node)' : '', ret);
    putStr(on ? 'mock' : '', ret + 8);
    dv().setBigUint64(ret + 16, on ? BigInt(MEMORY_LIMIT) : 0n, true);
    dv().setInt32(ret + 24, 0, true);
    putStr('', ret + 28);
  },
  'buffer-create': op('buffer-create', (size, usage) => {
    size = BigInt.asUintN(64, size);
    need((usage >>> 0) < 64);
    if (size + BigInt(used) > BigInt(MEMORY_LIMIT)) fail(E.OutOfMemory);
    const id = nextId++;
    bufs.set(id, new Uint8Array(Number(size)));
    used += Number(size);
    return id;
  }),
  'buffer-write': op('buffer-write', (id, offset, ptr, len) => {
    const b = buf(id); offset = Number(BigInt.asUintN(64, offset)); ptr >>>= 0; len >>>= 0;
    need(ptr + len <= mem().byteLength && offset + len <= b.length);
    b.set(new Uint8Array(mem(), ptr, len), offset);
  }),
  'buffer-read': op('buffer-read', (id, offset, size) => {
    const b = buf(id); offset = Number(BigInt.asUintN(64, offset)); size >>>= 0;
    need(offset + size <= b.length);
    const p = size ? alloc(1, size) : 1;
    if (size) new Uint8Array(mem()).set(b.subarray(offset, offset + size), p);
    return [p, size];
  }),
  'buffer-copy': op('buffer-copy', (src, so, dst, doff, size) => {
    const s = buf(src), d = buf(dst);
    so = Number(BigInt.asUintN(64, so)); doff = Number(BigInt.asUintN(64, doff)); size = Number(BigInt.asUintN(64, size));
    need(so + size <= s.length && doff + size <= d.length);
    d.set(s.slice(so, so + size), doff);
  }),
  'buffer-destroy': op('buffer-destroy', (id) => { used -= buf(id).length; bufs.delete(id >>> 0); }),
  sync: () => { count('sync'); },
};

const kernels = {
  'kernel-bootstrap-sample': op('kernel-bootstrap-sample', (n, seed, maxIndex, out) => {
    n >>>= 0; maxIndex >>>= 0;
    need(maxIndex > 0);
    const o = u32(out);
    need(n <= o.length);
    for (let i = 0; i < n; i++) o[i] = xorshift(xorshift((seed + Math.imul(i, 747796405) + 2891336453) >>> 0)) % maxIndex;
  }),
  'kernel-find-split': op('kernel-find-split', (n, nf, feat, nt, data, labels, indices, thresholds, scores) => {
    n >>>= 0; nf >>>= 0; feat >>>= 0; nt >>>= 0;
    need(nf > 0 && feat < nf);
    const X = f32(data), Y = f32(labels), I = u32(indices), T = f32(thresholds), S = f32(scores);
    const rows = Math.floor(X.length / nf);
    if (gpuMode === 'fail-split' && counts['kernel-find-split'] >= 1000) fail(E.KernelError);
    need(n <= I.length && nt <= T.length && nt <= S.length);
    // Sort the node's (value, label) pairs once (insertion sort on scratch arrays: nodes are small),
    // prefix sums in double, one binary search per threshold.
    if (scratch.v.length < n) scratch = { v: new Float64Array(2 * n), y: new Float64Array(2 * n), ps: new Float64Array(2 * n + 1), pss: new Float64Array(2 * n + 1) };
    const { v: vals, y: ys, ps, pss } = scratch;
    for (let i = 0; i < n; i++) {
      const r = I[i];
      need(r < rows && r < Y.length);
      const x = X[r * nf + feat], y = Y[r];
      let j = i - 1;
      while (j >= 0 && vals[j] > x) { vals[j + 1] = vals[j]; ys[j + 1] = ys[j]; j--; }
      vals[j + 1] = x; ys[j + 1] = y;
    }
    ps[0] = 0; pss[0] = 0;
    for (let k = 0; k < n; k++) { const y = ys[k]; ps[k + 1] = ps[k] + y; pss[k + 1] = pss[k] + y * y; }
    for (let t = 0; t < nt; t++) {
      const th = T[t];
      let lo = 0, hi = n; // first position with value > th (NaN thresholds: nothing goes left)
      while (lo < hi) { const mid = (lo + hi) >> 1; if (vals[mid] <= th) lo = mid + 1; else hi = mid; }
      const nl = lo, nr = n - lo;
      if (nl === 0 || nr === 0) { S[t] = Infinity; continue; }
      const ls = ps[nl], lss = pss[nl], rs = ps[n] - ls, rss = pss[n] - lss;
      S[t] = Math.max(0, lss - ls * ls / nl) + Math.max(0, rss - rs * rs / nr);
    }
  }),
  'kernel-average': op('kernel-average', (nTrees, n, preds, out) => {
    nTrees >>>= 0; n >>>= 0;
    need(nTrees > 0);
    const P = f32(preds), O = f32(out);
    need(n * nTrees <= P.length && n <= O.length);
    for (let s = 0; s < n; s++) { let a = 0; for (let t = 0; t < nTrees; t++) a += P[s * nTrees + t]; O[s] = a / nTrees; }
  }),
  'kernel-matmul': op('kernel-matmul', (m, k, n, ta, tb, alpha, beta, a, b, c) => {
    const A = f32(a), B = f32(b), C = f32(c);
    need(m * k <= A.length && k * n <= B.length && m * n <= C.length);
    const res = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? A[p * m + i] : A[i * k + p]) * (tb ? B[j * k + p] : B[p * n + j]);
      res[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * n + j]);
    }
    C.set(res);
  }),
  'kernel-elementwise': op('kernel-elementwise', (n, opc, a, bSome, b, out) => {
    need(opc >= 0 && opc <= 7 && (bSome === 0 || bSome === 1));
    const A = f32(a), O = f32(out), B = bSome ? f32(b) : null;
    need(!(opc === 3 || opc === 4) || B);
    const fns = [(x) => Math.max(0, x), (x) => 1 / (1 + Math.exp(-x)), Math.tanh, (x, y) => x + y, (x, y) => x * y, Math.sqrt, Math.exp, Math.log];
    for (let i = 0; i < n; i++) O[i] = fns[opc](A[i], B ? B[i] : 0);
  }),
  'kernel-reduce': op('kernel-reduce', (n, opc, input, out) => {
    const A = f32(input).subarray(0, n), O = f32(out);
    need(opc >= 0 && opc <= 4 && (n > 0 || opc === 0));
    let s = 0; for (const x of A) s += x;
    const mean = n ? s / n : 0;
    O[0] = [s, Math.max(...A), Math.min(...A), mean, A.reduce((v, x) => v + (x - mean) ** 2, 0) / (n || 1)][opc];
  }),
  'kernel-batch-predict': op('kernel-batch-predict', (batch, nf, nTrees, maxDepth, samples, nodes, offsets, out) => {
    if (gpuMode === 'fail-predict') fail(E.KernelError);
    batch >>>= 0; nf >>>= 0; nTrees >>>= 0; maxDepth >>>= 0;
    const X = f32(samples), nb = buf(nodes), Off = u32(offsets), O = f32(out);
    const N = new DataView(nb.buffer), nNodes = nb.length >> 4;
    need(batch * nf <= X.length && nTrees <= Off.length && batch <= O.length);
    const res = new Float32Array(batch);
    for (let s = 0; s < batch; s++) {
      let acc = 0;
      for (let t = 0; t < nTrees; t++) {
        const root = Off[t];
        let i = 0;
        for (let depth = 0; ; depth++) {
          need(root + i < nNodes);
          const at = (root + i) * 16, f = N.getInt32(at, true), v = N.getFloat32(at + 4, true);
          if (f < 0) { acc += v; break; }
          need(f < nf && depth < maxDepth);
          const child = X[s * nf + f] <= v ? N.getInt32(at + 8, true) : N.getInt32(at + 12, true);
          need(child >= 0);
          i = child;
        }
      }
      res[s] = acc / nTrees;
    }
    O.set(res);
  }),
};

const wasi = new WASI({ version: 'preview1', args: [file, ...guestArgs], env: {}, returnOnExit: true,
                        preopens: { data: resolve(dataDir) } });
const mod = await WebAssembly.compile(readFileSync(file));
const imports = {
  wasi_snapshot_preview1: wasi.wasiImport,
  wasmtime_attestation: attestation,
  'wasi:gpu/compute@0.1.0': compute,
  'wasi:gpu/ml-kernels@0.1.0': kernels,
};
for (const imp of WebAssembly.Module.imports(mod))
  if (!(imp.module in imports) || !(imp.name in imports[imp.module])) throw new Error(`unknown import ${imp.module}.${imp.name}`);
inst = await WebAssembly.instantiate(mod, imports);
const code = wasi.start(inst);
console.error(`[gpu-mock] gpu=${gpuMode} exit=${code} live_buffers=${bufs.size} calls=${JSON.stringify(counts)}`);
process.exit(code);
