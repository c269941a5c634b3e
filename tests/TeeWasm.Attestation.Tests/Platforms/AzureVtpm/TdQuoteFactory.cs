using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>
/// Makes signed TD quotes (v4) whose body is built from a TDREPORT, as a quoting enclave would: a fresh attestation
/// key signs header ‖ body, the QE report binds SHA-256(key ‖ QE auth data) and is signed by a test PCK whose chain
/// ends at a test root (trusted through TdxVerificationOptions.TrustedRootOverride). Header, QE report and the PCK's
/// SGX extension come from the real Azure quote vector.
/// </summary>
internal sealed class TdQuoteFactory : IDisposable
{
    // TDREPORT layout (Intel TDX module ABI spec), written out here independently of the production constants.
    private const int TdReportReportData = 128, TeeTcbInfo = 256, TdInfo = 512;

    private readonly TdxQuote _template;

    public TdQuoteFactory(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        _template = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.AzureV4));
        var real = new X509Certificate2Collection();
        real.ImportFromPem(_template.SignatureData.PckCertificateChainPem!);
        Pki = new TestPki(real[0].Extensions[PckCertificateExtensions.SgxExtensionOid]!, notBefore, notAfter);
        foreach (var c in real) c.Dispose();
    }

    public TestPki Pki { get; }

    public X509Certificate2 Root => Pki.Root;

    /// <summary>The real TDREPORT inside the cvm-attestation-tools HCL report vector.</summary>
    public static byte[] RealTdReport() => File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"))[32..(32 + 1024)];

    /// <summary>A TD report 1.0 body (584 bytes) carrying the TDREPORT's fields.</summary>
    public static byte[] BodyFor(ReadOnlySpan<byte> td)
    {
        var body = new byte[584];
        td.Slice(TeeTcbInfo + 8, 16).CopyTo(body.AsSpan(0));      // TEE_TCB_SVN
        td.Slice(TeeTcbInfo + 24, 48).CopyTo(body.AsSpan(16));    // MRSEAM
        td.Slice(TeeTcbInfo + 72, 48).CopyTo(body.AsSpan(64));    // MRSIGNERSEAM
        td.Slice(TeeTcbInfo + 120, 8).CopyTo(body.AsSpan(112));   // SEAMATTRIBUTES
        td.Slice(TdInfo, 8).CopyTo(body.AsSpan(120));             // TDATTRIBUTES
        td.Slice(TdInfo + 8, 8).CopyTo(body.AsSpan(128));         // XFAM
        td.Slice(TdInfo + 16, 48 * 8).CopyTo(body.AsSpan(136));   // MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0..3
        td.Slice(TdReportReportData, 64).CopyTo(body.AsSpan(520)); // REPORTDATA
        return body;
    }

    /// <summary>A signed quote for a TDREPORT.</summary>
    public byte[] QuoteFor(ReadOnlySpan<byte> tdReport) => QuoteForBody(BodyFor(tdReport));

    /// <summary>A signed quote over any 584-byte body.</summary>
    public byte[] QuoteForBody(byte[] body)
    {
        using var ak = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ak.ExportParameters(false);
        byte[] akRaw = [.. p.Q.X!, .. p.Q.Y!];
        byte[] signed = [.. _template.Raw.Span[..TdxQuoteHeader.Size], .. body];
        byte[] signature = ak.SignData(signed, HashAlgorithmName.SHA256);

        var s = _template.SignatureData;
        byte[] qeReport = s.QeReport.Raw.ToArray();
        byte[] qeAuth = s.QeAuthData.ToArray();
        byte[] binding = SHA256.HashData([.. akRaw, .. qeAuth]);
        binding.CopyTo(qeReport, SgxReportBody.ReportDataOffset);
        Array.Clear(qeReport, SgxReportBody.ReportDataOffset + 32, 32);
        byte[] qeSignature = Pki.LeafKey.SignData(qeReport, HashAlgorithmName.SHA256);
        byte[] pem = Encoding.ASCII.GetBytes(Pki.ChainPem());

        var outer = new List<byte>();
        outer.AddRange(qeReport);
        outer.AddRange(qeSignature);
        outer.AddRange(U16((ushort)qeAuth.Length));
        outer.AddRange(qeAuth);
        outer.AddRange(U16(5));
        outer.AddRange(U32((uint)pem.Length));
        outer.AddRange(pem);
        var sig = new List<byte>();
        sig.AddRange(signature);
        sig.AddRange(akRaw);
        sig.AddRange(U16(6));
        sig.AddRange(U32((uint)outer.Count));
        sig.AddRange(outer);
        return [.. signed, .. U32((uint)sig.Count), .. sig];
    }

    /// <summary>Options that trust the test root at <paramref name="time"/>.</summary>
    public TdxVerificationOptions Options(DateTimeOffset time) => new() { VerificationTime = time, TrustedRootOverride = Pki.Root };

    public void Dispose() => Pki.Dispose();

    private static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }

    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
}
