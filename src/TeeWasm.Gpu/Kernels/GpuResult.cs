namespace TeeWasm.Gpu.Kernels;

/// <summary>Success, or a <see cref="GpuError"/>: the result of a backend operation without a value.</summary>
public readonly record struct GpuResult
{
    private readonly GpuError _error;

    private GpuResult(bool ok, GpuError error)
    {
        IsOk = ok;
        _error = error;
    }

    /// <summary>The successful result.</summary>
    public static GpuResult Ok => new(true, default);

    /// <summary>True on success.</summary>
    public bool IsOk { get; }

    /// <summary>The error; only meaningful when <see cref="IsOk"/> is false.</summary>
    public GpuError Error => _error;

    /// <summary>A failed result.</summary>
    public static GpuResult Fail(GpuError error) => new(false, error);

    /// <summary>Converts an error into a failed result.</summary>
    public static implicit operator GpuResult(GpuError error) => Fail(error);

    /// <inheritdoc/>
    public override string ToString() => IsOk ? "Ok" : "Err(" + _error + ")";
}

/// <summary>A value, or a <see cref="GpuError"/>.</summary>
/// <typeparam name="T">The type of the value.</typeparam>
public readonly record struct GpuResult<T>
{
    private readonly T? _value;
    private readonly GpuError _error;

    private GpuResult(bool ok, T? value, GpuError error)
    {
        IsOk = ok;
        _value = value;
        _error = error;
    }

    /// <summary>True on success.</summary>
    public bool IsOk { get; }

    /// <summary>The value; throws when the result is an error.</summary>
    public T Value => IsOk ? _value! : throw new InvalidOperationException("GpuResult holds the error " + _error);

    /// <summary>The error; only meaningful when <see cref="IsOk"/> is false.</summary>
    public GpuError Error => _error;

    /// <summary>A successful result holding <paramref name="value"/>.</summary>
    public static GpuResult<T> Ok(T value) => new(true, value, default);

    /// <summary>A failed result.</summary>
    public static GpuResult<T> Fail(GpuError error) => new(false, default, error);

    /// <summary>Wraps a value.</summary>
    public static implicit operator GpuResult<T>(T value) => Ok(value);

    /// <summary>Converts an error into a failed result.</summary>
    public static implicit operator GpuResult<T>(GpuError error) => Fail(error);

    /// <inheritdoc/>
    public override string ToString() => IsOk ? $"Ok({_value})" : "Err(" + _error + ")";
}
