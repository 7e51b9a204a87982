using System.Buffers;
using System.Globalization;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp.Relay;

internal sealed partial class MsrpRelayConnection
{
    /// <summary>The smallest piece of a chunk the relay forwards before it lets a waiting frame go first.</summary>
    private const long MinInterruptBytes = 16 * 1024;

    private readonly MsrpRelayHead _head = new();
    private readonly Inbound _in = new();
    private MsrpFrameReader _frames;
    private int _interruptRequested;

    private enum Action : byte
    {
        /// <summary>A response, or nothing in progress.</summary>
        None = 0,
        /// <summary>Consume the request and answer <see cref="Inbound.Status"/>.</summary>
        Reject = 1,
        /// <summary>Stream the request into <see cref="Inbound.Target"/>.</summary>
        Forward = 2,
        /// <summary>An AUTH for this relay (RFC 4976 §6.3).</summary>
        Auth = 3,
    }

    /// <summary>The request being received and where it goes.</summary>
    private sealed class Inbound
    {
        public Action Action;
        public int Status;
        public string Reason = string.Empty;
        public bool HasBody;
        public MsrpRelayConnection? Target;
        public string Tid = string.Empty;
        public string ToPath = string.Empty;
        public string FromPath = string.Empty;
        public MsrpRelayTransaction? Transaction;
        /// <summary>Body bytes of the request forwarded so far (all pieces).</summary>
        public long Forwarded;
        /// <summary>Body bytes written into the current downstream chunk.</summary>
        public long InChunk;
        public long Unflushed;

        public void Reset()
        {
            Action = Action.None;
            Status = 0;
            Reason = string.Empty;
            HasBody = false;
            Target = null;
            Tid = ToPath = FromPath = string.Empty;
            Transaction = null;
            Forwarded = InChunk = Unflushed = 0;
        }
    }

