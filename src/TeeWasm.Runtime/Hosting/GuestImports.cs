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
    /// <summary>Reads the import section of <paramref name="module"/>.</summary>
    public static GuestImports Of(Module module)
    {
        bool attestation = false, gpu = false, webgpu = false;
        foreach (var import in module.Imports)
        {
            switch (import.ModuleName)
            {
                case AttestationImports.ModuleName or AttestationImports.LegacyModuleName: attestation = true; break;
                case GpuImports.ComputeModule or GpuImports.KernelsModule: gpu = true; break;
                case WebGpuImports.ModuleName: webgpu = true; break;
            }
        }
        return new GuestImports(attestation, gpu, webgpu);
    }
}
