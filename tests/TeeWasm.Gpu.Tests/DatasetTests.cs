using System.Security.Cryptography;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Gpu.Tests;

/// <summary>The committed diabetes CSVs are byte-identical to the original's (see data/make-diabetes.py).</summary>
public sealed class DatasetTests
{
    [Theory]
    [InlineData("diabetes_train.csv", "3b7235974620c662d3caff4d504b58dc19d9b4bbc38f18d52583a556464b73e3", 353)]
    [InlineData("diabetes_test.csv", "818f71925963599976c4d053d65cb14a77f344fa9142b19dfca86d1154b5645b", 89)]
    public void CsvMatchesTheOriginal(string file, string sha256, int rows)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "data", file));
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        string[] lines = System.Text.Encoding.ASCII.GetString(bytes).TrimEnd('\n').Split('\n');
        Assert.Equal("age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target", lines[0]);
        Assert.Equal(rows, lines.Length - 1);
    }
}
