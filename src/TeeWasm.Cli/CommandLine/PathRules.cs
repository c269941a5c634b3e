using System.CommandLine;
using System.CommandLine.Parsing;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// Checks, while parsing, that the files and directories a command line names are there: a missing one is a usage
/// error (exit 2) that names the option, like any other wrong value.
/// </summary>
internal static class PathRules
{
    private enum Kind { File, Directory, Output }

    /// <summary>Each value must be an existing file.</summary>
    public static Option<T> ExistingFile<T>(this Option<T> option)
    {
        option.Validators.Add(r => Check(r, option.Name + ": file", Kind.File));
        return option;
    }

    /// <summary>Each value must be an existing directory (<paramref name="path"/> picks the path out of a value, e.g. HOST of HOST::GUEST).</summary>
    public static Option<T> ExistingDirectory<T>(this Option<T> option, Func<string, string?>? path = null)
    {
        option.Validators.Add(r => Check(r, option.Name + ": directory", Kind.Directory, path));
        return option;
    }

    /// <summary>Each value must be a file that can be written: its directory exists and it is not a directory.</summary>
    public static Option<T> WritableFile<T>(this Option<T> option)
    {
        option.Validators.Add(r => Check(r, option.Name, Kind.Output));
        return option;
    }

    /// <summary>The argument must be an existing file; <paramref name="what"/> names it in the message ("module file").</summary>
    public static Argument<T> ExistingFile<T>(this Argument<T> argument, string what)
    {
        argument.Validators.Add(r => Check(r, what, Kind.File));
        return argument;
    }

    private static void Check(SymbolResult result, string what, Kind kind, Func<string, string?>? pathOf = null)
    {
        foreach (Token token in result.Tokens)
        {
            if ((pathOf is null ? token.Value : pathOf(token.Value)) is not { Length: > 0 } path) continue;
            if (Problem(path, what, kind) is { } problem)
            {
                result.AddError(problem);
                return;
            }
        }
    }

    private static string? Problem(string path, string what, Kind kind) => kind switch
    {
        Kind.File when File.Exists(path) => null,
        Kind.File => Directory.Exists(path) ? $"{what} '{path}' is a directory" : $"{what} '{path}' not found",
        Kind.Directory when Directory.Exists(path) => null,
        Kind.Directory => File.Exists(path) ? $"{what} '{path}' is a file, not a directory" : $"{what} '{path}' not found",
        _ when Directory.Exists(path) => $"{what} '{path}' is a directory; give a file name",
        _ when Path.GetDirectoryName(path) is { Length: > 0 } dir && !Directory.Exists(dir) => $"{what} '{path}': directory '{dir}' does not exist",
        _ => null,
    };
}
