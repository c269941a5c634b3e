namespace TeeWasm.Cli.Tests;

/// <summary>
/// Issue 12 item 3: an input that is not what it should be — a character device, a huge file — is refused at its size
/// cap with one line and exit 2 (it used to be read until the process ran out of memory and aborted, exit 134).
/// Real processes, as a user runs them.
/// </summary>
public sealed class InputLimitTests
{
    private static string V(string folder, string file) => TeeWasm.Tests.Shared.RepoPaths.Vector(folder, file);

    public static TheoryData<string[], string> DevZeroInputs => new()
    {
        { ["verify", "/dev/zero"], "error: evidence file '/dev/zero' is larger than 16 MiB, the limit for it (docs/limits.md)" },
        { ["verify", V("snp", "attestation.bin"), "--policy", "/dev/zero"], "error: --policy: policy file '/dev/zero' is larger than 1 MiB, the limit for it (docs/limits.md)" },
        { ["verify", V("snp", "attestation.bin"), "--cert", "/dev/zero"], "error: --cert /dev/zero: certificate file '/dev/zero' is larger than 1 MiB, the limit for it (docs/limits.md)" },
        { ["verify", V("nvidia", "hopperAttestationReport.txt"), "--cert", "/dev/zero", "--nonce", new string('0', 64)], "error: --cert /dev/zero: certificate file '/dev/zero' is larger than 1 MiB, the limit for it (docs/limits.md)" },
        { ["kbs", "encrypt", "--key-file", "/dev/zero", "--in", "/dev/null", "--out", "/dev/null"], "error: --key-file: key file '/dev/zero' is larger than 4 KiB, the limit for it (docs/limits.md)" },
        { ["kbs", "serve", "--secrets", "/tmp", "--policy", "/dev/zero", "--listen", "127.0.0.1:0"], "error: --policy: policy file '/dev/zero' is larger than 1 MiB, the limit for it (docs/limits.md)" },
    };

    [Theory]
    [MemberData(nameof(DevZeroInputs))]
    public void DevZero_is_refused_at_the_cap_with_one_line_and_exit_2(string[] args, string error)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal(error, stderr.TrimEnd('\n'));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void A_module_over_the_cap_is_refused_before_anything_runs()
    {
        string path = Path.Combine(Path.GetTempPath(), $"teewasm-huge-{Guid.NewGuid():N}.wasm");
        try
        {
            using (var f = File.Create(path)) f.SetLength((512L << 20) + 1); // sparse
            var (code, _, stderr) = CliProcess.Run("run", path);
            Assert.Equal(2, code);
            Assert.Equal($"error: module file '{path}' is larger than 512 MiB, the limit for it (docs/limits.md)", stderr.TrimEnd('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
