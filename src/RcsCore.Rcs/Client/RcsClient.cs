using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Ims.Client;
using RcsCore.Msrp;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// An RCS messaging client (OMA CPM / GSMA RCS UP as in GSMA RCC.07), what a handset or a test harness hosts: a SIP
/// user agent on its own transport (UDP or TCP on <see cref="RcsClientOptions.LocalAddress"/>), IMS registration with
/// the CPM feature tags, and an MSRP endpoint. It opens and accepts 1-to-1 chats (<see cref="RcsChat"/>), sends
/// standalone messages in pager or large-message mode by size, answers delivery notifications itself and display
/// notifications on <see cref="MarkDisplayedAsync"/> (RFC 5438), and raises events for incoming messages,
/// notifications and composing state. Every request goes to <see cref="RcsClientOptions.Server"/>.
/// </summary>
/// <remarks>Thread-safe. Event handlers run on network threads; exceptions they throw are logged.</remarks>
public sealed partial class RcsClient : IAsyncDisposable
{
    private readonly RcsClientOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SipTransportLayer _transport;
    private readonly SipUserAgent _ua;
    private RcsCapabilityClient? _capabilities;
    private readonly ImsRegistrationClient _registration;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RcsChat> _chats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RcsChatInvitation> _invitations = new(StringComparer.Ordinal);
    private readonly Channel<RcsChatInvitation> _invitationQueue = Channel.CreateUnbounded<RcsChatInvitation>();
    private readonly ConcurrentDictionary<SipDialogId, object> _dialogs = new();
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private readonly CancellationTokenSource _stopping = new();
    private MsrpEndpoint? _msrp;
    private MsrpRelayBinding? _relay;
    private int _transportStarted;
    private int _disposed;

