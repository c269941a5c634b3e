namespace TeeWasm.Gpu.Dawn;

/// <summary>A WebGPU operation failed (Dawn validation, out-of-memory or internal error, time-out); the message says why.</summary>
public class WebGpuException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public WebGpuException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public WebGpuException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>No usable WebGPU adapter: the Dawn library is missing or wrong, no Vulkan driver, or only Dawn's Null adapter.</summary>
public sealed class WebGpuUnavailableException : WebGpuException
{
    /// <summary>Creates the exception with a message that says why and how to fix it.</summary>
    public WebGpuUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public WebGpuUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A WGSL shader did not compile; <see cref="Messages"/> carry the compiler's line, column and text.</summary>
public sealed class WebGpuShaderCompilationException : WebGpuException
{
    /// <summary>Creates the exception from the compiler's messages (errors first in the text).</summary>
    public WebGpuShaderCompilationException(IReadOnlyList<ShaderCompilationMessage> messages)
        : base("WGSL compilation failed: " + string.Join("; ", messages.Where(m => m.IsError).Select(m => m.ToString())))
        => Messages = messages;

    /// <summary>Every message the compiler gave (errors, warnings, info).</summary>
    public IReadOnlyList<ShaderCompilationMessage> Messages { get; }
}

/// <summary>One WGSL compiler message: 1-based <paramref name="Line"/> and <paramref name="Column"/> (0 when unknown).</summary>
public sealed record ShaderCompilationMessage(bool IsError, ulong Line, ulong Column, string Text)
{
    /// <summary><c>line:column: error: text</c>.</summary>
    public override string ToString() => $"{Line}:{Column}: {(IsError ? "error" : "warning")}: {Text}";
}
