// rf_check.mjs — checks the random-forest benchmark guests against gpu_mock_host.mjs (Node, not the
// TeeWasm host: the timings it prints say nothing about the host's performance).
//
//   node guests/tests/rf_check.mjs DATA_DIR guest.wasm...
//
// Per guest: CPU mode (--gpu none) and GPU mode (--gpu mock) for seeds 1, 2, 3 and seed 1 again. Each
// run must exit 0 and follow the output contract (sections in order, accelerator lines, one JSON line
// between the markers with the 12 keys, 353/89 samples); MSE within [2700, 3100]; the same seed gives
// the same MSE; the JSON agrees with the text. Then the fallbacks: kernel-batch-predict failing =>
// kernel-average with the same forest (same MSE as GPU mode), find-split failing mid-training => CPU
// training (same MSE as CPU mode). Then --data-key: the CSVs encrypted with Node's AES-256-GCM (the
// `tee-wasm kbs encrypt` format) decrypt in the guest to the same MSE as CPU mode; a refused key, a wrong key and
// an altered file each exit 1 before training, saying why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createCipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join, basename } from 'node:path';

const [dataDir, ...guests] = process.argv.slice(2);
if (!dataDir || guests.length === 0) {
  console.error('usage: rf_check.mjs DATA_DIR guest.wasm...');
  process.exit(2);
}
const host = join(dirname(fileURLToPath(import.meta.url)), 'gpu_mock_host.mjs');
const MSE_MIN = 2700, MSE_MAX = 3100;
const KEYS = ['language', 'gpu_device', 'gpu_backend', 'tee_type', 'gpu_available', 'tee_available', 'attestation_ms',
  'training_ms', 'inference_ms', 'mse', 'train_samples', 'test_samples'];
const SECTIONS = ['=== GPU INFORMATION ===', '=== TEE ATTESTATION ===', '=== TRAINING ===', '=== INFERENCE ==='];
let failures = 0;
const fail = (msg) => { failures++; console.log(`CHECK FAIL ${msg}`); };
// One test = one named group of runs and checks; it passes when none of its checks failed. The last line is
// "rf_check: test result: ok. N passed; M failed; 0 ignored" (cargo's format, counted by scripts/build-guests.sh).
let passedTests = 0, failedTests = 0;
function test(name, body) {
  const before = failures;
  body();
  if (failures === before) { passedTests++; console.log(`  test ${name} ... ok`); }
  else { failedTests++; console.log(`  test ${name} ... FAILED`); }
}

// The encrypted copies of the data set (nonce || AES-256-GCM ciphertext || tag) and a copy with one flipped bit.
const KEY = randomBytes(32);
const encDir = mkdtempSync(join(tmpdir(), 'rf-enc-')), badDir = mkdtempSync(join(tmpdir(), 'rf-bad-'));
process.on('exit', () => { rmSync(encDir, { recursive: true, force: true }); rmSync(badDir, { recursive: true, force: true }); });
for (const f of ['diabetes_train.csv', 'diabetes_test.csv']) {
  const iv = randomBytes(12), c = createCipheriv('aes-256-gcm', KEY, iv);
  const file = Buffer.concat([iv, c.update(readFileSync(join(dataDir, f))), c.final(), c.getAuthTag()]);
  writeFileSync(join(encDir, f + '.enc'), file);
  if (f === 'diabetes_test.csv') file[100] ^= 1;
  writeFileSync(join(badDir, f + '.enc'), file);
}

