using System.Collections;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// A read-only list made on first use: an appraisal's decoded fields (hex of every measurement) cost more than the rest
/// of the appraisal and are read only when shown (<c>tee-wasm verify</c>), not on the attest and broker paths.
/// </summary>
internal sealed class DeferredList<T>(Func<IReadOnlyList<T>> make) : IReadOnlyList<T>
{
    private readonly Lazy<IReadOnlyList<T>> _items = new(make);

    public int Count => _items.Value.Count;

    public T this[int index] => _items.Value[index];

    public IEnumerator<T> GetEnumerator() => _items.Value.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
