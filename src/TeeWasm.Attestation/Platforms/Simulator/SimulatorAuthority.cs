using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Platforms.Simulator;

/// <summary>
/// The simulator's key material: an ARK → ASK → VCEK hierarchy shaped like AMD's (RSA-4096 with RSA-PSS SHA-384 above a
/// P-384 VCEK carrying AMD's TCB and hwID extensions) and a P-384 GPU root → GPU device key. Made on first use and kept
/// in a directory (the user's data directory by default); every name says "TeeWasm Simulator" so no verifier confuses
/// it with AMD's or NVIDIA's roots. Trusted only in simulate mode.
/// </summary>
public sealed class SimulatorAuthority : IDisposable
{
    /// <summary>The TCB the simulated platform reports and its VCEK certifies.</summary>
    public static readonly SnpTcb Tcb = SnpTcb.Create(bootloader: 4, tee: 0, snp: 22, microcode: 213);

    private const string Organization = "O=TeeWasm Simulator (not AMD or NVIDIA)";
    private static readonly DateTimeOffset s_notBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_notAfter = new(2049, 12, 31, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_lockWait = TimeSpan.FromMinutes(2);

    private SimulatorAuthority(string directory, X509Certificate2 ark, X509Certificate2 ask, X509Certificate2 vcek,
        X509Certificate2 gpuRoot, X509Certificate2 gpuDevice)
    {
        Directory = directory;
        Ark = ark;
        Ask = ask;
        Vcek = vcek;
        GpuRoot = gpuRoot;
        GpuDevice = gpuDevice;
        ChipId = AmdCertificateExtensions.FromCertificate(vcek).HardwareId ?? throw new AttestationException("simulator VCEK has no hwID");
    }

    /// <summary>Where the material is kept.</summary>
    public string Directory { get; }

    /// <summary>The simulator's AMD-style root (self-signed, RSA-PSS).</summary>
    public X509Certificate2 Ark { get; }

    /// <summary>The simulator's AMD-style intermediate, signed by <see cref="Ark"/>.</summary>
    public X509Certificate2 Ask { get; }

    /// <summary>The simulator's VCEK (with private key), signed by <see cref="Ask"/>.</summary>
    public X509Certificate2 Vcek { get; }

    /// <summary>The simulated GPU identity root.</summary>
    public X509Certificate2 GpuRoot { get; }

    /// <summary>The simulated GPU device certificate (with private key), signed by <see cref="GpuRoot"/>.</summary>
    public X509Certificate2 GpuDevice { get; }

    /// <summary>The simulated chip id (the VCEK's hwID).</summary>
    public byte[] ChipId { get; }

    /// <summary>The default directory: the user's TeeWasm data directory, subfolder "simulator".</summary>
    public static string DefaultDirectory => Path.Combine(DefaultDataDirectory, "simulator");

    /// <summary>The user's data directory for TeeWasm ($XDG_DATA_HOME/tee-wasm or ~/.local/share/tee-wasm).</summary>
    public static string DefaultDataDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(baseDir, "tee-wasm");
        }
    }

    /// <summary>Loads the material from <paramref name="directory"/>, making it on first use (safe across processes).</summary>
    public static SimulatorAuthority LoadOrCreate(string? directory = null)
    {
        directory ??= DefaultDirectory;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            using var lockFile = AcquireLock(Path.Combine(directory, ".lock"));
            if (!File.Exists(PathOf(directory, "gpu-device", "crt"))) Create(directory);
            return new SimulatorAuthority(directory,
                Load(directory, "ark"), Load(directory, "ask"), Load(directory, "vcek"),
                Load(directory, "gpu-root"), Load(directory, "gpu-device"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new AttestationException($"simulator key material in '{directory}' is not usable: {e.Message}", e);
        }
    }

    private static void Create(string dir)
    {
        using var arkKey = RSA.Create(4096);
        using var askKey = RSA.Create(4096);
        using var vcekKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var gpuRootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var gpuKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var arkName = new X500DistinguishedName($"CN=ARK-Milan, {Organization}");
        var askName = new X500DistinguishedName($"CN=SEV-Milan, {Organization}");
        var arkReq = new CertificateRequest(arkName, arkKey, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        arkReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ark = arkReq.CreateSelfSigned(s_notBefore, s_notAfter);

        var askReq = new CertificateRequest(askName, askKey, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        askReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ask = askReq.Create(arkName, X509SignatureGenerator.CreateForRSA(arkKey, RSASignaturePadding.Pss), s_notBefore, s_notAfter, [0x01]);

        var vcekReq = new CertificateRequest(new X500DistinguishedName($"CN=SEV-VCEK, {Organization}"), vcekKey, HashAlgorithmName.SHA384);
        foreach (var e in AmdCertificateExtensions.CreateForVcek(Tcb, RandomNumberGenerator.GetBytes(64))) vcekReq.CertificateExtensions.Add(e);
        using var vcek = vcekReq.Create(askName, X509SignatureGenerator.CreateForRSA(askKey, RSASignaturePadding.Pss), s_notBefore, s_notAfter, [0x02]);

        var gpuRootName = new X500DistinguishedName($"CN=NVIDIA Device Identity CA (simulated), {Organization}");
        var gpuRootReq = new CertificateRequest(gpuRootName, gpuRootKey, HashAlgorithmName.SHA384);
        gpuRootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var gpuRoot = gpuRootReq.CreateSelfSigned(s_notBefore, s_notAfter);
        var gpuReq = new CertificateRequest(new X500DistinguishedName($"CN=GH100 A01 FSP BROM (simulated), {Organization}"), gpuKey, HashAlgorithmName.SHA384);
        using var gpu = gpuReq.Create(gpuRootName, X509SignatureGenerator.CreateForECDsa(gpuRootKey), s_notBefore, s_notAfter, [0x03]);

        Save(dir, "ark", ark, arkKey);
        Save(dir, "ask", ask, askKey);
        Save(dir, "vcek", vcek, vcekKey);
        Save(dir, "gpu-root", gpuRoot, gpuRootKey);
        Save(dir, "gpu-device", gpu, gpuKey); // written last: its presence marks the set complete
    }

    private static void Save(string dir, string name, X509Certificate2 cert, AsymmetricAlgorithm key)
    {
        string keyPath = PathOf(dir, name, "key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(PathOf(dir, name, "crt"), cert.ExportCertificatePem());
    }

    private static X509Certificate2 Load(string dir, string name) =>
        X509Certificate2.CreateFromPemFile(PathOf(dir, name, "crt"), PathOf(dir, name, "key"));

    private static string PathOf(string dir, string name, string ext) => Path.Combine(dir, $"{name}.{ext}.pem");

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + s_lockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Ark.Dispose();
        Ask.Dispose();
        Vcek.Dispose();
        GpuRoot.Dispose();
        GpuDevice.Dispose();
    }
}
