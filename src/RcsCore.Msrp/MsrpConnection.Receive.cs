using System.Buffers;
using System.IO.Pipelines;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp;

/// <summary>The request being received: where its body goes and what to answer (RFC 4975 §7.3).</summary>
internal sealed class IncomingChunk
{
    public IncomingChunk(MsrpHeadInfo head, MsrpSession? session, int status)
    {
        Head = head;
        Session = session;
        Status = status;
    }

    public MsrpHeadInfo Head { get; }

    public MsrpSession? Session { get; }

    /// <summary>0 while accepted; the error status once rejected.</summary>
    public int Status { get; set; }

    /// <summary>The message the body belongs to (SEND with a body), or null.</summary>
    public MsrpIncomingMessage? Message { get; set; }

    /// <summary>0-based offset of the chunk's first body byte within the message (Byte-Range start - 1).</summary>
    public long Offset { get; set; }
}

internal sealed partial class MsrpConnection
{
    private PipeWriter? _flushTarget;
    private MsrpIncomingMessage? _flushMessage;
    private MsrpBodyReader? _lendReader;

    private async Task ReceiveLoopAsync()
    {
        var input = _transport.Transport.Input;
        using var revoke = _closing.Token.UnsafeRegister(static state => ((MsrpConnection)state!).RevokeLend(), this);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                bool failed = false;
                while (true)
                {
                    var collector = new MsrpHeadCollector(_head);
                    var status = _frames.TryRead(ref buffer, ref collector, out var frame);
                    if (status == OperationStatus.InvalidData)
                    {
                        failed = true;
                        break;
                    }
                    if (status != OperationStatus.Done)
                    {
                        break;
                    }
                    switch (frame.Kind)
                    {
                        case MsrpFrameKind.Head:
                            OnHead(frame.HasBody);
                            break;
                        case MsrpFrameKind.Body:
                            if (_chunk is { Status: 0, Message: { } lendTo } lendChunk
                                && lendTo.TryLend(lendChunk.Offset + frame.BodyOffset, frame.Body, out var lend))
                            {
                                // Zero-copy: the reader reads the input buffer itself; this loop (and the socket,
                                // through the input pipe's bound) waits until it has advanced past these bytes.
                                Volatile.Write(ref _lendReader, lendTo.BodyReader);
                                if (_closing.IsCancellationRequested)
                                {
                                    lendTo.BodyReader.Revoke();
                                }
                                long used = await lend.ConfigureAwait(false);
                                Volatile.Write(ref _lendReader, null);
                                lendTo.Lent(used);
                                if (used < frame.Body.Length)
                                {
                                    OnBody(frame.Body.Slice(used), frame.BodyOffset + used);
                                }
                            }
                            else
                            {
                                OnBody(frame.Body, frame.BodyOffset);
                            }
                            break;
                        case MsrpFrameKind.End:
                            OnEnd(frame.Continuation, frame.BodyLength);
                            break;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (failed)
                {
                    // RFC 4975 §7.3: a stream cannot be resynchronised after a framing error; close it.
                    MsrpLog.InvalidData(_logger, Name, _frames.Error.Message);
                    _closeReason = "invalid MSRP data: " + _frames.Error.Message;
                    break;
                }
                if (_flushTarget is { } target)
                {
                    var message = _flushMessage!;
                    _flushTarget = null;
                    _flushMessage = null;
                    // Backpressure: an application that does not read its message body stops this loop (and the socket).
                    if (!message.IsEnded && (await target.FlushAsync(_closing.Token).ConfigureAwait(false)).IsCompleted)
                    {
                        message.OnReaderGone();
                    }
                }
                if (result.IsCompleted)
                {
                    _closeReason ??= _frames.IsInMessage ? "peer closed the connection mid-message" : "peer closed the connection";
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or TransportConnectionException)
        {
            _closeReason ??= ex.Message;
        }
        catch (Exception ex)
        {
            MsrpLog.ReceiveFailed(_logger, Name, ex);
            _closeReason ??= ex.Message;
        }
        finally
        {
            Shutdown(_closeReason ?? "receive loop ended");
        }
    }

    /// <summary>A closing connection takes back the body bytes lent to a reader, so the receive loop can stop.</summary>
    private void RevokeLend() => Volatile.Read(ref _lendReader)?.Revoke();

    private void OnHead(bool hasBody)
    {
        var head = _head;
        if (head.Kind == MsrpMessageKind.Response)
        {
            MsrpLog.ReceivedResponse(_logger, Name, head.TransactionId, head.StatusCode);
            if (_transactions.TryRemove(head.TransactionId, out var t))
            {
                t.Complete(head.StatusCode, head.Clone(), head.Comment);
            }
            else
            {
                // RFC 4975 §7.3: responses are hop-by-hop; a relay may pass on a second 200 (Kamailio does). Ignore it.
                MsrpLog.StrayResponse(_logger, Name, head.StatusCode, head.TransactionId);
            }
            _chunk = null;
            return;
        }
        MsrpLog.ReceivedRequest(_logger, Name, head.TransactionId, head.MethodName);
        var copy = head.Clone();
        if (_endpoint.RequestHandler is { } handler && handler.OnRequest(this, copy) is int handled)
        {
            _chunk = new IncomingChunk(copy, null, handled);
            return;
        }
        if (head.Method is not (MsrpMethod.Send or MsrpMethod.Report))
        {
            // RFC 4975 §7.3: an unknown method is answered 501 (AUTH too: this is an endpoint, not a relay).
            _chunk = new IncomingChunk(copy, null, MsrpStatus.NotImplemented);
            return;
        }
        var session = head.ToSessionId is null ? null : _endpoint.FindSession(head.ToSessionId);
        if (session is null || head.FirstToUri is null || !session.LocalUri.Matches(System.Text.Encoding.ASCII.GetBytes(head.FirstToUri)))
        {
            // RFC 4975 §7.3: the first To-Path URI must name a session of this endpoint, else 481.
            _chunk = new IncomingChunk(copy, null, MsrpStatus.SessionDoesNotExist);
            return;
        }
        _chunk = session.BeginChunk(this, copy, hasBody);
    }

    private void OnBody(ReadOnlySequence<byte> body, long bodyOffset)
    {
        var chunk = _chunk;
        if (chunk?.Message is not { } message || chunk.Status != 0)
        {
            return;
        }
        if (!message.Write(chunk.Offset + bodyOffset, body))
        {
            chunk.Status = MsrpStatus.TooLarge;
            return;
        }
        if (message.Writer is { } writer)
        {
            _flushTarget = writer;
            _flushMessage = message;
        }
    }

    private void OnEnd(MsrpContinuation continuation, long bodyLength)
    {
        var chunk = _chunk;
        _chunk = null;
        if (chunk is null)
        {
            return;
        }
        var head = chunk.Head;
        if (chunk.Status == 0 && chunk.Session is { } session)
        {
            chunk.Status = session.EndChunk(this, chunk, continuation, bodyLength);
        }
        int status = chunk.Status == 0 ? MsrpStatus.Ok : chunk.Status;
        if (status != MsrpStatus.Ok)
        {
            MsrpLog.Rejected(_logger, Name, head.MethodName, head.TransactionId, status);
        }
        if (head.Method == MsrpMethod.Report || status < 0)
        {
            // RFC 4975 §7.1.2: REPORT requests are never answered.
            return;
        }
        // RFC 4975 §7.1.2: Failure-Report no → no response at all; partial → only error responses.
        if (head.FailureReport == MsrpReportMode.No || (head.FailureReport == MsrpReportMode.Partial && status == MsrpStatus.Ok))
        {
            return;
        }
        if (head.FirstFromUri is null)
        {
            return;
        }
        EnqueueControl(MsrpWire.Response(head, status, chunk.Session is null ? _endpoint.RequestHandler?.ResponseHeaders(head, status) : null));
    }
}

/// <summary>
/// Intercepts requests before the endpoint's session routing (for a relay built on the same connections).
/// Internal: the relay server in this assembly plugs in here.
/// </summary>
internal interface IMsrpRequestHandler
{
    /// <summary>Returns a status to answer (or a negative value to send nothing), or null to let the endpoint route the request.</summary>
    int? OnRequest(MsrpConnection connection, MsrpHeadInfo head);

    /// <summary>Extra header lines (each ending in CRLF) for a response this handler asked for, or null.</summary>
    string? ResponseHeaders(MsrpHeadInfo request, int status);
}
