using System.Collections.Concurrent;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>Rates of a <see cref="RateLimitingMessagingPolicy"/>; a rate of 0 means unlimited.</summary>
public sealed class MessagingRateLimits
{
    /// <summary>Messages per second one sender may send to anyone (sustained).</summary>
    public double SenderRate { get; init; }

    /// <summary>Messages one sender may send at once before <see cref="SenderRate"/> applies.</summary>
    public int SenderBurst { get; init; } = 20;

    /// <summary>Messages per second one sender may send to one recipient (sustained).</summary>
    public double PairRate { get; init; }

    /// <summary>Messages one sender may send to one recipient at once before <see cref="PairRate"/> applies.</summary>
    public int PairBurst { get; init; } = 10;

    /// <summary>How many senders and pairs are tracked before idle (full) buckets are dropped.</summary>
    public int MaxTrackedKeys { get; init; } = 100_000;
}

/// <summary>
/// Token buckets per sender and per sender/recipient pair: a message over either limit gets 429 Too Many Requests
/// with Retry-After (RFC 6585 §4). Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class RateLimitingMessagingPolicy : IMessagingPolicy
{
    private readonly MessagingRateLimits _limits;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Bucket> _senders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), Bucket> _pairs = new();

    /// <summary>Creates the policy.</summary>
    public RateLimitingMessagingPolicy(MessagingRateLimits limits, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.SenderRate);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.PairRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.SenderBurst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.PairBurst, 1);
        _limits = limits;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public ValueTask<MessagingDecision> CheckAsync(MessagingRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        long now = _time.GetTimestamp();
        double wait = 0;
        Bucket? sender = null;
        if (_limits.SenderRate > 0)
        {
            Trim(_senders);
            sender = _senders.GetOrAdd(request.Sender, static _ => new Bucket());
            wait = sender.Take(now, _limits.SenderRate, _limits.SenderBurst, _time.TimestampFrequency);
        }
        if (wait == 0 && _limits.PairRate > 0)
        {
            Trim(_pairs);
            var pair = _pairs.GetOrAdd((request.Sender, request.Recipient), static _ => new Bucket());
            wait = pair.Take(now, _limits.PairRate, _limits.PairBurst, _time.TimestampFrequency);
            if (wait > 0)
            {
                sender?.Refund();
            }
        }
        if (wait == 0)
        {
            return ValueTask.FromResult(MessagingDecision.Allow);
        }
        // RFC 6585 §4: 429 with Retry-After telling the sender when to try again.
        return ValueTask.FromResult(MessagingDecision.Deny(429, "Too Many Requests", TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait)))));
    }

    private void Trim<TKey>(ConcurrentDictionary<TKey, Bucket> buckets)
        where TKey : notnull
    {
        if (buckets.Count < _limits.MaxTrackedKeys)
        {
            return;
        }
        // Dropping a bucket forgets its history: only keys idle for a minute are dropped.
        foreach (var (key, bucket) in buckets)
        {
            if (bucket.IsIdle(_time.GetTimestamp(), _time.TimestampFrequency))
            {
                buckets.TryRemove(key, out _);
            }
        }
    }

    private sealed class Bucket
    {
        private readonly Lock _gate = new();
        private double _tokens = double.NaN;
        private long _stamp;

        /// <summary>Takes one token; returns 0 on success, else the seconds until one is available.</summary>
        public double Take(long now, double rate, int burst, long frequency)
        {
            lock (_gate)
            {
                Refill(now, rate, burst, frequency);
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return 0;
                }
                return (1 - _tokens) / rate;
            }
        }

        public void Refund()
        {
            lock (_gate)
            {
                _tokens += 1;
            }
        }

        public bool IsIdle(long now, long frequency)
        {
            lock (_gate)
            {
                return (now - _stamp) / (double)frequency > 60;
            }
        }

        private void Refill(long now, double rate, int burst, long frequency)
        {
            if (double.IsNaN(_tokens))
            {
                _tokens = burst;
            }
            else
            {
                _tokens = Math.Min(burst, _tokens + (now - _stamp) / (double)frequency * rate);
            }
            _stamp = now;
        }
    }
}
