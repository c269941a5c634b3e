namespace TeeWasm.Attestation.Tpm;

/// <summary>Carries one TPM 2.0 command to a TPM and brings back its response.</summary>
public interface ITpmTransport : IDisposable
{
    /// <summary>Sends a complete command buffer and returns the complete response buffer.</summary>
    byte[] Execute(ReadOnlySpan<byte> command);
}
