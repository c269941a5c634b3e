using TeeWasm.Cli.CommandLine;

namespace TeeWasm.Cli.Tests.CommandLine;

public sealed class SuggestionsTests
{
    private static readonly string[] s_commands = ["run", "compile", "cache", "detect", "attest", "info", "verify", "kbs", "help"];

    [Theory]
    [InlineData("rn", "run")]
    [InlineData("verfy", "verify")]
    [InlineData("attset", "attest")]
    [InlineData("RUN", "run")]
    [InlineData("comp", "compile")]
    public void CloseNames_AreSuggested(string typed, string expected) => Assert.Equal(expected, Suggestions.Closest(typed, s_commands));

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("x")]
    [InlineData("deploy")]
    public void FarNames_AreNot(string typed) => Assert.Null(Suggestions.Closest(typed, s_commands));

    [Theory]
    [InlineData("--dirr", "--dir")]
    [InlineData("--polcy", "--policy")]
    [InlineData("allow_debgu", "allow_debug")]
    public void OptionsAndKeys(string typed, string expected) =>
        Assert.Equal(expected, Suggestions.Closest(typed, ["--dir", "--env", "--policy", "--fuel", "allow_debug", "allow_simulated"]));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("ab", "ba", 1)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_IsOptimalStringAlignment(string a, string b, int distance)
    {
        Assert.Equal(distance, Suggestions.Distance(a, b));
        Assert.Equal(distance, Suggestions.Distance(b, a));
    }
}