function runRaw(wasm, hostArgs, guestArgs) {
  return spawnSync(process.execPath, ['--no-warnings', host, wasm, ...hostArgs, '--', ...guestArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function run(wasm, gpu, seed, dir = dataDir, extraHost = [], extraGuest = []) {
  const r = spawnSync(process.execPath, ['--no-warnings', host, wasm, '--gpu', gpu, '--data', dir, ...extraHost, '--', '--seed', String(seed), ...extraGuest],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  const name = `${basename(wasm)} gpu=${gpu} seed=${seed}`;
  const out = r.stdout || '';
  if (r.status !== 0) { fail(`${name}: exit ${r.status}\n${(r.stderr || '').slice(-800)}`); return null; }
  let at = -1;
  for (const s of SECTIONS) {
    const i = out.indexOf(s);
    if (i <= at) { fail(`${name}: section '${s}' missing or out of order`); return null; }
    at = i;
  }
  const m = out.match(/### BENCHMARK_JSON ###\s*(\{.*?\})\s*### END_BENCHMARK_JSON ###/s);
  if (!m) { fail(`${name}: no BENCHMARK_JSON block`); return null; }
  let j;
  try { j = JSON.parse(m[1]); } catch (e) { fail(`${name}: JSON does not parse: ${e.message}`); return null; }
  const missing = KEYS.filter((k) => !(k in j));
  if (missing.length || Object.keys(j).length !== KEYS.length) fail(`${name}: JSON keys ${Object.keys(j)}`);
  const text = (re) => { const x = out.match(re); return x ? x[1] : null; };
  const train = text(/^\[TRAIN\] Accelerator: (.*)$/m), infer = text(/^\[INFER\] Accelerator: (.*)$/m);
  const mse = parseFloat(text(/^\[INFER\] MSE: ([0-9.]+)$/m));
  for (const [k, want] of [['train_samples', 353], ['test_samples', 89], ['tee_available', false], ['tee_type', 'None']])
    if (j[k] !== want) fail(`${name}: ${k} = ${JSON.stringify(j[k])}, want ${JSON.stringify(want)}`);
  for (const k of ['attestation_ms', 'training_ms', 'inference_ms'])
    if (typeof j[k] !== 'number' || j[k] < 0) fail(`${name}: ${k} = ${j[k]}`);
  if (j.mse !== mse) fail(`${name}: JSON mse ${j.mse} != text MSE ${mse}`);
  if (!(mse >= MSE_MIN && mse <= MSE_MAX)) fail(`${name}: MSE ${mse} outside [${MSE_MIN}, ${MSE_MAX}]`);
  if (!/^\[TEE\] VM attestation: (OK|SKIPPED)/m.test(out) || !/^\[TIMING\] Attestation: [0-9.]+ ms$/m.test(out))
    fail(`${name}: attestation lines`);
  if (!/✅ Benchmark completed successfully!/.test(out)) fail(`${name}: no completion line`);
  return { j, mse, train, infer, out, stderr: r.stderr || '' };
}

for (const wasm of guests) {
  const b = basename(wasm);
  const lang = b.startsWith('wasmwebgpu-ml') ? 'cpp' : b.startsWith('wasm-ml') ? 'rust' : null; // null: either
  const res = {};
  for (const gpu of ['none', 'mock']) {
    test(`${b} ${gpu === 'none' ? 'CPU' : 'GPU'} seeds 1, 2, 3, 1`, () => {
      const mses = [];
      for (const seed of [1, 2, 3, 1]) {
        const r = run(wasm, gpu, seed);
        if (!r) continue;
        const wantAcc = gpu === 'none' ? 'CPU' : 'GPU';
        if (r.train !== wantAcc || r.infer !== wantAcc) fail(`${b} gpu=${gpu}: accelerators ${r.train}/${r.infer}, want ${wantAcc}`);
        if (r.j.gpu_available !== (gpu !== 'none')) fail(`${b} gpu=${gpu}: gpu_available ${r.j.gpu_available}`);
        if (lang ? r.j.language !== lang : !['rust', 'cpp'].includes(r.j.language)) fail(`${b}: language ${r.j.language}`);
        if (!r.stderr.includes(`Trained 200/200 trees (${wantAcc})`)) fail(`${b} gpu=${gpu}: no progress lines`);
        if (gpu === 'mock' && !/live_buffers=0 /.test(r.stderr)) fail(`${b}: GPU buffers leaked`);
        mses.push(r.mse);
        res[`${gpu}:${seed}`] = r.mse;
        console.log(`  ${b} ${gpu === 'none' ? 'CPU' : 'GPU'} seed ${seed}: MSE ${r.mse.toFixed(4)}  ` +
          `train ${r.j.training_ms.toFixed(0)} ms  infer ${r.j.inference_ms.toFixed(2)} ms  (node mock host)`);
      }
      if (mses.length !== 4) fail(`${b} gpu=${gpu}: ${mses.length} of 4 runs gave a result`);
      if (mses.length === 4 && mses[0] !== mses[3]) fail(`${b} gpu=${gpu}: seed 1 gave ${mses[0]} then ${mses[3]}`);
      if (mses.length >= 3 && new Set(mses.slice(0, 3)).size < 3) fail(`${b} gpu=${gpu}: seeds 1-3 gave equal MSEs ${mses}`);
    });
  }
  test(`${b} kernel-batch-predict error -> kernel-average, same MSE`, () => {
    const fp = run(wasm, 'fail-predict', 1);
    if (!fp) return;
    if (fp.infer !== 'GPU (kernel-average)') fail(`${b} fail-predict: inference ${fp.infer}`);
    if (!(Math.abs(fp.mse - res['mock:1']) <= 0.01)) fail(`${b} fail-predict: MSE ${fp.mse} != GPU ${res['mock:1']}`);
  });
  test(`${b} kernel-find-split error -> CPU training, same MSE`, () => {
    const fs = run(wasm, 'fail-split', 1);
    if (!fs) return;
    if (fs.train !== 'CPU' || !/GPU training failed/.test(fs.out)) fail(`${b} fail-split: training ${fs.train}`);
    if (fs.mse !== res['none:1']) fail(`${b} fail-split: MSE ${fs.mse} != CPU ${res['none:1']}`);
  });

  const secret = ['--secret', `data-key=${KEY.toString('hex')}`];
  test(`${b} --data-key decrypts to the plain CPU MSE`, () => {
    const dk = run(wasm, 'none', 1, encDir, secret, ['--data-key', 'data-key']);
    if (!dk) return;
    if (dk.mse !== res['none:1']) fail(`${b} --data-key: MSE ${dk.mse} != plain CPU ${res['none:1']}`);
    if (!/decrypted, tag verified \(353 samples\)/.test(dk.out)) fail(`${b} --data-key: no decryption line`);
  });
  const wrongKey = ['--secret', `data-key=${Buffer.alloc(32, 7).toString('hex')}`];
  for (const [what, dir, hostArgs, want] of [
    ['refused', encDir, [], /did not release the data key 'data-key': no key broker configured/],
    ['wrong key', encDir, wrongKey, /authentication tag mismatch/],
    ['altered file', badDir, secret, /diabetes_test\.csv\.enc: authentication tag mismatch/]]) {
    test(`${b} --data-key ${what}: exit 1 before training`, () => {
      const r = runRaw(wasm, ['--gpu', 'none', '--data', dir, ...hostArgs], ['--data-key', 'data-key']);
      if (r.status !== 1) fail(`${b} --data-key ${what}: exit ${r.status}, want 1`);
      if (!want.test(r.stderr || '')) fail(`${b} --data-key ${what}: stderr lacks ${want}: ${(r.stderr || '').slice(-300)}`);
      if (/=== TRAINING ===/.test(r.stdout || '')) fail(`${b} --data-key ${what}: trained anyway`);
    });
  }
}
console.log(`rf_check: test result: ${failedTests ? 'FAILED' : 'ok'}. ${passedTests} passed; ${failedTests} failed; 0 ignored`);
process.exit(failedTests ? 1 : 0);
