using System.Diagnostics;
using System.Security.Cryptography;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>
/// A real software TPM for the tests: <c>swtpm socket --tpm2</c> on Unix sockets in its own temporary directory (no TCP
/// port to probe, race for or release), provisioned with tpm2-tools
/// (a primary key and a restricted RSA-2048 signing AK persisted at 0x81000003, a second one at 0x81000004).
/// Missing swtpm or tpm2-tools make the tests fail with a clear message — CI installs them.
/// </summary>
public sealed class Swtpm : IDisposable
{
    public const uint AkHandle = 0x81000003;
    public const uint OtherAkHandle = 0x81000004;
    public const uint PssAkHandle = 0x81000005;
    public const uint HclIndex = 0x01400001;

    private readonly Process _process;
    private readonly string _dir;

    public Swtpm()
    {
        _dir = Directory.CreateTempSubdirectory("teewasm-swtpm-").FullName;
        RequireTool("swtpm");
        RequireTool("tpm2_createprimary");
        // Unix sockets in the state directory: no port to choose, nothing another test or process can take.
        SocketPath = P("tpm.sock");
        var start = new ProcessStartInfo("swtpm")
        {
            ArgumentList = { "socket", "--tpm2", "--server", $"type=unixio,path={SocketPath}", "--ctrl", $"type=unixio,path={SocketPath}.ctrl",
                "--tpmstate", $"dir={_dir}", "--flags", "not-need-init,startup-clear" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("swtpm did not start");
        try
        {
            WaitForSocket();
            Tool("tpm2_createprimary", "-C", "o", "-g", "sha256", "-G", "rsa", "-c", P("primary.ctx"));
            Flush();
            AkPublic = CreateAk("ak", AkHandle);
            OtherAkPublic = CreateAk("ak2", OtherAkHandle);
            PssAkPublic = CreateAk("ak3", PssAkHandle, "rsa2048:rsapss-sha256:null");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The TPM's command socket (a Unix socket; the control socket is this path + ".ctrl", as tpm2-tss expects).</summary>
    public string SocketPath { get; }

    /// <summary>The AK at 0x81000003.</summary>
    public RSA AkPublic { get; } = null!;

    /// <summary>Another AK at 0x81000004 (for "signed by another key").</summary>
    public RSA OtherAkPublic { get; } = null!;

    /// <summary>An AK with the RSA-PSS scheme at 0x81000005.</summary>
    public RSA PssAkPublic { get; } = null!;

    public TpmSocketTransport Connect() => new(SocketPath);

    /// <summary>(Re)defines NV index 0x01400001 with exactly these bytes (swtpm caps NV indices at 2048 bytes).</summary>
    public void ProvisionHcl(byte[] content)
    {
        TryTool("tpm2_nvundefine", "-C", "o", $"0x{HclIndex:x}");
        File.WriteAllBytes(P("hcl.bin"), content);
        Tool("tpm2_nvdefine", $"0x{HclIndex:x}", "-C", "o", "-s", content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-a", "ownerread|ownerwrite|authread|authwrite");
        Tool("tpm2_nvwrite", $"0x{HclIndex:x}", "-C", "o", "-i", P("hcl.bin"));
    }

    /// <summary>Extends PCR 16 (debug PCR) so that PCR values change.</summary>
    public void ExtendPcr16() => Tool("tpm2_pcrextend", "16:sha256=" + new string('a', 64));

    private RSA CreateAk(string name, uint handle, string algorithm = "rsa2048:rsassa-sha256:null")
    {
        Tool("tpm2_create", "-C", P("primary.ctx"), "-G", algorithm, "-g", "sha256",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-u", P(name + ".pub"), "-r", P(name + ".priv"));
        Flush();
        Tool("tpm2_load", "-C", P("primary.ctx"), "-u", P(name + ".pub"), "-r", P(name + ".priv"), "-c", P(name + ".ctx"));
        Tool("tpm2_evictcontrol", "-C", "o", "-c", P(name + ".ctx"), $"0x{handle:x}");
        Flush();
        Tool("tpm2_readpublic", "-c", $"0x{handle:x}", "-f", "pem", "-o", P(name + ".pem"));
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(P(name + ".pem")));
        return rsa;
    }

    private void Flush()
    {
        TryTool("tpm2_flushcontext", "-t");
        TryTool("tpm2_flushcontext", "-s");
    }

    private string P(string name) => Path.Combine(_dir, name);

    private void Tool(string name, params string[] args)
    {
        var (code, output) = Exec(name, args);
        if (code != 0) throw new InvalidOperationException($"{name} {string.Join(' ', args)} failed ({code}): {output}");
    }

    private void TryTool(string name, params string[] args) => Exec(name, args);

    private (int, string) Exec(string name, string[] args)
    {
        var psi = new ProcessStartInfo(name) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TPM2TOOLS_TCTI"] = $"swtpm:path={SocketPath}";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new TimeoutException($"{name} hung (is a TPM connection still open? swtpm serves one client at a time)");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Throws a clear error when <paramref name="name"/> is not on <paramref name="path"/> (default: $PATH).</summary>
    public static void RequireTool(string name, string? path = null)
    {
        bool found = (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));
        if (!found)
            throw new InvalidOperationException($"'{name}' not found on PATH: these tests need a real software TPM (apt-get install swtpm swtpm-tools tpm2-tools)");
    }

    private void WaitForSocket()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException("swtpm exited: " + _process.StandardError.ReadToEnd());
            if (File.Exists(SocketPath) && File.Exists(SocketPath + ".ctrl")) return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"swtpm did not listen on {SocketPath}");
    }

    public void Dispose()
    {
        AkPublic?.Dispose();
        OtherAkPublic?.Dispose();
        PssAkPublic?.Dispose();
        try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } } catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
