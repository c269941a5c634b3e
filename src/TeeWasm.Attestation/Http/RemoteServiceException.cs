using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Http;

/// <summary>A remote attestation service or key broker failed, refused, or answered something that does not verify.</summary>
public class RemoteServiceException : AttestationException
{
    /// <summary>Creates the exception; the message starts with the service's name.</summary>
    public RemoteServiceException(string service, string message, Exception? innerException = null)
        : base($"{service}: {message}", innerException!)
    {
        Service = service;
    }

    /// <summary>The service, as "name at URL".</summary>
    public string Service { get; }

    /// <summary>The HTTP status of the failing answer, or null when there was none (timeout, connection refused).</summary>
    public int? StatusCode { get; init; }
}
