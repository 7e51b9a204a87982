using System.Security.Cryptography;
using RcsCore.Tests.Common;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>File transfer over MSRP (RFC 5547) between two RcsClients through a real SipServer, over loopback sockets.</summary>
public sealed class RcsFileTransferTests
{
    private static RcsFileInfo Info(string name, long size, string type = "application/octet-stream") => new(name, type, size);

    [Fact]
    public async Task SmallFileArrivesWithItsDescriptionAndVerifiedHashes()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(10_000);
        var created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var progress = new List<RcsFileTransferProgress>();
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(data),
            new RcsFileInfo("holiday photo.jpg", "image/jpeg", data.Length) { CreationDate = created, Description = "at the beach" },
            progress: new Recorder(progress));

        var incoming = await bob.NextFileTransferAsync();
        Assert.Equal(Aor("alice"), incoming.Peer);
        Assert.Equal(("holiday photo.jpg", "image/jpeg", 10_000L, "render"), (incoming.File.FileName, incoming.File.ContentType, incoming.File.Size, incoming.File.Disposition));
        Assert.Equal(SHA1.HashData(data), incoming.File.Sha1!.Value.ToArray());
        Assert.Equal(created, incoming.File.CreationDate);
        Assert.Equal("at the beach", incoming.File.Description);
        Assert.Equal(0, incoming.StartOffset);
        Assert.Null(incoming.File.Thumbnail);
        Assert.Equal(32, incoming.TransferId.Length);

        var destination = new MemoryStream();
        var received = await incoming.AcceptAsync(destination).WaitAsync(Wait);
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Completed, 10_000L, 200), (received.Outcome, received.BytesTransferred, received.StatusCode));
        Assert.Equal((RcsFileTransferOutcome.Completed, 10_000L, RcsFileTransferMethod.Msrp), (sent.Outcome, sent.BytesTransferred, sent.Method));
        Assert.Equal(sent.TransferId, received.TransferId);
        Assert.Equal(data, destination.ToArray());
        Assert.Equal(SHA256.HashData(data), received.Sha256!.Value.ToArray());
        Assert.Equal(SHA256.HashData(data), sent.Sha256!.Value.ToArray());
        Assert.Equal(received, await incoming.Completion);
        Assert.Equal(10_000L, progress[^1].BytesTransferred);
        // The sender closes with BYE: no dialog is left on either side.
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 0 && bob.UserAgent.Dialogs.Count == 0, "no dialogs");
    }

    [Fact]
    public async Task ThumbnailTravelsAsAMultipartBodyPartNamedByTheFileIcon()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(20_000);
        // Bytes that look like delimiters and CRLFs inside the image must survive (binary part, RFC 2046 §5.1.1).
        var thumbnail = RandomNumberGenerator.GetBytes(3000).Concat("\r\n--rcscore-\r\n\r\n"u8.ToArray()).ToArray();
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(data),
            Info("picture.png", data.Length, "image/png") with { Thumbnail = thumbnail, ThumbnailContentType = "image/png" });
        var incoming = await bob.NextFileTransferAsync();
        Assert.Equal(thumbnail, incoming.File.Thumbnail!.Value.ToArray());
        Assert.Equal("image/png", incoming.File.ThumbnailContentType);
        Assert.StartsWith("cid:", incoming.Offer.Icon, StringComparison.Ordinal);
        Assert.StartsWith("multipart/mixed;boundary=", incoming.Request.Request.ContentType, StringComparison.Ordinal);
        var sink = new MemoryStream();
        Assert.Equal(RcsFileTransferOutcome.Completed, (await incoming.AcceptAsync(sink).WaitAsync(Wait)).Outcome);
        Assert.Equal(RcsFileTransferOutcome.Completed, (await sending.WaitAsync(Wait)).Outcome);
        Assert.Equal(data, sink.ToArray());
    }

    [Fact]
    public async Task DeclinedTransferIsReportedToTheSender()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(new byte[500]), Info("no.bin", 500));
        var incoming = await bob.NextFileTransferAsync();
        await incoming.DeclineAsync().WaitAsync(Wait);
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Declined, 603), (sent.Outcome, sent.StatusCode));
        Assert.Equal(RcsFileTransferOutcome.Declined, (await incoming.Completion.WaitAsync(Wait)).Outcome);
        await Assert.ThrowsAsync<InvalidOperationException>(() => incoming.AcceptAsync(new MemoryStream()));
    }

    [Fact]
    public async Task SenderCancelAbortsTheMessageAndTheReceiverSeesCancelled()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        const long size = 64L * 1024 * 1024;
        using var source = new GeneratedStream(size);
        using var cancel = new CancellationTokenSource();
        var sending = alice.SendFileAsync(Uri("bob"), source, Info("cancel.bin", size), progress: new Recorder(p =>
        {
            if (p.BytesTransferred >= 4 * 1024 * 1024)
            {
                cancel.Cancel();
            }
        }), ct: cancel.Token);
        var incoming = await bob.NextFileTransferAsync();
        var received = await incoming.AcceptAsync(new HashingStream()).WaitAsync(Wait);
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Cancelled, sent.Outcome);
        Assert.Equal(RcsFileTransferOutcome.Cancelled, received.Outcome);
        Assert.InRange(received.BytesTransferred, 0, size - 1);
        Assert.Null(received.Sha256);
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 0 && bob.UserAgent.Dialogs.Count == 0, "no dialogs");
    }

    [Fact]
    public async Task ReceiverCancelsAtFortyPercentAndAResumeCompletesWithTheSameSha256()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        const long size = 32L * 1024 * 1024;
        var data = new byte[size];
        new Random(5547).NextBytes(data);
        var partial = new MemoryStream();

        // 1. Bob stops reading at ~40 %: BYE to alice, who sees a cancel by the receiver.
        var first = alice.SendFileAsync(Uri("bob"), new MemoryStream(data), Info("resume.bin", size));
        var offer = await bob.NextFileTransferAsync();
        using var stop = new CancellationTokenSource();
        var cut = await offer.AcceptAsync(partial, new Recorder(p =>
        {
            if (p.BytesTransferred >= size * 4 / 10)
            {
                stop.Cancel();
            }
        }), stop.Token).WaitAsync(Wait);
        var firstSent = await first.WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Cancelled, cut.Outcome);
        Assert.Equal(RcsFileTransferOutcome.Cancelled, firstSent.Outcome);
        Assert.InRange(cut.BytesTransferred, size * 4 / 10, size - 1);
        Assert.Equal(cut.BytesTransferred, partial.Length);

        // 2. RFC 5547 §9: a new INVITE for the same file with a=file-range from what bob has; only the rest is sent.
        long have = partial.Length;
        var resumed = alice.SendFileAsync(Uri("bob"), new MemoryStream(data), Info("resume.bin", size), new RcsFileTransferOptions { ResumeFrom = have });
        var again = await bob.NextFileTransferAsync();
        Assert.Equal(have, again.StartOffset);
        Assert.Equal(offer.File.Sha1!.Value.ToArray(), again.File.Sha1!.Value.ToArray());
        Assert.NotEqual(offer.TransferId, again.TransferId);
        long firstProgress = -1;
        var done = await again.AcceptAsync(partial, new Recorder(p => firstProgress = firstProgress < 0 ? p.BytesTransferred : firstProgress)).WaitAsync(Wait);
        var resumedSent = await resumed.WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Completed, size), (done.Outcome, done.BytesTransferred));
        Assert.Equal(RcsFileTransferOutcome.Completed, resumedSent.Outcome);
        Assert.True(firstProgress > have, "progress counts from the start of the file");
        Assert.Equal(SHA256.HashData(data), done.Sha256!.Value.ToArray());
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(partial.ToArray()));
    }

    [Fact]
    public async Task SenderCancelBeforeTheAnswerCancelsTheInvite()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        using var cancel = new CancellationTokenSource();
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(new byte[100]), Info("early.bin", 100), ct: cancel.Token);
        var incoming = await bob.NextFileTransferAsync();
        await cancel.CancelAsync();
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Cancelled, 487), (sent.Outcome, sent.StatusCode));
        // RFC 3261 §9.2: bob's ringing transfer is cancelled and can no longer be accepted.
        var seen = await incoming.Completion.WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Cancelled, seen.Outcome);
        await Assert.ThrowsAsync<InvalidOperationException>(() => incoming.AcceptAsync(new MemoryStream()));
    }

    [Fact]
    public async Task HashMismatchIsDetectedOnArrival()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(3000);
        // The offer claims the SHA-1 of other bytes (a corrupted or substituted file).
        var claimed = SHA1.HashData(RandomNumberGenerator.GetBytes(3000));
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(data), Info("tampered.bin", data.Length) with { Sha1 = claimed });
        var incoming = await bob.NextFileTransferAsync();
        var received = await incoming.AcceptAsync(new MemoryStream()).WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.HashMismatch, received.Outcome);
        Assert.Equal(3000, received.BytesTransferred);
        Assert.False(received.IsSuccess);
        var sentByPath = await sending.WaitAsync(Wait);
            Assert.Equal((RcsFileTransferOutcome.Completed, null), (sentByPath.Outcome, sentByPath.Reason));
    }

    [Fact]
    public async Task SmallFilesAreAcceptedAutomaticallyIntoTheDownloadDirectory()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        string directory = Directory.CreateTempSubdirectory("rcs-ft-").FullName;
        try
        {
            var bob = await net.ClientAsync("bob", fileAutoAcceptMaxBytes: 4096, fileDownloadDirectory: directory);
            var arrived = new TaskCompletionSource<RcsIncomingFileTransfer>(TaskCreationOptions.RunContinuationsAsynchronously);
            bob.FileTransferReceived += (_, t) => arrived.TrySetResult(t);
            var data = RandomNumberGenerator.GetBytes(4096);
            var sent = await alice.SendFileAsync(Uri("bob"), new MemoryStream(data), Info("../escape.txt", data.Length, "text/plain")).WaitAsync(Wait);
            Assert.Equal((RcsFileTransferOutcome.Completed, null), (sent.Outcome, sent.Reason));
            var transfer = await arrived.Task.WaitAsync(Wait);
            var result = await transfer.Completion.WaitAsync(Wait);
            Assert.Equal(RcsFileTransferOutcome.Completed, result.Outcome);
            // Only the last segment of the offered name is used: the file stays in the directory.
            Assert.Equal(Path.Combine(directory, "escape.txt"), transfer.SavedPath);
            Assert.Equal(data, await File.ReadAllBytesAsync(transfer.SavedPath!));

            // Over the limit: asked for, not saved.
            var big = alice.SendFileAsync(Uri("bob"), new MemoryStream(new byte[4097]), Info("big.bin", 4097));
            var asked = await bob.NextFileTransferAsync();
            Assert.Null(asked.SavedPath);
            await asked.DeclineAsync();
            Assert.Equal(RcsFileTransferOutcome.Declined, (await big.WaitAsync(Wait)).Outcome);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task HttpMethodIsNotAvailableYetAndAnOfflinePeerFails()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        await Assert.ThrowsAsync<NotSupportedException>(() =>
            alice.SendFileAsync(Uri("bob"), new MemoryStream(new byte[10]), Info("x.bin", 10), new RcsFileTransferOptions { Method = RcsFileTransferMethod.Http }));
        var offline = await alice.SendFileAsync(Uri("bob"), new MemoryStream(new byte[10]), Info("x.bin", 10)).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Failed, 480), (offline.Outcome, offline.StatusCode));
    }

    [Fact]
    public async Task SendingAFileByPathTakesNameTypeAndSize()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        string path = Path.Combine(Path.GetTempPath(), $"rcs-ft-{Guid.NewGuid():N}.png");
        var data = RandomNumberGenerator.GetBytes(70_000);
        await File.WriteAllBytesAsync(path, data);
        try
        {
            var sending = alice.SendFileAsync(Uri("bob"), path);
            var incoming = await bob.NextFileTransferAsync();
            Assert.Equal((Path.GetFileName(path), "image/png", 70_000L), (incoming.File.FileName, incoming.File.ContentType, incoming.File.Size));
            var sink = new MemoryStream();
            Assert.Equal(RcsFileTransferOutcome.Completed, (await incoming.AcceptAsync(sink).WaitAsync(Wait)).Outcome);
            var sentByPath = await sending.WaitAsync(Wait);
            Assert.Equal((RcsFileTransferOutcome.Completed, null), (sentByPath.Outcome, sentByPath.Reason));
            Assert.Equal(data, sink.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal sealed class Recorder(Action<RcsFileTransferProgress> report) : IProgress<RcsFileTransferProgress>
    {
        public Recorder(List<RcsFileTransferProgress> list)
            : this(list.Add)
        {
        }

        public void Report(RcsFileTransferProgress value) => report(value);
    }
}

/// <summary>Tests that measure the process's managed heap: they run alone (no other test's garbage in the measure).</summary>
[CollectionDefinition(nameof(MemoryBoundCollection), DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
}

/// <summary>A 100 MB file over MSRP with the heap watched: streamed, never held whole.</summary>
[Collection(nameof(MemoryBoundCollection))]
public sealed class RcsFileTransferMemoryTests
{
    private static RcsFileInfo Info(string name, long size, string type = "application/octet-stream") => new(name, type, size);

    [Fact]
    public async Task HundredMegabyteFileStreamsWithSha256VerifiedAndBoundedMemory()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        const long size = 100L * 1024 * 1024;
        using var source = new GeneratedStream(size);
        var sending = alice.SendFileAsync(Uri("bob"), source, Info("big.bin", size));
        var incoming = await bob.NextFileTransferAsync();
        using var sink = new HashingStream();
        // Start from a collected heap: garbage other tests left behind is not this transfer's.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: false);
        long peakHeap = 0;
        var watch = new RcsFileTransferTests.Recorder(_ => peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false)));
        var received = await incoming.AcceptAsync(sink, watch).WaitAsync(TimeSpan.FromMinutes(2));
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Completed, received.Outcome);
        Assert.Equal((RcsFileTransferOutcome.Completed, null), (sent.Outcome, sent.Reason));
        Assert.Equal(size, sink.Length);
        Assert.Equal(GeneratedStream.HashOf(size), sink.Hash());
        Assert.Equal(GeneratedStream.HashOf(size), received.Sha256!.Value.ToArray());
        // Streamed: the managed heap never holds the file (100 MB); buffers are pooled chunks.
        Assert.True(peakHeap < 64L * 1024 * 1024, $"peak managed heap {peakHeap}");
        Assert.True(GC.GetTotalAllocatedBytes(precise: false) - before < size, "allocations proportional to the file size");
    }
}
