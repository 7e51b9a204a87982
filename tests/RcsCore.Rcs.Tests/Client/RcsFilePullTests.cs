using System.Collections.Concurrent;
using System.Security.Cryptography;
using RcsCore.Tests.Common;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>
/// File transfer by request (RFC 5547 §8.3 pull, like the §9.2 example: a recvonly offer naming the file, a sendonly
/// answer, the file over MSRP) between two RcsClients through a real SipServer, over loopback sockets.
/// </summary>
public sealed class RcsFilePullTests
{
    /// <summary>A provider serving <paramref name="data"/> under <paramref name="name"/> when the request's name and SHA-1 (if given) match.</summary>
    private static RcsFileProvider Serve(string name, byte[] data, ConcurrentQueue<(string Peer, RcsFileInfo Requested)>? seen = null) => (peer, requested, _) =>
    {
        seen?.Enqueue((peer, requested));
        bool nameMatches = requested.FileName.Length == 0 || requested.FileName == name;
        bool hashMatches = requested.Sha1 is not { } sha1 || sha1.Span.SequenceEqual(SHA1.HashData(data));
        return ValueTask.FromResult<Stream?>(nameMatches && hashMatches ? new MemoryStream(data, writable: false) : null);
    };

    [Fact]
    public async Task PullByNameAndHashArrivesWithSha256Verified()
    {
        await using var net = await StartAsync();
        var data = RandomNumberGenerator.GetBytes(150_000);
        var seen = new ConcurrentQueue<(string Peer, RcsFileInfo Requested)>();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob", fileProvider: Serve("report.pdf", data, seen));
        var progress = new List<RcsFileTransferProgress>();
        var destination = new MemoryStream();

        var result = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("report.pdf", "", -1) { Sha1 = SHA1.HashData(data) }, destination,
            new RcsFileTransferTests.Recorder(progress)).WaitAsync(Wait);

        Assert.Equal((RcsFileTransferOutcome.Completed, 200, RcsFileTransferMethod.Msrp), (result.Outcome, result.StatusCode, result.Method));
        // The answer added the size (RFC 5547 §8.3.2), so the requester knows it.
        Assert.Equal((150_000L, 150_000L), (result.BytesTransferred, result.TotalBytes));
        Assert.Equal(data, destination.ToArray());
        Assert.Equal(SHA256.HashData(data), result.Sha256!.Value.ToArray());
        Assert.Equal(150_000L, progress[^1].BytesTransferred);
        Assert.Equal(32, result.TransferId.Length);
        var (peer, requested) = Assert.Single(seen);
        Assert.Equal(Aor("alice"), peer);
        Assert.Equal(("report.pdf", "", -1L), (requested.FileName, requested.ContentType, requested.Size));
        Assert.Equal(SHA1.HashData(data), requested.Sha1!.Value.ToArray());
        // The owner (the sender) ends the session with BYE: no dialog is left on either side.
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 0 && bob.UserAgent.Dialogs.Count == 0, "no dialogs");
    }

    [Fact]
    public async Task PullByHashOnlyAsInRfc5547Section92GetsTheSha1CheckedAgainstTheRequest()
    {
        // RFC 5547 §9.2 (corpus rfc5547-s9.2-offer-hash.sdp): the request names the file by its hash alone.
        await using var net = await StartAsync(msrpRelay: true);
        var data = RandomNumberGenerator.GetBytes(40_000);
        var alice = await net.ClientAsync("alice");
        await net.ClientAsync("bob", fileProvider: Serve("photo.jpg", data));
        var destination = new MemoryStream();
        var result = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("", "", -1) { Sha1 = SHA1.HashData(data) }, destination).WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Completed, result.Outcome);
        Assert.Equal(data, destination.ToArray());
        Assert.Equal(SHA256.HashData(data), result.Sha256!.Value.ToArray());
    }

    [Fact]
    public async Task UnknownFileAndMissingProviderAreRefusedWith488()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        await net.ClientAsync("bob", fileProvider: Serve("known.txt", [1, 2, 3]));
        await net.ClientAsync("carol");

        var unknown = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("unknown.txt", "text/plain", -1), new MemoryStream()).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Declined, 488, 0L), (unknown.Outcome, unknown.StatusCode, unknown.BytesTransferred));
        Assert.Null(unknown.Sha256);

        var noProvider = await alice.RequestFileAsync(Uri("carol"), new RcsFileInfo("known.txt", "", -1), new MemoryStream()).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Declined, 488), (noProvider.Outcome, noProvider.StatusCode));

        // A size that differs from the provided file's is not that file either.
        var wrongSize = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("known.txt", "", 4), new MemoryStream()).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Declined, 488), (wrongSize.Outcome, wrongSize.StatusCode));
    }

    [Fact]
    public async Task ProvidedBytesThatDoNotMatchTheRequestedHashAreAMismatch()
    {
        await using var net = await StartAsync();
        var wanted = RandomNumberGenerator.GetBytes(20_000);
        var other = RandomNumberGenerator.GetBytes(20_000);
        var alice = await net.ClientAsync("alice");
        // A careless provider: it serves its file whatever hash was asked for.
        await net.ClientAsync("bob", fileProvider: (_, _, _) => ValueTask.FromResult<Stream?>(new MemoryStream(other)));
        var destination = new MemoryStream();
        var result = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("data.bin", "", wanted.Length) { Sha1 = SHA1.HashData(wanted) }, destination)
            .WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.HashMismatch, result.Outcome);
        Assert.Equal(20_000L, result.BytesTransferred);
        Assert.Null(result.Sha256);
        Assert.Equal(other, destination.ToArray());
    }

    [Fact]
    public async Task RequesterCancelStopsTheOwnersSend()
    {
        await using var net = await StartAsync();
        const long size = 64L * 1024 * 1024;
        var served = new TaskCompletionSource<GeneratedStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob", fileProvider: (_, _, _) =>
        {
            var file = new GeneratedStream(size);
            served.TrySetResult(file);
            return ValueTask.FromResult<Stream?>(file);
        });
        using var cancel = new CancellationTokenSource();
        var sink = new HashingStream();
        var result = await alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("big.bin", "", size), sink, new RcsFileTransferTests.Recorder(p =>
        {
            if (p.BytesTransferred >= 4 * 1024 * 1024)
            {
                cancel.Cancel();
            }
        }), cancel.Token).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Cancelled, 487), (result.Outcome, result.StatusCode));
        Assert.InRange(result.BytesTransferred, 4 * 1024 * 1024, size - 1);
        Assert.Null(result.Sha256);
        Assert.True(served.Task.IsCompleted);
        // The owner stops sending and both dialogs end.
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 0 && bob.UserAgent.Dialogs.Count == 0, "no dialogs");
    }

    [Fact]
    public async Task RequestWithoutNameOrHashIsMisuse()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice", start: false);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => alice.RequestFileAsync(Uri("bob"), new RcsFileInfo("", "image/png", 10), new MemoryStream()));
        Assert.Equal("wanted", e.ParamName);
    }
}
