// mock_host.mjs — a stand-in for the TeeWasm host's `wasmtime_attestation` module, for checking the
// guests without the C# host:  node guests/tests/mock_host.mjs <guest.wasm> [scenario]
// Scenarios: notee (default: the real no-TEE answer), ok (simulated success, valid tokens),
//            badtoken (success, but verify_token says 0), null (every JSON import returns 0).
// Implements the ABI exactly as specified: results are [u32 LE len][UTF-8 JSON] in a block the host
// gets from the guest's cabi_realloc(0, 0, 4, 4 + len). Prints a summary of allocations on stderr.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, scenario = 'notee'] = process.argv.slice(2);
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
let inst;
const calls = [];
const now = () => Math.floor(Date.now() / 1000);
const NO_TEE = 'No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?';

function put(obj) {
  if (scenario === 'null') return 0;
  const bytes = enc.encode(typeof obj === 'string' ? obj : JSON.stringify(obj));
  const ptr = inst.exports.cabi_realloc(0, 0, 4, 4 + bytes.length) >>> 0;
  if (ptr === 0 || ptr % 4 !== 0) throw new Error(`bad cabi_realloc result ${ptr}`);
  const mem = new Uint8Array(inst.exports.memory.buffer);
  new DataView(inst.exports.memory.buffer).setUint32(ptr, bytes.length, true);
  mem.set(bytes, ptr + 4);
  calls.push(ptr);
  return ptr;
}
function str(ptr, len) {
  return dec.decode(new Uint8Array(inst.exports.memory.buffer, ptr >>> 0, len));
}
function result(kind, nonce) {
  if (scenario === 'notee')
    return { success: false, token: null, evidence: null, error: NO_TEE, timestamp: now() };
  const tok = `eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJtb2NrIiwia2luZCI6IiR7a2luZH0ifQ.${kind}${nonce ? '-n' + nonce : ''}`;
  return { success: true, token: tok, evidence: JSON.stringify({ kind, note: 'esc "quotes" \\ ✓' }),
           error: null, timestamp: now(), tee_type: kind === 'vm' ? 'AMD SEV-SNP' : 'NVIDIA H100 CC', simulated: true };
}
const host = {
  attest_vm: () => put(result('vm')),
  attest_gpu: (i) => put(result('gpu' + i)),
  attest_vm_nonce: (p, n) => put(result('vm', n)),
  attest_gpu_nonce: (i, p, n) => put(result('gpu' + i, n)),
  detect_tee: () => put(scenario === 'notee' ? { supports_attestation: false, tee_type: 'None' }
                                            : { supports_attestation: true, tee_type: 'AMD SEV-SNP', simulated: true }),
  verify_token: (p, n) => (scenario === 'ok' && str(p, n).split('.').length === 3 ? 1 : 0),
  verify_token_json: (p, n) => {
    const ok = scenario === 'ok' && str(p, n).split('.').length === 3;
    return put({ valid: ok, reason: ok ? null : 'signature does not verify', issuer: ok ? 'mock-issuer' : null,
                 claims: ok ? { iss: 'mock-issuer', 'x-uni\u00e9': [1, 2.5, true, null] } : {} });
  },
  clear_cache: () => {},
};
const wasi = new WASI({ version: 'preview1', args: [file], env: {}, returnOnExit: true });
const mod = await WebAssembly.compile(readFileSync(file));
const imports = { wasi_snapshot_preview1: wasi.wasiImport, wasmtime_attestation: host };
for (const imp of WebAssembly.Module.imports(mod))
  if (!(imp.module in imports) || !(imp.name in imports[imp.module])) throw new Error(`unknown import ${imp.module}.${imp.name}`);
inst = await WebAssembly.instantiate(mod, imports);
const code = wasi.start(inst);
console.error(`[mock-host] scenario=${scenario} exit=${code} results=${calls.length} ptrs=${calls.join(',')}`);
process.exit(code);
