namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>One <c>Resource type="Measurement"</c> of a RIM: the values measurement block <c>Index + 1</c> may take.</summary>
/// <param name="Index">The RIM index (0-based).</param>
/// <param name="Active">False when the GPU does not use this index.</param>
/// <param name="Name">The resource name ("Measurement_9").</param>
/// <param name="Alternatives">The accepted SHA-384 values (Hash0 … Hash<c>alternatives-1</c>).</param>
public sealed record RimMeasurement(int Index, bool Active, string Name, IReadOnlyList<byte[]> Alternatives)
{
    /// <summary>The SPDM measurement block index this RIM index is compared with.</summary>
    public int BlockIndex => Index + 1;
}
