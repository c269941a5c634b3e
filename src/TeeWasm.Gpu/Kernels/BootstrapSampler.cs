namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The bootstrap-sample generator of the original WGSL shader, which every backend uses so each draws the same indices:
/// <c>state = seed + i*747796405 + 2891336453</c> (wrapping u32), two rounds of xorshift32 (13, 17, 5),
/// index = <c>state % maxIndex</c>.
/// </summary>
internal static class BootstrapSampler
{
    /// <summary>The index drawn for position <paramref name="i"/>.</summary>
    public static uint Sample(uint seed, uint i, uint maxIndex)
    {
        uint state = unchecked(seed + (i * 747796405u) + 2891336453u);
        state = XorShift(XorShift(state));
        return state % maxIndex;
    }

    /// <summary>Fills <paramref name="output"/> with the indices for positions 0, 1, ….</summary>
    public static void Fill(uint seed, uint maxIndex, Span<uint> output)
    {
        for (int i = 0; i < output.Length; i++) output[i] = Sample(seed, (uint)i, maxIndex);
    }

    private static uint XorShift(uint x)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    }
}
