using TeeWasm.Runtime.Interfaces.Attestation;
using TeeWasm.Runtime.Interfaces.Gpu;
using TeeWasm.Runtime.Interfaces.WebGpu;
using Wasmtime;

namespace TeeWasm.Runtime.Hosting;

/// <summary>Which TeeWasm host interfaces a module imports: the runner sets up only those.</summary>
/// <param name="Attestation"><c>wasmtime:attestation</c> (or the original guests' <c>wasmtime_attestation</c>).</param>
/// <param name="Gpu"><c>wasi:gpu/compute</c> or <c>wasi:gpu/ml-kernels</c>.</param>
/// <param name="WebGpu"><c>wasi:webgpu</c>.</param>
public readonly record struct GuestImports(bool Attestation, bool Gpu, bool WebGpu)
{
    /// <summary>
    /// It imports <c>wasi:webgpu</c> but none of TeeWasm's additions to it (<see cref="WebGpuImports.Additions"/>): a
    /// guest written for the original host.
    /// </summary>
    public bool WebGpuOriginalEra { get; init; }

    /// <summary>Reads the import section of <paramref name="module"/>.</summary>
    public static GuestImports Of(Module module)
    {
        bool attestation = false, gpu = false, webgpu = false, webgpuAdditions = false;
        foreach (var import in module.Imports)
        {
            switch (import.ModuleName)
            {
                case AttestationImports.ModuleName or AttestationImports.LegacyModuleName: attestation = true; break;
                case GpuImports.ComputeModule or GpuImports.KernelsModule: gpu = true; break;
                case WebGpuImports.ModuleName:
                    webgpu = true;
                    webgpuAdditions |= WebGpuImports.Additions.Contains(import.Name);
                    break;
            }
        }
        return new GuestImports(attestation, gpu, webgpu) { WebGpuOriginalEra = webgpu && !webgpuAdditions };
    }
}
