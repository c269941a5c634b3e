namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Intel's TDX TCB status algorithm (QVL; go-tdx-guest verify.go): the first TCB level whose SGX components and
/// PCESVN the PCK meets and whose TDX components TEE_TCB_SVN meets; then the TDX module identity
/// ("TDX_%02X" of TEE_TCB_SVN[1]) when TEE_TCB_SVN[1] &gt; 0; then the QE identity; statuses converged.
/// </summary>
internal static class TcbEvaluator
{
    /// <summary>With a module version in TEE_TCB_SVN[1], bytes 0..1 are the module's and are judged by its identity.</summary>
    private const int TdxComponentsStartWithModuleIdentity = 2;

    public static void Evaluate(TdxQuote quote, PckCertificateExtensions pck, TdxCollateral collateral, TdxVerificationResult result, List<string> warnings)
    {
        var advisories = new List<string>();
        TcbStatus? status = null;
        if (collateral.TcbInfo is { } tcbInfo)
        {
            if (!string.Equals(tcbInfo.Fmspc, pck.FmspcHex, StringComparison.OrdinalIgnoreCase))
            {
                TdxQuoteVerifier.Fail(result, TdxFailureReason.FmspcMismatch, $"tcbInfo FMSPC {tcbInfo.Fmspc} is not the PCK's FMSPC {pck.FmspcHex}");
                return;
            }
            if (!string.Equals(tcbInfo.PceId, Convert.ToHexString(pck.PceId.Span), StringComparison.OrdinalIgnoreCase))
            {
                TdxQuoteVerifier.Fail(result, TdxFailureReason.FmspcMismatch, $"tcbInfo PCE-ID {tcbInfo.PceId} is not the PCK's PCE-ID {Convert.ToHexString(pck.PceId.Span)}");
                return;
            }

            ReadOnlySpan<byte> teeTcbSvn = quote.Body.TeeTcbSvn.Span;
            TdxTcbLevel? level = tcbInfo.TcbLevels.FirstOrDefault(l => Matches(l, pck, quote.Body.TeeTcbSvn.Span));
            if (level is null)
            {
                TdxQuoteVerifier.Fail(result, TdxFailureReason.TcbLevelNotSupported,
                    $"TCB level not supported: no tcbInfo level (FMSPC {tcbInfo.Fmspc}) is met by PCK SGX components {string.Join(",", pck.SgxTcbComponents.ToArray())}, PCESVN {pck.PceSvn}, TEE_TCB_SVN {Convert.ToHexString(teeTcbSvn)}");
                return;
            }
            result.PlatformTcbStatus = level.Status;
            result.TcbDate = level.TcbDate;
            advisories.AddRange(level.AdvisoryIds);
            status = level.Status;

            if (!CheckModule(quote.Body, tcbInfo, result, advisories, ref status))
            {
                return;
            }
        }
        else
        {
            warnings.Add("no TCB info given: platform TCB status not evaluated");
        }

        if (collateral.QeIdentity is { } qeIdentity)
        {
            IsvSvnTcbLevel? qeLevel = qeIdentity.Evaluate(quote.SignatureData.QeReport, out string? qeError);
            if (qeLevel is null)
            {
                TdxQuoteVerifier.Fail(result, TdxFailureReason.QeIdentityMismatch, qeError!);
                return;
            }
            result.QeIdentityStatus = qeLevel.Status;
            advisories.AddRange(qeLevel.AdvisoryIds);
            if (status is { } s)
            {
                status = s.Converge(qeLevel.Status);
            }
            else if (qeLevel.Status == TcbStatus.Revoked)
            {
                status = TcbStatus.Revoked;
            }
        }
        else
        {
            warnings.Add("no QE identity given: QE not checked against Intel's identity");
        }

        result.TcbStatus = status;
        result.AdvisoryIds = [.. advisories.Distinct(StringComparer.Ordinal)];
        if (status == TcbStatus.Revoked || result.QeIdentityStatus == TcbStatus.Revoked)
        {
            TdxQuoteVerifier.Fail(result, TdxFailureReason.TcbRevoked, "TCB status Revoked (platform, TDX module or QE level)");
        }
    }

    private static bool Matches(TdxTcbLevel level, PckCertificateExtensions pck, ReadOnlySpan<byte> teeTcbSvn)
    {
        ReadOnlySpan<byte> sgx = pck.SgxTcbComponents.Span;
        for (int i = 0; i < PckCertificateExtensions.SgxTcbComponentCount; i++)
        {
            if (sgx[i] < level.SgxTcbComponents[i])
            {
                return false;
            }
        }
        if (pck.PceSvn < level.PceSvn)
        {
            return false;
        }
        int start = teeTcbSvn[1] > 0 ? TdxComponentsStartWithModuleIdentity : 0;
        for (int i = start; i < teeTcbSvn.Length; i++)
        {
            if (teeTcbSvn[i] < level.TdxTcbComponents[i])
            {
                return false;
            }
        }
        return true;
    }

    private static bool CheckModule(TdReportBody body, TdxTcbInfo tcbInfo, TdxVerificationResult result, List<string> advisories, ref TcbStatus? status)
    {
        byte version = body.TdxModuleMajorVersion;
        TdxModuleIdentity? identity;
        if (version > 0 && tcbInfo.TdxModuleIdentities.Count > 0)
        {
            string id = $"TDX_{version:X2}";
            identity = tcbInfo.TdxModuleIdentities.FirstOrDefault(m => m.Id == id);
            if (identity is null)
            {
                TdxQuoteVerifier.Fail(result, TdxFailureReason.TdxModuleMismatch, $"TDX module identity {id} is not in tcbInfo");
                return false;
            }
        }
        else
        {
            identity = tcbInfo.TdxModule;
        }
        if (identity is null)
        {
            return true;
        }
        if (!body.MrSignerSeam.Span.SequenceEqual(identity.MrSigner))
        {
            TdxQuoteVerifier.Fail(result, TdxFailureReason.TdxModuleMismatch, $"MRSIGNERSEAM {Convert.ToHexString(body.MrSignerSeam.Span)} differs from tcbInfo's {Convert.ToHexString(identity.MrSigner)}");
            return false;
        }
        if ((body.SeamAttributes & identity.AttributesMask) != identity.Attributes)
        {
            TdxQuoteVerifier.Fail(result, TdxFailureReason.TdxModuleMismatch, $"SEAM attributes 0x{body.SeamAttributes:X16} under mask differ from tcbInfo's");
            return false;
        }
        if (identity.TcbLevels.Count == 0)
        {
            return true;
        }
        IsvSvnTcbLevel? level = identity.TcbLevels.FirstOrDefault(l => body.TdxModuleSvn >= l.IsvSvn);
        if (level is null)
        {
            TdxQuoteVerifier.Fail(result, TdxFailureReason.TdxModuleMismatch, $"TDX module {identity.Id} SVN {body.TdxModuleSvn} is below every level (TCB level not supported)");
            return false;
        }
        result.TdxModuleTcbStatus = level.Status;
        advisories.AddRange(level.AdvisoryIds);
        status = status!.Value.Converge(level.Status);
        return true;
    }
}
