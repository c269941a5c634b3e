using Microsoft.Extensions.Logging;

namespace TeeWasm.Tests.Shared;

/// <summary>A logger that hands each message, at every level, to <paramref name="line"/> (tests collect what the host logs).</summary>
internal sealed class LineLogger(Action<string> line) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        line(formatter(state, exception));
}
