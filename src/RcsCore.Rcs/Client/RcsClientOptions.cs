using System.Net;
using RcsCore.Ims.Client;
using RcsCore.Rcs.Composing;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs;

/// <summary>Configuration of an <see cref="RcsClient"/>.</summary>
public sealed class RcsClientOptions
{
    /// <summary>The public user identity (IMPU) registered and used as From, e.g. <c>sip:alice@example.com</c>.</summary>
    public required SipUri PublicIdentity { get; init; }

    /// <summary>The display name put in From and CPIM From, or null.</summary>
    public string? DisplayName { get; init; }

    /// <summary>
    /// The P-CSCF / message centre every request goes to (an outbound proxy: RFC 3261 §8.1.2, 3GPP TS 24.229 §5.1.2A);
    /// its protocol (UDP or TCP) is the one the client listens on and registers with.
    /// </summary>
    public required SipEndPoint Server { get; init; }

    /// <summary>The private user identity (Digest username); null for <c>user@host</c> of <see cref="PublicIdentity"/>.</summary>
    public string? PrivateIdentity { get; init; }

    /// <summary>The password or AKA keys answering registration challenges; null registers without authentication.</summary>
    public ImsCredentials? Credentials { get; init; }

    /// <summary>
    /// The message centre's MSRP relay (RFC 4976), e.g. <c>msrp://127.0.0.1:2855;tcp</c>, provisioned by the operator;
    /// null sends MSRP straight to the peer. When set, <see cref="RcsClient.StartAsync"/> authenticates to it with AUTH and
    /// the Digest password of <see cref="Credentials"/> (RFC 4976 §5.1; user name <see cref="PrivateIdentity"/>), and
    /// every session's a=path starts with the relay's Use-Path (RFC 4976 §5). Needs password credentials.
    /// </summary>
    public RcsCore.Parsing.Msrp.MsrpUri? MsrpRelay { get; init; }

    /// <summary>
    /// The file transfer over HTTP content server (GSMA RCC.07 ftHTTPCSURI), e.g. <c>http://127.0.0.1:8080/</c>;
    /// null: files go over MSRP only. When set, the client registers the FT-over-HTTP feature tag, uploads there with
    /// Digest (the registration's user name and password) and <see cref="RcsFileTransferMethod.Auto"/> prefers HTTP.
    /// Needs password credentials.
    /// </summary>
    public Uri? FileTransferHttpServer { get; init; }

    /// <summary>
    /// Serves files that peers request (RFC 5547 pull: an INVITE with a recvonly offer whose a=file-selector names the
    /// file). Called with the requester and the requested name, type, size and SHA-1 (what the request gave; the rest
    /// empty, -1 or null); returns the file from its start, or null when there is no such file. null (the default):
    /// every request is refused with 488.
    /// </summary>
    public RcsFileProvider? FileProvider { get; init; }

    /// <summary>The local address the SIP transport and the MSRP endpoint bind to (port 0 each). Default 127.0.0.1.</summary>
    public IPAddress LocalAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The registration expiry asked for, in seconds. Default 3600.</summary>
    public uint RegistrationExpires { get; init; } = 3600;

    /// <summary>Subscribe to the reg event package after registering (RFC 3680). Default false.</summary>
    public bool SubscribeToRegEvent { get; init; }

    /// <summary>
    /// How long a chat session may stay without any message either way before this side closes it with BYE (GSMA RCC.07:
    /// the 1-to-1 chat session is released on inactivity; the next message re-establishes it). Default 5 minutes.
    /// </summary>
    public TimeSpan ChatSessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The largest CPIM body sent in pager mode (RFC 3428 §8, OMA CPM: 1300 bytes); bigger standalone messages use
    /// large-message mode (INVITE + MSRP). Default 1300.
    /// </summary>
    public int PagerModeMaxBytes { get; init; } = 1300;

    /// <summary>Largest message received over MSRP, in bytes (a=max-size, RFC 4975 §8.7). Default 16 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Accept every chat invitation at once instead of queueing it for <see cref="RcsClient.ReadInvitationsAsync"/>. Default false.</summary>
    public bool AcceptChatsAutomatically { get; init; }

    /// <summary>
    /// Incoming files up to this size are accepted without asking, into <see cref="FileDownloadDirectory"/> (GSMA RCC.07
    /// file transfer auto-accept); 0 asks for every file (<see cref="RcsClient.ReadFileTransfersAsync"/>). Default 0.
    /// </summary>
    public long FileAutoAcceptMaxBytes { get; init; }

    /// <summary>Where automatically accepted files are saved (a unique name per file); null disables auto-accept.</summary>
    public string? FileDownloadDirectory { get; init; }

    /// <summary>isComposing timers (RFC 3994); null for <see cref="IsComposingOptions.Default"/>.</summary>
    public IsComposingOptions? Composing { get; init; }

    /// <summary>SIP timers (T1, T2...); null for the RFC 3261 defaults.</summary>
    public SipTimerOptions? Timers { get; init; }

    /// <summary>The clock for session expiry, isComposing and DateTime headers. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The User-Agent text. Default <c>RcsCore</c>.</summary>
    public string Product { get; init; } = "RcsCore";

    /// <summary>Throws <see cref="ArgumentException"/> when a value is missing or out of range.</summary>
    public void Validate()
    {
        if (PublicIdentity is null || PublicIdentity.User is null)
        {
            throw new ArgumentException("PublicIdentity must be a SIP URI with a user part.", nameof(PublicIdentity));
        }
        if (Server.Address is null || Server.Protocol is not (SipTransportProtocol.Udp or SipTransportProtocol.Tcp))
        {
            throw new ArgumentException("Server must be a UDP or TCP endpoint.", nameof(Server));
        }
        if (MsrpRelay is not null && Credentials?.Password is null)
        {
            throw new ArgumentException("MsrpRelay needs password credentials: the relay's AUTH is HTTP Digest (RFC 4976 §5.1).", nameof(MsrpRelay));
        }
        if (FileTransferHttpServer is not null && (Credentials?.Password is null || !FileTransferHttpServer.IsAbsoluteUri))
        {
            throw new ArgumentException("FileTransferHttpServer must be an absolute URI and needs password credentials (the content server's Digest, RCC.07).", nameof(FileTransferHttpServer));
        }
        ArgumentNullException.ThrowIfNull(LocalAddress);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ChatSessionIdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(PagerModeMaxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfZero(RegistrationExpires);
        ArgumentOutOfRangeException.ThrowIfNegative(FileAutoAcceptMaxBytes);
    }
}
