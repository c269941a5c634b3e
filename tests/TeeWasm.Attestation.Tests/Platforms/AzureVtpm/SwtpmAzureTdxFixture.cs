using System.Security.Cryptography;
using System.Text;
using TeeWasm.Attestation.Platforms.AzureVtpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>A swtpm with the HCL reports of an Azure TDX CVM, and a TD quote factory (shared by the Azure TDX tests here and in the broker's).</summary>
public sealed class SwtpmAzureTdxFixture : IDisposable
{
    public Swtpm Tpm { get; } = new();
    internal TdQuoteFactory Factory { get; } = new(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

    public byte[] Claims(string userDataHex = "00") => ClaimsFor(Tpm.AkPublic, userDataHex);

    /// <summary>Runtime claims with <paramref name="ak"/> as HCLAkPub and this user-data.</summary>
    public static byte[] ClaimsFor(RSA ak, string userDataHex) => Encoding.UTF8.GetBytes(
        "{\"keys\":[" + RuntimeClaims.ToJwk(ak) + "],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"TDX\"},\"user-data\":\"" + userDataHex + "\"}");

    /// <summary>The HCL report the paravisor makes for a 64-byte user-data (upper-case hex, as Azure writes it).</summary>
    public byte[] HclFor(byte[] userData) => HclFor(Tpm.AkPublic, userData);

    /// <summary>The HCL report the paravisor makes for a 64-byte user-data, with <paramref name="ak"/> as HCLAkPub.</summary>
    public static byte[] HclFor(RSA ak, byte[] userData)
    {
        byte[] claims = ClaimsFor(ak, Convert.ToHexString(userData));
        return HclReport.Build(HclReportType.Tdx, TdReport(claims), claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length);
    }

    /// <summary>Provisions an HCL report with an all-zero 64-byte user-data (what the fake paravisor rewrites in place).</summary>
    public void ProvisionForUserData() => Tpm.ProvisionHcl(HclFor(new byte[64]));

    /// <summary>The real TDREPORT with report_data = SHA-256(claims) ‖ zeros, as the paravisor writes it.</summary>
    public static byte[] TdReport(byte[] claims)
    {
        byte[] td = TdQuoteFactory.RealTdReport();
        Array.Clear(td, 128, 64);
        SHA256.HashData(claims).CopyTo(td, 128);
        return td;
    }

    public byte[] ProvisionTdx(out byte[] claims, out byte[] td)
    {
        claims = Claims();
        td = TdReport(claims);
        byte[] hcl = HclReport.Build(HclReportType.Tdx, td, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length);
        Tpm.ProvisionHcl(hcl);
        return hcl;
    }

    public void Dispose()
    {
        Tpm.Dispose();
        Factory.Dispose();
    }
}
