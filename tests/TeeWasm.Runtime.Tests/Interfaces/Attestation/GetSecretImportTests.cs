using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary><c>get_secret</c> under both module names, with a stub broker, none, and hostile pointers.</summary>
public sealed class GetSecretImportTests
{
    private static string Guest(string module) => $$"""
        (module
          (import "{{module}}" "get_secret" (func $get_secret (param i32 i32) (result i32)))
          (memory (export "memory") 4)
          (global $next (mut i32) (i32.const 131072))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $next))
            (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
            (local.get $p))
          (func (export "call_get_secret") (param i32 i32) (result i32) (call $get_secret (local.get 0) (local.get 1)))
          (func (export "_start")))
        """;

    private sealed class StubBroker : ISecretProvider
    {
        public List<string> Asked { get; } = [];

        public SecretResult GetSecret(string name)
        {
            Asked.Add(name);
            return name == "demo"
                ? new SecretResult { Success = true, Name = name, Secret = [1, 2, 3, 0xfb] }
                : SecretResult.Failure(name, "refused by policy");
        }
    }

    [Theory]
    [InlineData("wasmtime:attestation")]
    [InlineData("wasmtime_attestation")]
    public void ReleasedSecretIsBase64WithItsLength(string module)
    {
        using var attester = new Attester(new AttesterOptions { Mode = AttestationMode.None });
        var broker = new StubBroker();
        using var h = new AttestationHarness(Guest(module), attester, broker);
        var (ptr, len) = h.Put("demo");
        var json = JsonDocument.Parse(h.CallForJson("call_get_secret", ptr, len)).RootElement;
        Assert.True(json.GetProperty("success").GetBoolean());
        Assert.Equal("AQID+w==", json.GetProperty("secret").GetString());
        Assert.Equal(4, json.GetProperty("length").GetInt32());

        (ptr, len) = h.Put("other");
        json = JsonDocument.Parse(h.CallForJson("call_get_secret", ptr, len)).RootElement;
        Assert.False(json.GetProperty("success").GetBoolean());
        Assert.Equal("refused by policy", json.GetProperty("error").GetString());
        Assert.False(json.TryGetProperty("secret", out _));
        Assert.Equal(["demo", "other"], broker.Asked);
    }

    [Fact]
    public void NoBrokerAndBadPointersGiveErrorsNotCrashes()
    {
        using var attester = new Attester(new AttesterOptions { Mode = AttestationMode.None });
        using var h = new AttestationHarness(Guest("wasmtime:attestation"), attester);
        var (ptr, len) = h.Put("demo");
        Assert.Contains("no key broker configured", h.CallForJson("call_get_secret", ptr, len));
        Assert.Contains("could not be read from guest memory", h.CallForJson("call_get_secret", -8, 4));
        Assert.Contains("could not be read from guest memory", h.CallForJson("call_get_secret", 0, 1 << 20));
    }
}