    /// <summary>Creates the client; nothing is bound or sent before <see cref="StartAsync"/>.</summary>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    public RcsClient(RcsClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<RcsClient>();
        Identity = options.PublicIdentity.ToAddressOfRecord();
        var server = options.Server;
        _transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(server.Protocol, new IPEndPoint(options.LocalAddress, 0))],
        }, null, _loggerFactory);
        string host = options.LocalAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + options.LocalAddress + "]" : options.LocalAddress.ToString();
        _ua = new SipUserAgent(_transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(options.PublicIdentity, options.DisplayName),
            SentBy = destination => new SipHostPort(host, _transport.GetLocalEndPoint(destination.Protocol)?.Address.Port ?? -1),
            Product = options.Product,
            Accept = ["application/sdp", CpimContentType, "text/plain", Imdn.ImdnHeaders.ContentType, Composing.IsComposingDocument.MediaType],
            // 3GPP TS 24.229 §5.1.2A: the UE sends every request, in dialogs too, to its P-CSCF (the route set is the
            // proxy's Record-Route, RFC 3261 §12.2.1.1).
            ResolveNextHop = (_, _) => server,
        }, options.Timers, options.TimeProvider, _loggerFactory);
        _transport.Handler = _ua.Transactions;
        _registration = new ImsRegistrationClient(_ua, new ImsRegistrationOptions
        {
            Registrar = SipUri.Create(null, options.PublicIdentity.Host),
            NextHop = server,
            PublicIdentity = new SipNameAddress(options.PublicIdentity, options.DisplayName),
            PrivateIdentity = options.PrivateIdentity ?? options.PublicIdentity.User + "@" + options.PublicIdentity.Host,
            Credentials = options.Credentials,
            Expires = options.RegistrationExpires,
            // GSMA RCC.07 §2.4.4: the Contact advertises the CPM session, pager and large-message ICSIs.
            FeatureTags = CpmServices.ClientFeatureTags(fileTransferOverHttp: options.FileTransferHttpServer is not null),
            SubscribeToRegEvent = options.SubscribeToRegEvent,
        }, options.TimeProvider, _loggerFactory.CreateLogger<ImsRegistrationClient>());
        _ua.Handle("INVITE", OnInviteAsync);
        _ua.Handle("MESSAGE", OnMessageAsync);
        _ua.DialogTerminated += OnDialogTerminated;
    }

    /// <summary>The configuration.</summary>
    public RcsClientOptions Options => _options;

    /// <summary>
    /// The peer's RCS services (GSMA RCC.07 §2.6.1.1 capability exchange: an OPTIONS carrying our own tags, answered by
    /// the peer's device or by the message centre from the peer's registered tags), with the cache and validity rules
    /// of <see cref="RcsCapabilityClient"/>; 404 means not an RCS user, 480/408 offline.
    /// </summary>
    public Task<RcsCapabilityResult> GetCapabilitiesAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var client = LazyInitializer.EnsureInitialized(ref _capabilities, () => new RcsCapabilityClient(_ua, new RcsCapabilityOptions
        {
            // What this client registers (CpmServices.ClientFeatureTags): chat, pager and large-message mode.
            Own = RcsCapabilities.FromServices([RcsService.Chat, RcsService.StandaloneMessaging]),
            NextHop = _options.Server,
        }, _options.TimeProvider, _loggerFactory.CreateLogger<RcsCapabilityClient>()));
        return client.GetCapabilitiesAsync(peer, ct);
    }

    /// <summary>This client's address of record, e.g. <c>sip:alice@example.com</c>.</summary>
    public string Identity { get; }

    /// <summary>The current registration (a snapshot).</summary>
    public ImsRegistration Registration => _registration.Registration;

    /// <summary>The SIP transport's bound endpoint (after <see cref="StartAsync"/>).</summary>
    public SipEndPoint? LocalEndPoint => _transport.GetLocalEndPoint(_options.Server.Protocol);

    /// <summary>The open chats (a snapshot).</summary>
    public IReadOnlyCollection<RcsChat> Chats
    {
        get
        {
            lock (_lock)
            {
                return [.. _chats.Values];
            }
        }
    }

    /// <summary>A message arrived, in a chat or standalone (pager or large-message mode). A delivered notification went back already when asked for.</summary>
    public event EventHandler<RcsMessageReceivedEventArgs>? MessageReceived;

    /// <summary>A delivery or display notification arrived for a message this client sent (each status once per message).</summary>
    public event EventHandler<RcsNotificationEventArgs>? NotificationReceived;

    /// <summary>The peer of a chat started or stopped composing (RFC 3994).</summary>
    public event EventHandler<RcsComposingEventArgs>? ComposingChanged;

    /// <summary>A chat changed state (connecting, active, idle, closed).</summary>
    public event EventHandler<RcsChatStateEventArgs>? ChatStateChanged;

    /// <summary>A chat invitation arrived (also queued for <see cref="ReadInvitationsAsync"/> unless accepted automatically).</summary>
    public event EventHandler<RcsChatInvitation>? InvitationReceived;

    internal SipUserAgent UserAgent => _ua;

    internal MsrpEndpoint Msrp => _msrp ?? throw new InvalidOperationException("Call StartAsync first.");

    internal string MsrpHost => RcsSdp.HostOf(Msrp);

    /// <summary>The relay binding every MSRP session goes through, or null when MSRP goes straight to the peer.</summary>
    internal MsrpRelayBinding? MsrpRelayBinding => _relay;

    /// <summary>A new MSRP session, through the message centre's relay when one is configured (RFC 4976 §5).</summary>
    internal MsrpSession CreateMsrpSession(MsrpSessionOptions options) => Msrp.CreateSession(options, _relay);

    /// <summary>
    /// Starts the transport and the MSRP endpoint (first call only) and registers with the CPM feature tags
    /// (3GPP TS 24.229 §5.1.1.2, GSMA RCC.07 §2.4). Call again after <see cref="StopAsync"/> to come back online.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="RcsException">The registration failed (its status is the registrar's answer).</exception>
    public async Task<ImsRegistration> StartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _transportStarted, 1) == 0)
        {
            await _transport.StartAsync(ct).ConfigureAwait(false);
            _msrp = MsrpEndpoint.Start(new MsrpEndpointOptions { ListenEndPoint = new IPEndPoint(_options.LocalAddress, 0) }, _loggerFactory);
        }
        if (_options.MsrpRelay is { } relayUri && _relay is null)
        {
            // RFC 4976 §5.1: AUTH once; the binding re-authenticates itself before its Expires runs out.
            string user = _options.PrivateIdentity ?? _options.PublicIdentity.User + "@" + _options.PublicIdentity.Host;
            _relay = await Msrp.AuthenticateAsync(relayUri, new MsrpPasswordCredentials(user, _options.Credentials!.Password!), ct: ct).ConfigureAwait(false);
        }
        var registration = await _registration.RegisterAsync(ct).ConfigureAwait(false);
        if (registration.State != ImsRegistrationState.Registered)
        {
            throw new RcsException(registration.StatusCode, string.Create(CultureInfo.InvariantCulture,
                $"Registration of {Identity} failed: {registration.Error} ({registration.StatusCode})."));
        }
        Log.Registered(_logger, Identity, LocalEndPoint);
        return registration;
    }

    /// <summary>
    /// Goes offline: closes every chat (BYE), refuses pending invitations (480) and deregisters (RFC 3261 §10.2.2).
    /// The transport stays bound; <see cref="StartAsync"/> registers again.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    public async Task StopAsync(CancellationToken ct = default)
    {
        RcsChat[] chats;
        RcsChatInvitation[] invitations;
        lock (_lock)
        {
            chats = [.. _chats.Values];
            invitations = [.. _invitations.Values];
        }
        foreach (var invitation in invitations)
        {
            await invitation.RejectQuietlyAsync(480).ConfigureAwait(false);
        }
        foreach (var chat in chats)
        {
            await chat.CloseAsync(ct).ConfigureAwait(false);
        }
        if (Volatile.Read(ref _transportStarted) != 0 && _registration.Registration.State == ImsRegistrationState.Registered)
        {
            await _registration.UnregisterAsync(ct).ConfigureAwait(false);
            Log.Unregistered(_logger, Identity);
        }
    }

    /// <summary>
    /// Opens a 1-to-1 chat with <paramref name="peer"/>: the open chat with that peer if there is one (accepting
    /// its pending invitation if the peer invited first), else a new chat whose session is set up now with an INVITE
    /// carrying the CPM session ICSI (P-Preferred-Service, Accept-Contact, Contact feature tag), a new Contribution-ID
    /// and Conversation-ID, and an MSRP SDP offer (RFC 4975 §8, GSMA RCC.07).
    /// </summary>
    /// <param name="peer">The peer's SIP URI.</param>
    /// <param name="ct">Cancels the wait (the INVITE is not cancelled: other senders may share it).</param>
    /// <returns>The chat, with its session up.</returns>
    /// <exception cref="RcsException">The INVITE failed, e.g. 603 (declined) or 480 (offline).</exception>
    public async Task<RcsChat> OpenChatAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _ = Msrp;
        string key = peer.ToAddressOfRecord();
        RcsChat? chat;
        RcsChatInvitation? pending;
        bool created = false;
        lock (_lock)
        {
            _invitations.TryGetValue(key, out pending);
            if (!_chats.TryGetValue(key, out chat) && pending is null)
            {
                chat = new RcsChat(this, key, RcsHeaders.NewConversationId(), RcsChatState.Idle);
                _chats[key] = chat;
                created = true;
            }
        }
        if (chat is null && pending is not null)
        {
            // The peer invited first (a race seen by the user): accepting its invitation opens the chat.
            try
            {
                return await pending.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Answered meanwhile: open our own below.
                return await OpenChatAsync(peer, ct).ConfigureAwait(false);
            }
        }
        try
        {
            await chat!.EnsureSessionAsync(ct).ConfigureAwait(false);
        }
        catch when (created)
        {
            await chat!.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return chat;
    }

    /// <summary>The open chat with <paramref name="peer"/>, or null.</summary>
    /// <param name="peer">The peer's SIP URI.</param>
    /// <returns>The chat.</returns>
    public RcsChat? FindChat(SipUri peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            return _chats.GetValueOrDefault(peer.ToAddressOfRecord());
        }
    }

    /// <summary>
    /// The chat invitations waiting for an answer, in arrival order (unless <see cref="RcsClientOptions.AcceptChatsAutomatically"/>).
    /// Each must be accepted or declined; a new INVITE from a peer with an open chat needs no answer and is not listed.
    /// </summary>
    /// <param name="ct">Ends the enumeration.</param>
    /// <returns>The invitations.</returns>
    public async IAsyncEnumerable<RcsChatInvitation> ReadInvitationsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var invitation in _invitationQueue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (!invitation.IsAnswered)
            {
                yield return invitation;
            }
        }
    }

    /// <summary>Stops: closes chats, deregisters (bounded by a few seconds), then releases the transport and the MSRP endpoint.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        using (var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await StopAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ObjectDisposedException or IOException)
            {
                Log.StopFailed(_logger, Identity, e);
            }
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _invitationQueue.Writer.TryComplete();
        _fileQueue.Writer.TryComplete();
        await _registration.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_background.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Log.StopFailed(_logger, Identity, e);
        }
        catch (Exception)
        {
            // Background failures were logged when they happened (Track).
        }
        _ua.DialogTerminated -= OnDialogTerminated;
        _capabilities?.Dispose();
        _ua.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        _http?.Dispose();
        if (_relay is not null)
        {
            await _relay.DisposeAsync().ConfigureAwait(false);
        }
        if (_msrp is not null)
        {
            await _msrp.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"RCS client {Identity}";

    /// <summary>Keeps a background task to wait for at shutdown and logs its failure.</summary>
    internal void Track(Task task)
    {
        if (task.IsCompleted)
        {
            Observe(task);
            return;
        }
        _background.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) =>
        {
            var client = (RcsClient)s!;
            client._background.TryRemove(t, out _);
            client.Observe(t);
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Observe(Task task)
    {
        if (task.IsFaulted && task.Exception?.InnerException is { } e && e is not OperationCanceledException)
        {
            Log.BackgroundFailed(_logger, Identity, e);
        }
    }

    /// <summary>Removes a closed chat from the table.</summary>
    internal void Forget(RcsChat chat)
    {
        lock (_lock)
        {
            if (_chats.TryGetValue(chat.Peer, out var current) && ReferenceEquals(current, chat))
            {
                _chats.Remove(chat.Peer);
            }
        }
    }

    /// <summary>The chat an accepted invitation belongs to: the open one with the peer, or a new one.</summary>
    internal RcsChat AdoptInvitation(RcsChatInvitation invitation)
    {
        lock (_lock)
        {
            if (_invitations.TryGetValue(invitation.Peer, out var current) && ReferenceEquals(current, invitation))
            {
                _invitations.Remove(invitation.Peer);
            }
            if (!_chats.TryGetValue(invitation.Peer, out var chat))
            {
                chat = new RcsChat(this, invitation.Peer, invitation.ConversationId, RcsChatState.Idle);
                _chats[invitation.Peer] = chat;
            }
            return chat;
        }
    }

    internal void DropInvitation(RcsChatInvitation invitation)
    {
        lock (_lock)
        {
            if (_invitations.TryGetValue(invitation.Peer, out var current) && ReferenceEquals(current, invitation))
            {
                _invitations.Remove(invitation.Peer);
            }
        }
    }

    internal void RaiseChatState(RcsChat chat, RcsChatState previous, RcsChatState current)
    {
        Log.ChatState(_logger, Identity, chat.Peer, current);
        Raise(ChatStateChanged, new RcsChatStateEventArgs(chat, previous, current));
    }

    internal void RaiseComposing(RcsChat chat, Composing.IsComposingState state) => Raise(ComposingChanged, new RcsComposingEventArgs(chat, state));

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }
        try
        {
            handler(this, args);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, Identity, e);
        }
    }

    /// <summary>A dialog ended (BYE either way, failure, shutdown): its chat session or large-message session ends.</summary>
    private void OnDialogTerminated(object? sender, SipDialogTerminatedEventArgs e)
    {
        if (!_dialogs.TryRemove(e.Dialog.Id, out var owner))
        {
            return;
        }
        switch (owner)
        {
            case RcsChatSession session:
                if (e.Reason != SipDialogTerminationReason.LocalBye)
                {
                    Log.SessionEndedByPeer(_logger, Identity, session.Chat.Peer, e.Reason);
                }
                Track(session.Chat.EndSessionAsync(session, sendBye: false));
                break;
            case TaskCompletionSource ended:
                ended.TrySetResult();
                break;
        }
    }

    internal void LogReceiveStopped(string peer, Exception e) => Log.ReceiveStopped(_logger, Identity, peer, e);

    internal void LogSessionBroken(string peer, int status) => Log.SessionBroken(_logger, Identity, peer, status);

    internal void LogRaceRefused(string peer) => Log.RaceRefused(_logger, Identity, peer);

    internal void LogSessionUp(string peer, string callId, bool outgoing) => Log.SessionUp(_logger, Identity, peer, callId, outgoing);

    internal void LogSessionExpired(string peer, string callId) => Log.SessionExpired(_logger, Identity, peer, callId);

    /// <summary>The sender's address of record: the asserted identity (RFC 3325 §9.1), a SIP one first, else From.</summary>
    private static string SenderOf(SipRequest request)
    {
        SipUri? asserted = null;
        foreach (var pai in request.GetNameAddresses(SipHeaderName.PAssertedIdentity))
        {
            if (pai.Uri.Scheme is SipUriScheme.Sip or SipUriScheme.Sips)
            {
                asserted = pai.Uri;
                break;
            }
            asserted ??= pai.Uri;
        }
        return (asserted ?? request.From?.Uri)?.ToAddressOfRecord() ?? "anonymous";
    }
}
