using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace RcsCore.Msrp;

/// <summary>
/// The body reader of an incoming message. In-order chunk bodies are lent to the reader straight from the
/// connection's input buffers when the reader is waiting for data and has nothing else unread (no copy): the
/// connection's receive loop stops until the reader has advanced past the lent bytes, so memory stays bounded by
/// the transport's input buffer. Otherwise (out-of-order data, a reader busy elsewhere) the bytes are copied into a
/// bounded pipe as before and the receive loop carries on.
/// </summary>
internal sealed class MsrpBodyReader : PipeReader, IValueTaskSource<long>
{
    private readonly PipeReader _pipe;
    private readonly Lock _sync = new();
    private ManualResetValueTaskSourceCore<long> _lendDone;
    private ReadOnlySequence<byte> _lent;
    private long _lentLength;
    private bool _lending;
    private bool _lendCancel;
    private bool _lastFromLent;
    private bool _inRead;
    private bool _inAdvance;
    private bool _completed;
    private ReadOnlySequence<byte> _lastPipeBuffer;
    private long _pipeWritten;
    private long _pipeConsumed;

    public MsrpBodyReader(PipeReader pipe)
    {
        _pipe = pipe;
        _lendDone.RunContinuationsAsynchronously = false;
    }

    /// <summary>Counts bytes the receive loop copied into the pipe (they must be read before anything is lent).</summary>
    public void OnCopied(long count)
    {
        lock (_sync)
        {
            _pipeWritten += count;
        }
    }

    /// <summary>
    /// Lends <paramref name="body"/> when the reader waits and has read everything copied so far. The returned task
    /// completes with the number of bytes the reader consumed (the rest must then be copied); false when not lent.
    /// </summary>
    public bool TryLend(ReadOnlySequence<byte> body, out ValueTask<long> consumed)
    {
        bool cancel;
        lock (_sync)
        {
            if (_completed || _lending || !(_inRead || _inAdvance) || _pipeWritten != _pipeConsumed)
            {
                consumed = default;
                return false;
            }
            _lendDone.Reset();
            _lent = body;
            _lentLength = body.Length;
            _lending = true;
            // Cancel only a reader blocked on the pipe; one inside AdvanceTo finds the lend on its next read.
            cancel = _inRead;
            _lendCancel |= cancel;
        }
        consumed = new ValueTask<long>(this, _lendDone.Version);
        if (cancel)
        {
            // Wakes a reader blocked on the (empty) copy pipe; it then returns the lent bytes.
            _pipe.CancelPendingRead();
        }
        return true;
    }

    /// <summary>Takes a lend back (the connection is closing); returns how many bytes the reader consumed.</summary>
    public void Revoke()
    {
        long done;
        lock (_sync)
        {
            if (!_lending)
            {
                return;
            }
            done = _lentLength - _lent.Length;
            _lending = false;
            _lent = default;
        }
        _lendDone.SetResult(done);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            if (_lending && !_lent.IsEmpty)
            {
                _lastFromLent = true;
                result = new ReadResult(_lent, false, false);
                return true;
            }
        }
        while (_pipe.TryRead(out result))
        {
            if (result.IsCanceled && ConsumeLendCancel())
            {
                _pipe.AdvanceTo(result.Buffer.Start);
                continue;
            }
            _lastFromLent = false;
            _lastPipeBuffer = result.Buffer;
            return true;
        }
        return false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_sync)
            {
                if (_lending && !_lent.IsEmpty)
                {
                    _lastFromLent = true;
                    return new ReadResult(_lent, false, false);
                }
                _inRead = true;
            }
            ReadResult result;
            try
            {
                result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_sync)
                {
                    _inRead = false;
                }
            }
            if (result.IsCanceled && ConsumeLendCancel())
            {
                // Our own wake-up for a lend (the pipe holds nothing unread then): return the lent bytes instead.
                _pipe.AdvanceTo(result.Buffer.Start);
                continue;
            }
            _lastFromLent = false;
            _lastPipeBuffer = result.Buffer;
            return result;
        }
    }

    private bool ConsumeLendCancel()
    {
        lock (_sync)
        {
            bool mine = _lendCancel;
            _lendCancel = false;
            return mine;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_lastFromLent)
        {
            long count = _lastPipeBuffer.Slice(_lastPipeBuffer.Start, consumed).Length;
            _lastPipeBuffer = default;
            lock (_sync)
            {
                _pipeConsumed += count;
            }
            _pipe.AdvanceTo(consumed, examined);
            return;
        }
        long done = -1;
        lock (_sync)
        {
            if (!_lending)
            {
                return; // Revoked meanwhile.
            }
            var end = _lent.End;
            _lent = _lent.Slice(consumed);
            if (_lent.IsEmpty || examined.Equals(end))
            {
                // All consumed, or the reader wants more than the lent bytes: the rest is copied behind it.
                done = _lentLength - _lent.Length;
                _lending = false;
                _lent = default;
                _inAdvance = true;
            }
        }
        if (done >= 0)
        {
            try
            {
                // The receive loop continues on this thread (up to its next wait), so the reader's next
                // ReadAsync usually finds the next lend ready without a thread hop.
                _lendDone.SetResult(done);
            }
            finally
            {
                lock (_sync)
                {
                    _inAdvance = false;
                }
            }
        }
    }

    public override void CancelPendingRead() => _pipe.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        long done = -1;
        lock (_sync)
        {
            _completed = true;
            if (_lending)
            {
                done = _lentLength - _lent.Length;
                _lending = false;
                _lent = default;
            }
        }
        _pipe.Complete(exception);
        if (done >= 0)
        {
            _lendDone.SetResult(done);
        }
    }

    long IValueTaskSource<long>.GetResult(short token) => _lendDone.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<long>.GetStatus(short token) => _lendDone.GetStatus(token);

    void IValueTaskSource<long>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _lendDone.OnCompleted(continuation, state, token, flags);
}
