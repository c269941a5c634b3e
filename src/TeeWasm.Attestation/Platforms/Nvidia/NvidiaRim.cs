using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// An NVIDIA reference integrity manifest: an ISO/IEC 19770-2 SWID tag (TCG RIM information model) listing the
/// accepted measurement values per index, signed with an enveloped XML signature whose KeyInfo carries the chain.
/// </summary>
public sealed class NvidiaRim
{
    /// <summary>The SWID namespace.</summary>
    public const string SwidNamespace = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
    /// <summary>The namespace of the HashN attributes (the SHA-384 algorithm URI).</summary>
    public const string Sha384Namespace = "http://www.w3.org/2001/04/xmlenc#sha384";
    private const string DsigNamespace = "http://www.w3.org/2000/09/xmldsig#";

    private NvidiaRim(XmlDocument document) => Document = document;

    /// <summary>The document, loaded with whitespace preserved (as the signature needs it).</summary>
    public XmlDocument Document { get; }

    /// <summary>The SoftwareIdentity name (the chip, e.g. "GH100").</summary>
    public string Name { get; private init; } = "";

    /// <summary>The tag ID.</summary>
    public string TagId { get; private init; } = "";

    /// <summary>The firmware version the RIM describes (Meta colloquialVersion: driver "550.144.03" or VBIOS "96.00.5E.00.01").</summary>
    public string Version { get; private init; } = "";

    /// <summary>The measurement resources in document order.</summary>
    public IReadOnlyList<RimMeasurement> Measurements { get; private init; } = [];

    /// <summary>The certificates of the signature's KeyInfo, in document order (leaf first).</summary>
    public IReadOnlyList<X509Certificate2> SigningChain { get; private init; } = [];

    /// <summary>Parses a RIM.</summary>
    /// <exception cref="NvidiaAttestationException">Not XML, or not a SWID RIM with measurements.</exception>
    public static NvidiaRim Parse(string xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document.Load(reader);
        }
        catch (XmlException e)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "RIM is not well-formed XML: " + e.Message, e);
        }
        XmlElement root = document.DocumentElement!;
        if (root.LocalName != "SoftwareIdentity" || root.NamespaceURI != SwidNamespace)
            throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, $"RIM root is <{root.Name}>, not a SWID SoftwareIdentity");

        var ns = new XmlNamespaceManager(document.NameTable);
        ns.AddNamespace("swid", SwidNamespace);
        ns.AddNamespace("ds", DsigNamespace);
        var meta = root.SelectSingleNode("swid:Meta", ns) as XmlElement;

        var measurements = new List<RimMeasurement>();
        foreach (XmlElement r in root.SelectNodes("swid:Payload/swid:Resource[@type='Measurement']", ns)!.OfType<XmlElement>())
        {
            if (!int.TryParse(r.GetAttribute("index"), NumberStyles.None, CultureInfo.InvariantCulture, out int index) ||
                !int.TryParse(r.GetAttribute("alternatives"), NumberStyles.None, CultureInfo.InvariantCulture, out int alternatives))
                throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, $"RIM resource '{r.GetAttribute("name")}' lacks a numeric index or alternatives");
            var hashes = new List<byte[]>(alternatives);
            for (int i = 0; i < alternatives; i++)
            {
                string hex = r.GetAttribute("Hash" + i.ToString(CultureInfo.InvariantCulture), Sha384Namespace);
                try
                {
                    hashes.Add(Convert.FromHexString(hex));
                }
                catch (FormatException e)
                {
                    throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, $"RIM index {index}: Hash{i} is not hex", e);
                }
            }
            bool active = string.Equals(r.GetAttribute("active"), "true", StringComparison.OrdinalIgnoreCase);
            measurements.Add(new RimMeasurement(index, active, r.GetAttribute("name"), hashes));
        }
        if (measurements.Count == 0) throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "RIM has no measurement resources");

        var chain = new List<X509Certificate2>();
        foreach (XmlNode c in root.SelectNodes("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns)!)
        {
            try
            {
                chain.Add(CertificateLoader.Decode(Convert.FromBase64String(c.InnerText)));
            }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, $"RIM KeyInfo certificate {chain.Count} does not decode", e);
            }
        }

        return new NvidiaRim(document)
        {
            Name = root.GetAttribute("name"),
            TagId = root.GetAttribute("tagId"),
            Version = meta?.GetAttribute("colloquialVersion") ?? "",
            Measurements = measurements,
            SigningChain = chain,
        };
    }

    /// <summary>True when <paramref name="data"/> is XML whose root is a SWID <c>SoftwareIdentity</c> (what an NVIDIA RIM is), whatever the file is called.</summary>
    public static bool LooksLikeRim(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> t = data.Trim(" \t\r\n"u8);
        if (t.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) t = t[3..];
        return t.Length > 0 && t[0] == (byte)'<' && t.IndexOf("SoftwareIdentity"u8) >= 0;
    }

    /// <summary>Loads and parses a RIM file (at most <see cref="InputLimits.Rim"/> bytes: <see cref="InputTooLargeException"/> beyond).</summary>
    public static NvidiaRim Load(string path) => Parse(BoundedRead.Text(path, InputLimits.Rim, "RIM file"));
}
