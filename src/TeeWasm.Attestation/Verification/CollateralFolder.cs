namespace TeeWasm.Attestation.Verification;

/// <summary>One file of a <see cref="CollateralFolder"/>: its bytes and what the platform recognised it as.</summary>
public sealed class CollateralFile
{
    internal CollateralFile(string path, byte[] data, string? setName = null)
    {
        Path = path;
        Data = data;
        Label = setName is null ? "--collateral " + path : $"collateral '{path}' ({setName})";
    }

    /// <summary>What messages call it: "--collateral PATH", or "collateral 'NAME' (the bundle's collateral)" for a set's piece.</summary>
    public string Label { get; }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Its name.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Its bytes.</summary>
    public byte[] Data { get; }

    /// <summary>What it was recognised as ("Intel TDX TCB info, FMSPC 90c06f000000"), or null when nothing recognised it.</summary>
    public string? RecognisedAs { get; private set; }

    /// <summary>Whether the evidence used it (a TCB info for another FMSPC is recognised, but not used).</summary>
    public bool Used { get; private set; }

    /// <summary>Records what the file is, and whether the evidence uses it.</summary>
    public void Recognise(string what, bool used = true)
    {
        RecognisedAs = what;
        Used |= used;
    }
}

/// <summary>
/// The files of a <c>--collateral</c> folder, read once, or the pieces of a <see cref="CollateralSet"/> (a bundle's):
/// every platform recognises the files it knows by content (never by name) and marks them. In a folder the user gave, a
/// file nobody recognises, or a folder nothing of which the evidence could use, is an input error — an option the user
/// gave and that was not used must not pass silently; a bundle's pieces are what its host had, and need not all apply.
/// </summary>
public sealed class CollateralFolder
{
    private CollateralFolder(string directory, IReadOnlyList<CollateralFile> files, bool givenByUser)
    {
        Directory = directory;
        Files = files;
        GivenByUser = givenByUser;
    }

    /// <summary>The folder (for a set: what it is, "the bundle's collateral").</summary>
    public string Directory { get; }

    /// <summary>True for a <c>--collateral</c> folder, false for a set's pieces.</summary>
    public bool GivenByUser { get; }

    /// <summary>The pieces of <paramref name="set"/> as files named after them (<see cref="CollateralItem.Name"/>), read by the same recognisers.</summary>
    /// <param name="set">The set.</param>
    /// <param name="what">What the set is, for messages ("the bundle's collateral").</param>
    public static CollateralFolder FromSet(CollateralSet set, string what)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new CollateralFolder(what, [.. set.Items.Select(i => new CollateralFile(i.Name, i.Body, what))], givenByUser: false);
    }

    /// <summary>Its files (regular files; names starting with '.' are skipped), in ordinal name order.</summary>
    public IReadOnlyList<CollateralFile> Files { get; }

    /// <summary>Reads every file of <paramref name="directory"/>.</summary>
    /// <exception cref="VerificationInputException">The folder does not exist or a file cannot be read.</exception>
    public static CollateralFolder Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new VerificationInputException($"--collateral: folder '{directory}' not found");
        var files = new List<CollateralFile>();
        try
        {
            foreach (string path in System.IO.Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(path).StartsWith('.')) continue;
                var file = new CollateralFile(path, Inputs.BoundedRead.File(path, Inputs.InputLimits.Collateral, "collateral file"));
                if (Path.GetFileName(path) == CollateralSet.IndexFileName) file.Recognise("index of fetched collateral", used: false);
                files.Add(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VerificationInputException($"--collateral {directory}: {e.Message}", e);
        }
        return new CollateralFolder(directory, files, givenByUser: true);
    }

    /// <summary>Every file was recognised by the platform that read the folder (a set's pieces need not be).</summary>
    /// <exception cref="VerificationInputException">Some were not: they are named.</exception>
    public void RequireEveryFileRecognised()
    {
        if (!GivenByUser) return;
        var unknown = Files.Where(f => f.RecognisedAs is null).Select(f => f.Name).ToList();
        if (unknown.Count > 0)
            throw new VerificationInputException($"--collateral {Directory}: {string.Join(", ", unknown.Select(n => $"'{n}'"))} "
                + $"{(unknown.Count == 1 ? "is" : "are")} not collateral this evidence can use (see 'tee-wasm verify --help' for what a collateral folder holds)");
    }

    /// <summary>At least one file was used (a set's pieces need not be).</summary>
    /// <param name="what">What the evidence could have used, for the message ("Intel TCB info, QE identity or CRL for this TDX quote").</param>
    /// <exception cref="VerificationInputException">None was.</exception>
    public void RequireSomethingUsed(string what)
    {
        if (!GivenByUser) return;
        if (!Files.Any(f => f.Used))
            throw new VerificationInputException(Files.Count == 0
                ? $"--collateral {Directory}: the folder is empty; it must hold {what}"
                : $"--collateral {Directory}: nothing in it applies to this evidence (it must hold {what}; found: "
                  + string.Join(", ", Files.Select(f => $"'{f.Name}'" + (f.RecognisedAs is { } r ? $" = {r}" : " (not recognised)"))) + ")");
    }
}
