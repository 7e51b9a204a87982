using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Msrp;
using RcsCore.Parsing.Sdp;
using RcsCore.Rcs.FileTransfer;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Rcs.Tests.FileTransfer;

/// <summary>
/// Every RFC 5547 file of ../shared/corpus/sip/sdp and ../shared/corpus/msrp read as file transfer: the offers and
/// answers of §9.1 (push), §9.2 (pull by hash, re-offer) and §9.3 (capability), and the MSRP chunks that carry the file.
/// </summary>
public sealed class MsrpFileTransferCorpusTests
{
    private const string Sha1Of91 = "72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E";

    private static byte[] Sdp(string file)
    {
        string path = RepoPaths.CorpusFile("sip", "sdp", file);
        Assert.True(File.Exists(path), $"Corpus file missing: {path}");
        return File.ReadAllBytes(path);
    }

    private static byte[] Msrp(string file)
    {
        string path = RepoPaths.CorpusFile("msrp", file);
        Assert.True(File.Exists(path), $"Corpus file missing: {path}");
        return File.ReadAllBytes(path);
    }

    private static MsrpFileTransferDescription Read(string file)
    {
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.TryRead(Sdp(file), out var description));
        return description!;
    }

    [Fact]
    public void EveryRfc5547CorpusFileIsCovered()
    {
        var sdp = Directory.GetFiles(RepoPaths.CorpusFile("sip", "sdp"), "rfc5547-*.sdp").Select(Path.GetFileName).Order().ToArray();
        var msrp = Directory.GetFiles(RepoPaths.CorpusFile("msrp"), "rfc5547-*.msrp").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(
            ["rfc5547-s9.1-answer.sdp", "rfc5547-s9.1-offer.sdp", "rfc5547-s9.2-answer-hash.sdp", "rfc5547-s9.2-offer-hash.sdp", "rfc5547-s9.2-reoffer.sdp", "rfc5547-s9.3-options-capability.sdp"],
            sdp);
        Assert.Equal(
            ["rfc5547-s9.1-200ok-chunk1.msrp", "rfc5547-s9.1-200ok-chunk2.msrp", "rfc5547-s9.1-send-chunk1.msrp", "rfc5547-s9.1-send-chunk2.msrp", "rfc5547-s9.2-200ok.msrp", "rfc5547-s9.2-send-file.msrp"],
            msrp);
    }

    [Fact]
    public void PushOfferOf91HasEveryFileAttribute()
    {
        var offer = Read("rfc5547-s9.1-offer.sdp");
        Assert.Equal(SdpDirection.SendOnly, offer.Direction);
        Assert.Equal(("My cool picture.jpg", "image/jpeg", 4092L), (offer.Selector.Name, offer.Selector.Type, offer.Selector.Size));
        Assert.Equal(("sha-1", Sha1Of91), (offer.Selector.Hash!.Algorithm, offer.Selector.Hash.Value));
        Assert.Equal(20, offer.Selector.Hash.GetBytes().Length);
        Assert.Equal("Q6LMoGymJdh0IKIgD6wD0jkcfgva4xvE", offer.TransferId);
        Assert.Equal("render", offer.Disposition);
        Assert.Equal(new DateTimeOffset(2006, 5, 15, 15, 1, 31, TimeSpan.FromHours(3)), offer.Date!.CreationDate);
        Assert.Equal("cid:id2@alicepc.example.com", offer.Icon);
        Assert.Equal("This is my latest picture", offer.Information);
        Assert.Null(offer.Range);
        Assert.Equal(0, offer.StartOffset);
        Assert.Equal("msrp://alicepc.example.com:7654/jshA7we;tcp", offer.Msrp.EndpointUri.ToString());
        Assert.Equal(["message/cpim"], offer.Msrp.AcceptTypes);
        Assert.False(offer.IsRejected);
    }

    [Fact]
    public void AnswerOf91AcceptsThePush()
    {
        var offer = Read("rfc5547-s9.1-offer.sdp");
        var answer = Read("rfc5547-s9.1-answer.sdp");
        Assert.Equal(SdpDirection.RecvOnly, answer.Direction);
        Assert.Equal(offer.Selector, answer.Selector);
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.ValidateAnswer(offer, answer));

        // RFC 5547 §8: the answer must turn the direction, keep the file-transfer-id and describe the same file.
        Assert.Equal(MsrpFileTransferSdpError.WrongDirection, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { Direction = SdpDirection.SendOnly }));
        Assert.Equal(MsrpFileTransferSdpError.TransferIdMismatch, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { TransferId = "other" }));
        Assert.Equal(MsrpFileTransferSdpError.SelectorMismatch, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { Selector = answer.Selector with { Size = 4093 } }));
        Assert.Equal(MsrpFileTransferSdpError.SelectorMismatch, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { Selector = answer.Selector with { Hash = null } }));
        Assert.Equal(MsrpFileTransferSdpError.RangeMismatch, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { Range = new SdpFileRange(100, 4092) }));
        Assert.Equal(MsrpFileTransferSdpError.Rejected, MsrpFileTransferSdp.ValidateAnswer(offer, answer with { IsRejected = true }));
    }

    [Fact]
    public void PullByHashOf92IsAnsweredByTheSenderWithMoreSelectors()
    {
        var offer = Read("rfc5547-s9.2-offer-hash.sdp");
        Assert.Equal(SdpDirection.RecvOnly, offer.Direction);
        Assert.Equal(new SdpFileSelector(null, null, null, new SdpFileHash("sha-1", Sha1Of91)), offer.Selector);
        var answer = Read("rfc5547-s9.2-answer-hash.sdp");
        Assert.Equal(SdpDirection.SendOnly, answer.Direction);
        Assert.Equal(("image/jpeg", Sha1Of91), (answer.Selector.Type, answer.Selector.Hash!.Value));
        Assert.Equal("aCQYuBRVoUPGVsFZkCK98vzcX2FXDIk2", answer.TransferId);
        // RFC 5547 §8.3.2: the answer may add selectors; it must keep the offered hash.
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.ValidateAnswer(offer, answer));
        var otherHash = answer with { Selector = answer.Selector with { Hash = new SdpFileHash("sha-1", "00:11") } };
        Assert.Equal(MsrpFileTransferSdpError.SelectorMismatch, MsrpFileTransferSdp.ValidateAnswer(offer, otherHash));
    }

    [Fact]
    public void ReOfferOf92IsANewTransferWithANewId()
    {
        var first = Read("rfc5547-s9.1-offer.sdp");
        var reoffer = Read("rfc5547-s9.2-reoffer.sdp");
        Assert.Equal(SdpDirection.SendOnly, reoffer.Direction);
        Assert.Equal(("sunset.jpg", "image/jpeg", 4096L), (reoffer.Selector.Name, reoffer.Selector.Type, reoffer.Selector.Size));
        Assert.Equal("58:23:1F:E8:65:3B:BC:F3:71:36:2F:86:D4:71:91:3E:E4:B1:DF:2F", reoffer.Selector.Hash!.Value);
        Assert.Equal("ZVE8MfI9mhAdZ8GyiNMzNN5dpqgzQlCO", reoffer.TransferId);
        Assert.NotEqual(first.TransferId, reoffer.TransferId);
        Assert.Equal("cid:id3@alicepc.example.com", reoffer.Icon);
        Assert.Equal(new DateTimeOffset(2006, 5, 21, 13, 2, 15, TimeSpan.FromHours(3)), reoffer.Date!.CreationDate);
        Assert.Equal("msrp://alicepc.example.com:7654/iau39;tcp", reoffer.Msrp.EndpointUri.ToString());
    }

    [Fact]
    public void CapabilityOf93HasABareSelectorAndIsNoTransfer()
    {
        Assert.True(SdpSession.TryParse(Sdp("rfc5547-s9.3-options-capability.sdp"), out var session).IsSuccess);
        var media = Assert.Single(session!.Media);
        Assert.Equal(0, media.Port);
        Assert.Equal(new SdpFileSelector(null, null, null, null), media.FileSelector);
        Assert.Equal(20000, media.MaxSize);
        // RFC 5547 §9.3: an OPTIONS answer says file transfer is supported; it has no a=path, so no session to set up.
        Assert.Equal(MsrpFileTransferSdpError.NoMsrpMedia, MsrpFileTransferSdp.TryRead(Sdp("rfc5547-s9.3-options-capability.sdp"), out _));
    }

    [Fact]
    public void WrittenOffersReadBackWithTheSameValues()
    {
        var offer = Read("rfc5547-s9.1-offer.sdp") with { Range = new SdpFileRange(1001, 4092) };
        var bytes = MsrpFileTransferSdp.Create("192.0.2.1", offer, SdpSetup.ActPass);
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.TryRead(bytes, out var back));
        Assert.Equal((offer.Selector, offer.TransferId, offer.Disposition, offer.Date, offer.Icon, offer.Range, offer.Direction, offer.Information),
            (back!.Selector, back.TransferId, back.Disposition, back.Date, back.Icon, back.Range, back.Direction, back.Information));
        Assert.Equal(1000, back.StartOffset);
        Assert.Contains("a=file-range:1001-4092\r\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);

        // Ranges outside the file, or backwards, are refused (RFC 5547 §6).
        var beyond = MsrpFileTransferSdp.Create("192.0.2.1", offer with { Range = new SdpFileRange(1, 5000) }, SdpSetup.ActPass);
        Assert.Equal(MsrpFileTransferSdpError.BadRange, MsrpFileTransferSdp.TryRead(beyond, out _));
        var backwards = MsrpFileTransferSdp.Create("192.0.2.1", offer with { Range = new SdpFileRange(30, 20) }, SdpSetup.ActPass);
        Assert.Equal(MsrpFileTransferSdpError.BadRange, MsrpFileTransferSdp.TryRead(backwards, out _));
        Assert.Equal(MsrpFileTransferSdpError.MalformedSdp, MsrpFileTransferSdp.TryRead("not sdp"u8, out _));
        var sendrecv = MsrpFileTransferSdp.Create("192.0.2.1", offer with { Direction = SdpDirection.SendRecv }, SdpSetup.ActPass);
        Assert.Equal(MsrpFileTransferSdpError.NotOneWay, MsrpFileTransferSdp.TryRead(sendrecv, out _));
    }

    [Fact]
    public void MsrpChunksOf91CarryTheOfferedFileInTwoContiguousRanges()
    {
        var offer = Read("rfc5547-s9.1-offer.sdp");
        var (c1, body1) = Parse("rfc5547-s9.1-send-chunk1.msrp");
        var (c2, _) = Parse("rfc5547-s9.1-send-chunk2.msrp");
        Assert.Equal((1L, 2048L, 4385L, MsrpContinuation.More), (c1.ByteRange.Start, c1.ByteRange.End, c1.ByteRange.Total, c1.Continuation));
        Assert.Equal((2049L, 4385L, 4385L, MsrpContinuation.Complete), (c2.ByteRange.Start, c2.ByteRange.End, c2.ByteRange.Total, c2.Continuation));
        Assert.Equal("12339sdqwer", Header("rfc5547-s9.1-send-chunk1.msrp", "Message-ID"));
        Assert.Equal("12339sdqwer", Header("rfc5547-s9.1-send-chunk2.msrp", "Message-ID"));
        // The CPIM-wrapped file (RFC 5547 §9.1) names the file of the offer's file-selector, with its size.
        Assert.Contains("filename=\"" + offer.Selector.Name + "\"", body1, StringComparison.Ordinal);
        Assert.Contains("size=" + offer.Selector.Size, body1, StringComparison.Ordinal);
        Assert.Contains("Content-Type: " + offer.Selector.Type, body1, StringComparison.Ordinal);
        // Each chunk is acknowledged with its Byte-Range; the session's To-Path is the offerer's re-offer path.
        var (ok1, _) = Parse("rfc5547-s9.1-200ok-chunk1.msrp");
        var (ok2, _) = Parse("rfc5547-s9.1-200ok-chunk2.msrp");
        Assert.Equal((200, c1.ByteRange), (ok1.StatusCode, ok1.ByteRange));
        Assert.Equal((200, c2.ByteRange), (ok2.StatusCode, ok2.ByteRange));
        Assert.Equal(Read("rfc5547-s9.2-reoffer.sdp").Msrp.EndpointUri.ToString(), Header("rfc5547-s9.1-send-chunk1.msrp", "From-Path"));
    }

    [Fact]
    public void MsrpMessageOf92IsSentByTheAnswererOfThePull()
    {
        var offer = Read("rfc5547-s9.2-offer-hash.sdp");
        var answer = Read("rfc5547-s9.2-answer-hash.sdp");
        var (send, body) = Parse("rfc5547-s9.2-send-file.msrp");
        Assert.Equal((1L, 2027L, 2027L, MsrpContinuation.Complete), (send.ByteRange.Start, send.ByteRange.End, send.ByteRange.Total, send.Continuation));
        // Pull: the file goes from the answerer (sendonly) to the offerer (recvonly).
        Assert.Equal(answer.Msrp.EndpointUri.ToString(), Header("rfc5547-s9.2-send-file.msrp", "From-Path"));
        Assert.Equal(offer.Msrp.EndpointUri.ToString(), Header("rfc5547-s9.2-send-file.msrp", "To-Path"));
        Assert.Contains("Content-Type: " + answer.Selector.Type, body, StringComparison.Ordinal);
        Assert.Contains("size=1931", body, StringComparison.Ordinal);
        var (ok, _) = Parse("rfc5547-s9.2-200ok.msrp");
        Assert.Equal((200, send.ByteRange), (ok.StatusCode, ok.ByteRange));
    }

    [Fact]
    public void InviteOf91CarriesTheIconAsTheBodyPartTheFileIconNames()
    {
        string path = RepoPaths.CorpusFile("sip", "examples", "rfc5547-s9.1-invite-multipart-icon.sip");
        Assert.True(File.Exists(path), $"Corpus file missing: {path}");
        var bytes = File.ReadAllBytes(path);
        // Invalid as written for SIP framing (Content-Length placeholders): take the head and body apart by hand.
        int blank = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        string contentType = Encoding.ASCII.GetString(bytes, 0, blank).Split("\r\n").Single(l => l.StartsWith("Content-Type:", StringComparison.Ordinal))["Content-Type:".Length..].Trim();
        Assert.True(MsrpFileTransferBody.TryRead(contentType, bytes.AsMemory(blank + 4), out var sdp, out var parts));
        Assert.Equal(2, parts.Count);
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.TryRead(sdp.Span, out var offer));
        Assert.Equal(Read("rfc5547-s9.1-offer.sdp").Selector, offer!.Selector);
        Assert.Equal("cid:id2@alicepc.example.com", offer.Icon);
        var icon = MsrpFileTransferBody.FindByCid(parts, offer.Icon);
        Assert.NotNull(icon);
        Assert.Equal("image/jpeg", icon.Value.Type);
        Assert.StartsWith("[...small preview icon of the file...]", Encoding.ASCII.GetString(icon.Value.Content.Span), StringComparison.Ordinal);
        Assert.Null(MsrpFileTransferBody.FindByCid(parts, "cid:other@alicepc.example.com"));

        // The pull INVITE of §9.2 is a bare SDP body.
        var pull = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "examples", "rfc5547-s9.2-invite-hash.sip"));
        int pullBlank = pull.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(MsrpFileTransferBody.TryRead("application/sdp", pull.AsMemory(pullBlank + 4), out var pullSdp, out var none));
        Assert.Empty(none);
        Assert.Equal(MsrpFileTransferSdpError.None, MsrpFileTransferSdp.TryRead(pullSdp.Span, out var pullOffer));
        Assert.Equal(Read("rfc5547-s9.2-offer-hash.sdp").Selector, pullOffer!.Selector);
    }

    [Fact]
    public void BuiltMultipartBodyReadsBackByteExact()
    {
        var sdp = Sdp("rfc5547-s9.1-offer.sdp");
        var icon = RandomNumberGenerator.GetBytes(777);
        var body = MsrpFileTransferBody.Build(sdp, icon, "image/gif", "x1@host.test", out string contentType);
        Assert.StartsWith("multipart/mixed;boundary=rcscore-", contentType, StringComparison.Ordinal);
        Assert.True(MsrpFileTransferBody.TryRead(contentType, body, out var readSdp, out var parts));
        Assert.Equal(sdp, readSdp.ToArray());
        var part = MsrpFileTransferBody.FindByCid(parts, "cid:x1%40host.test");
        Assert.Equal("image/gif", part!.Value.Type);
        Assert.Equal(icon, part.Value.Content.ToArray());
        Assert.False(MsrpFileTransferBody.TryRead("multipart/mixed;boundary=nothere", body, out _, out _));
    }

    private static (MsrpMessageInfo Info, string Body) Parse(string file)
    {
        var bytes = Msrp(file);
        var result = MsrpMessageParser.Parse(bytes, out var info);
        Assert.True(result.IsSuccess, $"{file}: {result.Message}");
        Assert.True(info.HasByteRange, file);
        return (info, info.HasBody ? Encoding.UTF8.GetString(bytes, info.BodyOffset, info.BodyLength) : string.Empty);
    }

    private static string Header(string file, string name)
    {
        foreach (string line in Encoding.UTF8.GetString(Msrp(file)).Split("\r\n"))
        {
            if (line.Length == 0)
            {
                break;
            }
            if (line.StartsWith(name + ": ", StringComparison.Ordinal))
            {
                return line[(name.Length + 2)..];
            }
        }
        throw new InvalidOperationException($"No {name} in {file}.");
    }
}
