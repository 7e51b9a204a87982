using System.Buffers;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

public sealed partial class MsrpSession
{
    /// <summary>Checks an incoming request for this session and decides where its body goes (RFC 4975 §7.3).</summary>
    internal IncomingChunk BeginChunk(MsrpConnection connection, MsrpHeadInfo head, bool hasBody)
    {
        // RFC 4975 §5.4: the passive side binds the session to the connection its first request arrives on; a
        // request on any other connection is answered 506.
        if (!ReferenceEquals(_connection, connection) && !PeerCertificateMatches(connection))
        {
            // RFC 4975 §14.4 / RFC 8122 §5: the certificate of a TLS peer must match the a=fingerprint of its SDP;
            // the session does not bind to a connection that fails the check.
            MsrpLog.FingerprintMismatch(_logger, LocalUri, connection.Name);
            return new IncomingChunk(head, this, MsrpStatus.Forbidden);
        }
        if (!TryBind(connection))
        {
            return new IncomingChunk(head, this, MsrpStatus.WrongConnection);
        }
        if (head.Method == MsrpMethod.Report)
        {
            return new IncomingChunk(head, this, 0);
        }
        if (head.MessageId is null)
        {
            // RFC 4975 §7.1.1: SEND requests carry a Message-ID.
            return new IncomingChunk(head, this, MsrpStatus.BadRequest);
        }
        var chunk = new IncomingChunk(head, this, 0)
        {
            Offset = head.HasByteRange ? head.ByteRange.Start - 1 : 0,
        };
        lock (_sync)
        {
            if (_incoming.TryGetValue(head.MessageId, out var existing))
            {
                chunk.Message = existing;
                return chunk;
            }
        }
        if (!hasBody)
        {
            // An empty SEND (RFC 4975 §5.4 / §7.1: it binds the connection, or ends a message with '#').
            return chunk;
        }
        if (head.ContentType is null || !IsAccepted(head.ContentType))
        {
            // RFC 4975 §7.3: a media type not in a=accept-types is refused with 415.
            chunk.Status = MsrpStatus.UnsupportedMediaType;
            return chunk;
        }
        long total = head.HasByteRange ? head.ByteRange.Total : -1;
        if (Options.MaxSize is long max && ((total >= 0 && total > max) || (head.HasByteRange && head.ByteRange.End > max)))
        {
            // RFC 4975 §8.7 a=max-size, §10.5: 413 asks the sender to stop sending the message.
            chunk.Status = MsrpStatus.TooLarge;
            return chunk;
        }
        // RFC 5547 §9 resume: a message expected to start mid-way (a=file-range) delivers from that offset.
        var message = new MsrpIncomingMessage(this, head.MessageId, head.ContentType, total, Options.IncomingStartOffset, _options);
        lock (_sync)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                chunk.Status = MsrpStatus.SessionDoesNotExist;
                return chunk;
            }
            if (!_queue.Writer.TryWrite(message))
            {
                chunk.Status = MsrpStatus.TooLarge;
                return chunk;
            }
            _incoming[head.MessageId] = message;
        }
        chunk.Message = message;
        return chunk;
    }

    /// <summary>
    /// True unless the peer's SDP carries an a=fingerprint that the certificate presented on this TLS connection
    /// does not match (or no certificate was presented). Checked on a direct connection only: through relays the
    /// connection's certificate is a relay's (RFC 4976 §7).
    /// </summary>
    private bool PeerCertificateMatches(MsrpConnection connection)
    {
        if (!connection.IsSecure || Relay is not null || RemoteDescription is not { Fingerprint: { } fingerprint } remote || remote.Path.Count != 1)
        {
            return true;
        }
        return connection.RemoteCertificate is { } certificate && MsrpFingerprint.Matches(certificate, fingerprint);
    }

    /// <summary>Ends a request: message completion, abort and success REPORT (RFC 4975 §7.1, §7.1.2). Returns the status to answer (0 = 200).</summary>
    internal int EndChunk(MsrpConnection connection, IncomingChunk chunk, MsrpContinuation continuation, long bodyLength)
    {
        var head = chunk.Head;
        if (head.Method == MsrpMethod.Report)
        {
            if (chunk.Status == 0)
            {
                OnReport(head);
            }
            return chunk.Status;
        }
        var message = chunk.Message;
        if (message is null)
        {
            return chunk.Status;
        }
        if (chunk.Status != 0)
        {
            // The reorder bound was exceeded (or similar): the message cannot complete here.
            Remove(message, MsrpReceiveOutcome.Failed, "rejected with " + chunk.Status);
            return chunk.Status;
        }
        if (continuation == MsrpContinuation.Aborted)
        {
            // RFC 4975 §7.1: '#' ends the message; what arrived so far is all there is.
            Remove(message, MsrpReceiveOutcome.Aborted, "aborted by the sender");
            return 0;
        }
        if (continuation == MsrpContinuation.Complete)
        {
            message.SetEnd(chunk.Offset + bodyLength);
        }
        if (message.IsComplete)
        {
            Remove(message, MsrpReceiveOutcome.Complete, null);
            if (head.SuccessReport == MsrpReportMode.Yes && head.FromPath is not null)
            {
                if (Options.DeferSuccessReports)
                {
                    // The application confirms (or refuses) once it has kept the message.
                    message.HoldReport(status => SendReport(connection, head, message, 0, status));
                }
                else
                {
                    SendReport(connection, head, message, 0, MsrpStatus.Ok);
                }
            }
        }
        return 0;
    }

    private void Remove(MsrpIncomingMessage message, MsrpReceiveOutcome outcome, string? reason)
    {
        lock (_sync)
        {
            _incoming.Remove(message.MessageId);
        }
        message.Finish(outcome, reason);
        MsrpLog.MessageEnded(_logger, message.MessageId, LocalUri, outcome);
    }

    /// <summary>
    /// RFC 4975 §7.1.2: a REPORT goes end to end: To-Path is the From-Path of the SEND, From-Path this session's URI,
    /// Byte-Range the bytes received, Status <c>000 code reason</c>. REPORTs are never answered.
    /// </summary>
    private void SendReport(MsrpConnection connection, MsrpHeadInfo send, MsrpIncomingMessage message, long start, int status)
    {
        var w = new ArrayBufferWriter<byte>(512);
        string tid = MsrpWire.NewId();
        MsrpWire.RequestLine(w, tid, "REPORT");
        MsrpWire.Header(w, "To-Path"u8, send.FromPath!);
        MsrpWire.Header(w, "From-Path"u8, FromPath);
        MsrpWire.Header(w, "Message-ID"u8, message.MessageId);
        long delivered = message.Delivered;
        MsrpWire.ByteRange(w, new MsrpByteRange(start + 1, delivered, message.TotalSize >= 0 ? message.TotalSize : delivered));
        MsrpWire.Header(w, "Status"u8, "000 " + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + MsrpStatus.ReasonPhrase(status));
        MsrpWire.EndLine(w, tid, MsrpContinuation.Complete, afterBody: false);
        connection.EnqueueControl(w.WrittenSpan.ToArray());
    }

    private void OnReport(MsrpHeadInfo head)
    {
        if (head.MessageId is null || !_outgoing.TryGetValue(head.MessageId, out var message))
        {
            return;
        }
        if (head.Status is null || !MsrpValueParsers.TryParseStatus(System.Text.Encoding.UTF8.GetBytes(head.Status), out _, out int code, out _))
        {
            return;
        }
        message.OnReport(code, head.HasByteRange ? head.ByteRange : null);
    }

    /// <summary>RFC 4975 §8.6: a type matches <c>*</c>, <c>type/*</c> or itself (parameters ignored, case-insensitive).</summary>
    internal bool IsAccepted(string contentType)
    {
        var type = contentType.AsSpan();
        int semi = type.IndexOf(';');
        if (semi >= 0)
        {
            type = type[..semi];
        }
        type = type.Trim();
        foreach (var accepted in Options.AcceptTypes)
        {
            var a = accepted.AsSpan().Trim();
            if (a is "*" || a.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (a.EndsWith("/*", StringComparison.Ordinal) && type.StartsWith(a[..^1], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
