namespace TeeWasm.Cli.CommandLine;

/// <summary>The command line is wrong (exit code <see cref="ExitCodes.Usage"/>); the message is one line in the user's words.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    /// <summary>With the cause (e.g. a <c>PolicyException</c> whose unknown key gets a suggestion).</summary>
    public UsageException(string message, Exception inner) : base(message, inner) { }
}
