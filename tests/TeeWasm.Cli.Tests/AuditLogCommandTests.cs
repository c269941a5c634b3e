using System.Text.Json;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class AuditLogCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Calls attest_vm and exits 0 when it succeeded, 1 otherwise.</summary>
    internal const string AttestVmGuest = """
        (module
          (import "wasmtime:attestation" "attest_vm" (func $attest (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 2)
          (global $next (mut i32) (i32.const 4096))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $next))
            (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
            (local.get $p))
          (func (export "_start")
            (local $r i32)
            (local.set $r (call $attest))
            ;; {"success":true  -> byte 11 after the 4-byte length is 't'
            (call $exit (i32.ne (i32.load8_u (i32.add (local.get $r) (i32.const 15))) (i32.const 116)))))
        """;

    [Fact]
    public void AuditLogRecordsTheRunsAttestation()
    {
        string guest = GuestModules.WriteTemp(AttestVmGuest, _dir);
        string log = _dir.File("audit.jsonl");
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "simulate", "--audit-log", log, guest);
        Assert.True(code == 0, stderr);
        var events = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()!).ToArray();
        Assert.Equal(["detect", "attest", "token_issued"], events);
        Assert.DoesNotContain("eyJ", File.ReadAllText(log)); // no JWT (or any part of one) in the log
    }

    [Fact]
    public void NoAuditLogByDefault()
    {
        string guest = GuestModules.WriteTemp(AttestVmGuest, _dir);
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "simulate", guest);
        Assert.True(code == 0, stderr);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.jsonl"));
    }
}
