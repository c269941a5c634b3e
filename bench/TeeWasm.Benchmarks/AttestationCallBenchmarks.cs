using System.Text;
using BenchmarkDotNet.Attributes;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Runtime.Guest;
using TeeWasm.Runtime.Interfaces.Attestation;
using Wasmtime;

namespace TeeWasm.Benchmarks;

/// <summary>
/// Guest→host calls of wasmtime:attestation on the simulator: <c>attest_vm</c> with a warm result cache (JSON +
/// cabi_realloc + copy into guest memory), <c>verify_token</c> through the guest, and the validator alone.
/// </summary>
[MemoryDiagnoser]
public class AttestationCallBenchmarks
{
    // A guest whose cabi_realloc hands back one reused scratch block, as a guest that frees its results would.
    private const string Guest = """
        (module
          (import "wasmtime_attestation" "attest_vm" (func $attest_vm (result i32)))
          (import "wasmtime_attestation" "verify_token" (func $verify_token (param i32 i32) (result i32)))
          (memory (export "memory") 4)
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 65536))
          (func (export "_start"))
          (func (export "call_attest_vm") (result i32) (call $attest_vm))
          (func (export "call_verify_token") (param i32 i32) (result i32) (call $verify_token (local.get 0) (local.get 1))))
        """;

    private Engine _engine = null!;
    private Linker _linker = null!;
    private Store _store = null!;
    private Module _module = null!;
    private Attester _attester = null!;
    private Func<int> _attestVm = null!;
    private Func<int, int, int> _verifyToken = null!;
    private string _token = null!;
    private int _tokenLength;
    private TeeWasm.Attestation.Tokens.AttestationTokenValidator _uncached = null!;

    [GlobalSetup]
    public void Setup()
    {
        _attester = new Attester(new AttesterOptions
        {
            Mode = AttestationMode.Simulate,
            SimulatorDirectory = Path.Combine(Path.GetTempPath(), "teewasm-bench-simulator"),
        });
        _engine = new Engine();
        _linker = new Linker(_engine);
        _store = new Store(_engine);
        _module = Module.FromText(_engine, "bench", Guest);
        var guest = new GuestContext(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        AttestationImports.Define(_linker, guest, _attester);
        var instance = _linker.Instantiate(_store, _module);
        guest.Bind(instance);
        _attestVm = instance.GetFunction<int>("call_attest_vm")!;
        _verifyToken = instance.GetFunction<int, int, int>("call_verify_token")!;

        _token = _attester.AttestVm().Token!; // warms the cache
        _uncached = new TeeWasm.Attestation.Tokens.AttestationTokenValidator { CacheVerdicts = false };
        _uncached.TrustLocalVerifier(_attester.HostKey);
        byte[] token = Encoding.UTF8.GetBytes(_token);
        token.CopyTo(instance.GetMemory("memory")!.GetSpan(4096, token.Length));
        _tokenLength = token.Length;
        if (_attestVm() == 0 || _verifyToken(4096, _tokenLength) != 1) throw new InvalidOperationException("benchmark guest is not working");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _linker.Dispose();
        _module.Dispose();
        _engine.Dispose();
        _attester.Dispose();
    }

    /// <summary>attest_vm from the guest, result served from the cache.</summary>
    [Benchmark]
    public int GuestAttestVmWarmCache() => _attestVm();

    /// <summary>verify_token from the guest (read, UTF-8 decode, validation; the token was verified before).</summary>
    [Benchmark]
    public int GuestVerifyToken() => _verifyToken(4096, _tokenLength);

    /// <summary>The token validator alone, a token it has seen (verdict cache).</summary>
    [Benchmark]
    public bool HostVerifyTokenCached() => _attester.VerifyToken(_token).Valid;

    /// <summary>The token validator alone, full verification every time (signature, lifetime, issuer, binding).</summary>
    [Benchmark]
    public bool HostVerifyTokenUncached() => _uncached.Verify(_token).Valid;
}
