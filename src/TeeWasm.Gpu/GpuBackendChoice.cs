using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu;

/// <summary>The backend <see cref="GpuBackendSelector"/> chose, and one line saying which and why.</summary>
/// <param name="Backend">The backend (the caller owns it).</param>
/// <param name="Reason">One line: the backend, its device, and for <c>auto</c> why the ones before it were passed over.</param>
/// <param name="IsFallback">
/// True when <c>auto</c> passed over a GPU that seemed present but failed (a driver that does not start, an adapter that
/// cannot be opened): worth a warning; false for an ordinary choice.
/// </param>
public sealed record GpuBackendChoice(IGpuBackend Backend, string Reason, bool IsFallback);
