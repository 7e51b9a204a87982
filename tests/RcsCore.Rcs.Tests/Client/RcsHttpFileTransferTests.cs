using System.Security.Cryptography;
using System.Text;
using RcsCore.Rcs.Imdn;
using RcsCore.Tests.Common;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>
/// File transfer over HTTP (GSMA RCC.07) between RcsClients: upload to a real content server, the file-info through a
/// real message centre, download with Range, notifications back; over loopback sockets.
/// </summary>
public sealed class RcsHttpFileTransferTests
{
    [Fact]
    public async Task FileWithThumbnailGoesThroughTheContentServerWithDeliveredAndDisplayedNotifications()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var aliceEvents = new RcsRecorder(alice);
        var bobEvents = new RcsRecorder(bob);
        var data = RandomNumberGenerator.GetBytes(1_500_000);
        var thumbnail = RandomNumberGenerator.GetBytes(4000);
        var progress = new List<RcsFileTransferProgress>();

        // Both advertise FT over HTTP (RCC.07 §2.4.4), so Auto picks it.
        var sent = await alice.SendFileAsync(Uri("bob"), new MemoryStream(data),
            new RcsFileInfo("beach.jpg", "image/jpeg", data.Length) { Thumbnail = thumbnail, ThumbnailContentType = "image/jpeg" },
            progress: new Recorder(progress)).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferMethod.Http, RcsFileTransferOutcome.Completed, 200), (sent.Method, sent.Outcome, sent.StatusCode));
        Assert.Equal(data.Length, progress[^1].BytesTransferred);

        var incoming = await bob.NextFileTransferAsync();
        Assert.Equal((RcsFileTransferMethod.Http, Aor("alice"), "beach.jpg", "image/jpeg", (long)data.Length),
            (incoming.Method, incoming.Peer, incoming.File.FileName, incoming.File.ContentType, incoming.File.Size));
        Assert.Equal(thumbnail, incoming.File.Thumbnail!.Value.ToArray());
        Assert.Equal(sent.TransferId, incoming.TransferId);
        // The file-info is not shown as a text message.
        Assert.False(bobEvents.Messages.Reader.TryRead(out _));

        var delivered = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.TransferId, ImdnStatus.Delivered), (delivered.MessageId, delivered.Status));

        var destination = new MemoryStream();
        var received = await incoming.AcceptAsync(destination).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Completed, (long)data.Length), (received.Outcome, received.BytesTransferred));
        Assert.Equal(data, destination.ToArray());
        Assert.Equal(sent.Sha256!.Value.ToArray(), received.Sha256!.Value.ToArray());
        // Downloaded: displayed goes back (RFC 5438 §7.2.1.2).
        var displayed = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.TransferId, ImdnStatus.Displayed), (displayed.MessageId, displayed.Status));
    }

    [Fact]
    public async Task AnOfflineRecipientGetsTheFileInfoFromTheStoreAndDownloadsWhenBack()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob", start: false);
        var data = RandomNumberGenerator.GetBytes(300_000);

        // bob is offline (the capability query gets 480): Auto sends over HTTP, whose file-info the centre stores (202).
        var sent = await alice.SendFileAsync(Uri("bob"), new MemoryStream(data), new RcsFileInfo("report.pdf", "application/pdf", data.Length)).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferMethod.Http, RcsFileTransferOutcome.Completed, 202), (sent.Method, sent.Outcome, sent.StatusCode));

        await bob.StartAsync().WaitAsync(Wait);
        var incoming = await bob.NextFileTransferAsync();
        Assert.Equal("report.pdf", incoming.File.FileName);
        var destination = new MemoryStream();
        Assert.Equal(RcsFileTransferOutcome.Completed, (await incoming.AcceptAsync(destination).WaitAsync(Wait)).Outcome);
        Assert.Equal(data, destination.ToArray());
    }

    [Fact]
    public async Task ADownloadResumesFromWhatTheDestinationHolds()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(2_000_000);
        await alice.SendFileAsync(Uri("bob"), new MemoryStream(data), new RcsFileInfo("clip.mp4", "video/mp4", data.Length),
            new RcsFileTransferOptions { Method = RcsFileTransferMethod.Http }).WaitAsync(Wait);
        var incoming = await bob.NextFileTransferAsync();

        // An earlier attempt left the first 40 % on disk: only the rest is fetched (HTTP Range).
        var destination = new MemoryStream();
        destination.Write(data, 0, 800_000);
        var progress = new List<RcsFileTransferProgress>();
        var received = await incoming.AcceptAsync(destination, new Recorder(progress)).WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Completed, received.Outcome);
        Assert.Equal(SHA256.HashData(data), received.Sha256!.Value.ToArray());
        Assert.Equal(data, destination.ToArray());
        Assert.True(progress[0].BytesTransferred > 800_000, "progress counts from the resume point");
    }

    [Fact]
    public async Task AutoUsesMsrpWhenThePeerHasNoFileTransferOverHttp()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob", httpFileTransfer: false);
        var data = RandomNumberGenerator.GetBytes(50_000);
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(data), new RcsFileInfo("a.bin", "application/octet-stream", data.Length));
        var incoming = await bob.NextFileTransferAsync();
        Assert.Equal(RcsFileTransferMethod.Msrp, incoming.Method);
        var destination = new MemoryStream();
        await incoming.AcceptAsync(destination).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferMethod.Msrp, RcsFileTransferOutcome.Completed), ((await sending.WaitAsync(Wait)).Method, (await sending).Outcome));
        Assert.Equal(data, destination.ToArray());
    }

    [Fact]
    public async Task AMalformedFileInfoIsRefusedWithAnErrorNotificationAndOffersNothing()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var aliceEvents = new RcsRecorder(alice);
        var offered = 0;
        bob.FileTransferReceived += (_, _) => Interlocked.Increment(ref offered);

        var bad = Encoding.UTF8.GetBytes("<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\"><file-info type=\"file\"><file-size>-5</file-size></file-info></file>");
        var sent = await alice.SendStandaloneAsync(Uri("bob"), bad, CpmServices.FileTransferHttpContentType).WaitAsync(Wait);
        var notification = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnNotificationType.Delivery, ImdnStatus.Error), (notification.MessageId, notification.Type, notification.Status));
        Assert.Equal(0, Volatile.Read(ref offered));
    }

    [Fact]
    public async Task AnExpiredFileFailsToDownloadWithGone()
    {
        await using var net = await StartAsync(contentServer: true, fileValidity: TimeSpan.FromMilliseconds(300));
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(10_000);
        await alice.SendFileAsync(Uri("bob"), new MemoryStream(data), new RcsFileInfo("old.txt", "text/plain", data.Length),
            new RcsFileTransferOptions { Method = RcsFileTransferMethod.Http }).WaitAsync(Wait);
        var incoming = await bob.NextFileTransferAsync();
        await Task.Delay(700);
        var received = await incoming.AcceptAsync(new MemoryStream()).WaitAsync(Wait);
        Assert.Equal(RcsFileTransferOutcome.Failed, received.Outcome);
        Assert.Contains(received.StatusCode, (int[])[404, 410]);
    }

    [Fact]
    public async Task AFileOverTheServersLimitFailsWith413AndItsReason()
    {
        await using var net = await StartAsync(contentServer: true);
        var alice = await net.ClientAsync("alice");
        await net.ClientAsync("bob");
        // The content server's default limit is 200 MiB; a stream that claims more is refused before it is read.
        var huge = new GeneratedStream(201L * 1024 * 1024);
        var sent = await alice.SendFileAsync(Uri("bob"), huge, new RcsFileInfo("huge.bin", "application/octet-stream", huge.Length),
            new RcsFileTransferOptions { Method = RcsFileTransferMethod.Http }).WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Failed, 413), (sent.Outcome, sent.StatusCode));
        Assert.False(string.IsNullOrEmpty(sent.Reason));
    }

    private sealed class Recorder(List<RcsFileTransferProgress> list) : IProgress<RcsFileTransferProgress>
    {
        public void Report(RcsFileTransferProgress value)
        {
            lock (list)
            {
                list.Add(value);
            }
        }
    }
}