    /// <summary>Asks the receive loop to end the chunk it forwards at the next opportunity (another frame waits for that output).</summary>
    public void RequestInterrupt()
    {
        if (Interlocked.Exchange(ref _interruptRequested, 1) == 0)
        {
            try
            {
                _transport.Transport.Input.CancelPendingRead();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var input = _transport.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    // A writer waits for the output this loop holds while the sender is idle: let it go first.
                    await InterruptIfWantedAsync(force: true).ConfigureAwait(false);
                }
                bool failed = false;
                while (true)
                {
                    var collector = new MsrpRelayHeadCollector(_head);
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
                            await OnHeadAsync(frame.HasBody).ConfigureAwait(false);
                            break;
                        case MsrpFrameKind.Body:
                            await OnBodyAsync(frame.Body).ConfigureAwait(false);
                            break;
                        case MsrpFrameKind.End:
                            await OnEndAsync(frame.Continuation).ConfigureAwait(false);
                            break;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (failed)
                {
                    // RFC 4975 §7.3: a stream cannot be resynchronised after a framing error; close it.
                    MsrpRelayLog.InvalidData(_logger, Name, _frames.Error.Message);
                    _closeReason ??= "invalid MSRP data: " + _frames.Error.Message;
                    break;
                }
                if (_in.Action == Action.Forward && _in.Unflushed > 0)
                {
                    // Backpressure: before reading more from this sender, wait until the next hop took what we wrote.
                    await FlushForwardAsync().ConfigureAwait(false);
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
            MsrpRelayLog.ReceiveFailed(_logger, Name, ex);
            _closeReason ??= ex.Message;
        }
        finally
        {
            if (_in.Action == Action.Forward)
            {
                // RFC 4975 §7.1.1: the sender is gone mid-chunk; end the forwarded chunk as interrupted ('+') so the
                // next hop's framing stays intact and the message can be resumed.
                await EndForwardedChunkAsync(MsrpContinuation.More, "sender connection closed").ConfigureAwait(false);
                _in.Reset();
            }
        }
    }

    private async ValueTask OnHeadAsync(bool hasBody)
    {
        var h = _head;
        _in.Reset();
        _in.HasBody = hasBody;
        if (h.Kind == MsrpMessageKind.Response)
        {
            OnResponse(h);
            return;
        }
        if (h.ToUris.Count == 0 || h.FromPath is null || h.FirstFromUri is null)
        {
            Reject(MsrpStatus.BadRequest, "no To-Path or From-Path");
            return;
        }
        if (h.Method == MsrpMethod.Auth && h.ToUris.Count == 1)
        {
            // RFC 4976 §6.3: an AUTH whose To-Path is only this relay is for this relay.
            _in.Action = Action.Auth;
            return;
        }
        if (h.Method == MsrpMethod.Other)
        {
            // RFC 4975 §7.3 / §10.8: a method the relay does not understand is answered 501.
            Reject(MsrpStatus.NotImplemented, "unknown method");
            return;
        }
        var route = _relay.Route(this, h);
        if (route.Status != 0)
        {
            Reject(route.Status, route.Reason);
            return;
        }
        var target = route.Target;
        if (target is null)
        {
            try
            {
                target = await _relay.ConnectAsync(route.NextHop!, _closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or TransportConnectionException or System.Security.Authentication.AuthenticationException)
            {
                MsrpRelayLog.ConnectFailed(_logger, route.NextHop!, ex);
                // RFC 4976 §6.4: the next hop cannot be reached; the session cannot continue through this relay.
                Reject(MsrpStatus.SessionDoesNotExist, "next hop unreachable");
                return;
            }
        }
        // RFC 4976 §6.4 (and §3): pop the URIs of this relay from To-Path, push them in front of From-Path.
        _in.ToPath = string.Join(' ', h.ToUris.Skip(route.Pops));
        var from = new System.Text.StringBuilder();
        for (int i = route.Pops - 1; i >= 0; i--)
        {
            from.Append(h.ToUris[i]).Append(' ');
        }
        _in.FromPath = from.Append(h.FromPath).ToString();
        try
        {
            await target.AcquireAsync(this, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            Reject(MsrpStatus.SessionDoesNotExist, "next hop connection closed");
            return;
        }
        _in.Target = target;
        _in.Action = Action.Forward;
        BeginForwardedChunk();
    }

    /// <summary>
    /// Writes the head of a forwarded request with a new transaction id (transactions are hop-by-hop, RFC 4975
    /// §7.3; OpenSIPS does the same) and registers the transaction awaiting the next hop's response. After an
    /// interruption the Byte-Range starts where the previous piece stopped (RFC 4975 §7.1.1).
    /// </summary>
    private void BeginForwardedChunk()
    {
        var h = _head;
        var target = _in.Target!;
        var w = target.HeldOutput;
        string tid = MsrpWire.NewId();
        _in.Tid = tid;
        _in.InChunk = 0;
        MsrpWire.RequestLine(w, tid, h.MethodName);
        MsrpWire.Header(w, "To-Path"u8, _in.ToPath);
        MsrpWire.Header(w, "From-Path"u8, _in.FromPath);
        if (_in.Forwarded > 0)
        {
            MsrpWire.ByteRange(w, new MsrpByteRange(h.ByteRange.Start + _in.Forwarded, h.ByteRange.End, h.ByteRange.Total));
        }
        else if (h.ByteRangeValue.WrittenCount > 0)
        {
            MsrpWire.Bytes(w, "Byte-Range: "u8);
            MsrpWire.Bytes(w, h.ByteRangeValue.WrittenSpan);
            MsrpWire.Bytes(w, "\r\n"u8);
        }
        MsrpWire.Bytes(w, h.OtherHeaders.WrittenSpan);
        if (_in.HasBody)
        {
            MsrpWire.Bytes(w, "\r\n"u8);
        }
        MsrpRelayLog.Forwarding(_relay.Logger, h.MethodName, h.TransactionId, tid, target.Name);
        // RFC 4975 §7.1.2: REPORTs get no response; Failure-Report no means the next hop answers nothing.
        if (h.Method != MsrpMethod.Report && !(h.Method == MsrpMethod.Send && h.FailureReport == MsrpReportMode.No))
        {
            var t = new MsrpRelayTransaction
            {
                Id = tid,
                Upstream = this,
                UpstreamTid = h.TransactionId,
                IsSend = h.Method == MsrpMethod.Send,
                UpstreamFromPath = h.FromPath!,
                LocalUri = h.ToUris[0],
                MessageId = h.MessageId,
                ByteRange = h.HasByteRange ? new MsrpByteRange(h.ByteRange.Start + _in.Forwarded, h.ByteRange.End, h.ByteRange.Total) : null,
                FailureReport = h.FailureReport,
                TimeoutIsSuccess = h.Method == MsrpMethod.Send && h.FailureReport == MsrpReportMode.Partial,
            };
            _in.Transaction = t;
            target.AddTransaction(t);
        }
    }

    private async ValueTask OnBodyAsync(ReadOnlySequence<byte> body)
    {
        if (_in.Action != Action.Forward)
        {
            return;
        }
        var w = _in.Target!.HeldOutput;
        foreach (var segment in body)
        {
            w.Write(segment.Span);
        }
        _in.Forwarded += body.Length;
        _in.InChunk += body.Length;
        _in.Unflushed += body.Length;
        if (_in.Unflushed >= _options.FlushThreshold)
        {
            await FlushForwardAsync().ConfigureAwait(false);
            await InterruptIfWantedAsync(force: false).ConfigureAwait(false);
        }
    }

    private async ValueTask FlushForwardAsync()
    {
        _in.Unflushed = 0;
        if (!await _in.Target!.FlushHeldAsync().ConfigureAwait(false))
        {
            ForwardBroken("next hop connection closed");
        }
    }

    /// <summary>The next hop went away mid-chunk: stop forwarding, consume the rest, answer 481.</summary>
    private void ForwardBroken(string reason)
    {
        var target = _in.Target!;
        MsrpRelayLog.ForwardFailed(_relay.Logger, _head.MethodName, _head.TransactionId, target.Name, reason);
        if (_in.Transaction is { } t)
        {
            target.RemoveTransaction(t.Id);
        }
        _ = target.ReleaseAsync().AsTask();
        Reject(MsrpStatus.SessionDoesNotExist, reason);
    }

    /// <summary>
    /// RFC 4975 §7.1.1: a sender may interrupt a chunk and send the rest later; the relay does so when another frame
    /// waits for the same output (a short message overtakes a long chunk, RFC 4976 re-chunking). Only SEND chunks
    /// with a Byte-Range can be split.
    /// </summary>
    private async ValueTask InterruptIfWantedAsync(bool force)
    {
        Volatile.Write(ref _interruptRequested, 0);
        if (_in.Action != Action.Forward || !_in.HasBody || _head.Method != MsrpMethod.Send || !_head.HasByteRange)
        {
            return;
        }
        var target = _in.Target!;
        if (!target.HasWaiters || _in.InChunk == 0 || (!force && _in.InChunk < MinInterruptBytes))
        {
            return;
        }
        MsrpRelayLog.ChunkInterrupted(_relay.Logger, _in.Tid, target.Name, _in.InChunk, "another frame waits");
        await EndForwardedChunkAsync(MsrpContinuation.More, null).ConfigureAwait(false);
        try
        {
            await target.AcquireAsync(this, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _in.Target = null;
            Reject(MsrpStatus.SessionDoesNotExist, "next hop connection closed");
            return;
        }
        BeginForwardedChunk();
    }

    /// <summary>Writes the end-line of the forwarded chunk and frees the next hop's output.</summary>
    private async ValueTask EndForwardedChunkAsync(MsrpContinuation flag, string? why)
    {
        var target = _in.Target!;
        if (why is not null)
        {
            MsrpRelayLog.ChunkInterrupted(_relay.Logger, _in.Tid, target.Name, _in.InChunk, why);
        }
        try
        {
            MsrpWire.EndLine(target.HeldOutput, _in.Tid, flag, afterBody: _in.HasBody);
        }
        catch (InvalidOperationException)
        {
        }
        await target.ReleaseAsync().ConfigureAwait(false);
    }

    private async ValueTask OnEndAsync(MsrpContinuation continuation)
    {
        var h = _head;
        int status;
        string? headers = null;
        switch (_in.Action)
        {
            case Action.None:
                return;
            case Action.Forward:
                await EndForwardedChunkAsync(continuation, null).ConfigureAwait(false);
                if (h.Method != MsrpMethod.Send)
                {
                    // RFC 4976 §6.4: responses to other requests come from the far end and are forwarded back.
                    _in.Reset();
                    return;
                }
                status = MsrpStatus.Ok;
                break;
            case Action.Auth:
                (status, headers) = await _relay.AuthenticateAsync(this, h, _closing.Token).ConfigureAwait(false);
                break;
            default:
                status = _in.Status;
                MsrpRelayLog.Rejected(_logger, Name, h.MethodName, h.TransactionId, status, _in.Reason);
                break;
        }
        _in.Reset();
        if (h.Method == MsrpMethod.Send ? !h.WantsResponse(status) : h.Method == MsrpMethod.Report)
        {
            return;
        }
        // RFC 4975 §7.2: a SEND response goes to the previous hop only; RFC 4976 §6.3/§6.5: responses to AUTH (and other
        // requests) travel back along the whole From-Path.
        string toPath = h.Method == MsrpMethod.Send ? h.FirstFromUri! : h.FromPath!;
        SendControl(MsrpRelayWire.Response(h.TransactionId, status, toPath, h.ToUris.Count > 0 ? h.ToUris[0] : _relay.Uri.ToString(), headers));
    }

    private void Reject(int status, string reason)
    {
        _in.Action = Action.Reject;
        _in.Status = status;
        _in.Reason = reason;
    }

    /// <summary>A response on this connection: to a request the relay forwarded here (RFC 4976 §6.5).</summary>
    private void OnResponse(MsrpRelayHead h)
    {
        if (!_transactions.TryRemove(h.TransactionId, out var t))
        {
            // RFC 4975 §7.3: responses are hop-by-hop; one for no transaction of ours (late, duplicated) is dropped.
            MsrpRelayLog.StrayResponse(_logger, Name, h.StatusCode, h.TransactionId);
            return;
        }
        if (t.IsSend)
        {
            if (h.StatusCode != MsrpStatus.Ok)
            {
                // RFC 4976 §6.5: the relay already answered the SEND; an error from downstream becomes a failure REPORT.
                _relay.SendFailureReport(t, h.StatusCode, h.Comment);
            }
            return;
        }
        // RFC 4976 §6.5: forward the response back: pop this relay from To-Path, push it onto From-Path, restore the id.
        string toPath = h.ToUris.Count > 1 ? string.Join(' ', h.ToUris.Skip(1)) : t.UpstreamFromPath;
        string fromPath = t.LocalUri + " " + (h.FromPath ?? string.Empty);
        var w = new ArrayBufferWriter<byte>(256 + h.OtherHeaders.WrittenCount);
        MsrpWire.Bytes(w, "MSRP "u8);
        MsrpWire.Ascii(w, t.UpstreamTid);
        MsrpWire.Bytes(w, " "u8);
        MsrpWire.Ascii(w, h.StatusCode.ToString("000", CultureInfo.InvariantCulture));
        if (h.Comment.Length > 0)
        {
            MsrpWire.Bytes(w, " "u8);
            MsrpWire.Ascii(w, h.Comment);
        }
        MsrpWire.Bytes(w, "\r\n"u8);
        MsrpWire.Header(w, "To-Path"u8, toPath);
        MsrpWire.Header(w, "From-Path"u8, fromPath.TrimEnd());
        MsrpWire.Bytes(w, h.OtherHeaders.WrittenSpan);
        MsrpWire.EndLine(w, t.UpstreamTid, MsrpContinuation.Complete, afterBody: false);
        t.Upstream.SendControl(w.WrittenSpan.ToArray());
    }
}
