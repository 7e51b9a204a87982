using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Sdp;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

/// <summary>Every file of ../shared/corpus/sip/sdp per its MANIFEST.tsv, plus the SDP in the bench INVITE.</summary>
public class SdpCorpusTests
{
    private const string Sha1Hex = "72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E";

    public static TheoryData<string, string, string> Manifest()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string file, string @class, string sha256) in ManifestRows())
        {
            data.Add(file, @class, sha256);
        }

        return data;
    }

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach ((string file, string @class, _) in ManifestRows())
        {
            if (@class == "valid")
            {
                data.Add(file);
            }
        }

        return data;
    }

    internal static List<(string File, string Class, string Sha256)> ManifestRows()
    {
        var rows = new List<(string, string, string)>();
        foreach (string line in File.ReadAllLines(RepoPaths.CorpusFile("sip", "sdp", "MANIFEST.tsv")).Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] columns = line.Split('\t');
            rows.Add((columns[0], columns[1], columns[3]));
        }

        return rows;
    }

    [Fact]
    public void ManifestListsEveryFile()
    {
        string dir = RepoPaths.CorpusFile("sip", "sdp");
        var onDisk = Directory.GetFiles(dir, "*.sdp").Select(Path.GetFileName).Order().ToArray();
        var listed = ManifestRows().Select(row => row.File).Order().ToArray();
        Assert.Equal(onDisk, listed);
        Assert.Equal(9, listed.Length);
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void ManifestFile(string file, string @class, string sha256)
    {
        byte[] bytes = Read(file);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));

        SdpParseResult result = SdpSession.TryParse(bytes, out SdpSession? session);
        if (@class == "valid")
        {
            Assert.True(result.IsSuccess, result.ToString());
            Assert.NotNull(session);

            // Canonical input: parse then write gives the same bytes.
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(session.ToArray()));
            Assert.All(session.Media, m => Assert.True(m.IsMsrp));
        }
        else
        {
            Assert.False(result.IsSuccess);
            Assert.Null(session);
            Assert.NotEqual(SdpParseError.None, result.Error);
        }
    }

    [Theory]
    [InlineData("rfc4976-s11-offer-fragment.sdp")]
    [InlineData("rfc4976-s11-answer-fragment.sdp")]
    public void Rfc4976FragmentsAreRejectedForMissingVersion(string file)
    {
        byte[] bytes = Read(file);
        SdpParseResult result = SdpAssert.Fails(bytes, SdpParseError.MissingVersion);
        Assert.Equal(0, result.Offset);

        // The lines themselves are well formed.
        var reader = new SdpReader(bytes);
        int lines = 0;
        while (reader.TryReadLine(out _, out _, out _))
        {
            lines++;
        }

        Assert.True(reader.Error.IsSuccess);
        Assert.Equal(4, lines);
    }

    [Fact]
    public void Rfc4976AnswerFragmentCompletedWithSessionLinesGivesRelayPath()
    {
        byte[] head = "v=0\r\no=bob 1 1 IN IP4 bob.example.com\r\ns=-\r\nt=0 0\r\n"u8.ToArray();
        SdpSession session = SdpAssert.Parses([.. head, .. Read("rfc4976-s11-answer-fragment.sdp")]);
        SdpMedia media = Assert.Single(session.Media);
        Assert.True(media.IsMsrp);
        Assert.True(media.IsSecureMsrp);
        Assert.Equal(1234, media.Port);
        Assert.Equal(new SdpConnection("IN", "IP4", "bob.example.com"), session.Connection);

        // RFC 4976 §11: "a=accept-types: " has a space after the colon; the list ignores it.
        Assert.Equal(" message/cpim text/plain", media.FindAttribute("accept-types")!.Value);
        Assert.Equal(["message/cpim", "text/plain"], media.AcceptTypes);
        Assert.Equal(["msrps://relay.example.com:9000/hjdhfha;tcp", "msrps://bob.example.com:1234/fuige;tcp"], media.Paths);
    }

    [Fact]
    public void Rfc4975OfferValues()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc4975-s11.1-offer.sdp"));
        Assert.Equal(0, session.Version);
        Assert.Equal(new SdpOrigin("alice", "2890844557", "2890844559", "IN", "IP4", "alicepc.example.com"), session.Origin);
        Assert.Equal(" -", session.SessionName);
        Assert.Equal(new SdpConnection("IN", "IP4", "alicepc.example.com"), session.Connection);
        SdpTiming timing = Assert.Single(session.Timings);
        Assert.Equal(0UL, timing.Start);
        Assert.Equal(0UL, timing.Stop);

        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal("message", media.MediaType);
        Assert.Equal(7777, media.Port);
        Assert.Null(media.PortCount);
        Assert.Equal("TCP/MSRP", media.Protocol);
        Assert.Equal(["*"], media.Formats);
        Assert.True(media.IsMsrp);
        Assert.False(media.IsSecureMsrp);
        Assert.Equal(["text/plain"], media.AcceptTypes);
        Assert.Empty(media.AcceptWrappedTypes);
        Assert.Equal(["msrp://alicepc.example.com:7777/iau39soe2843z;tcp"], media.Paths);
        Assert.Equal(SdpDirection.SendRecv, media.Direction);
        Assert.Null(media.Setup);
        Assert.Null(media.MaxSize);
        Assert.Null(media.FileSelector);
    }

    [Fact]
    public void Rfc5547PushOfferValues()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc5547-s9.1-offer.sdp"));
        Assert.Equal("", session.SessionName);
        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal(7654, media.Port);
        Assert.Equal("This is my latest picture", media.Information);
        Assert.Equal(SdpDirection.SendOnly, media.Direction);
        Assert.Equal(["message/cpim"], media.AcceptTypes);
        Assert.Equal(["*"], media.AcceptWrappedTypes);
        Assert.Equal(["msrp://alicepc.example.com:7654/jshA7we;tcp"], media.Paths);

        SdpFileSelector selector = media.FileSelector!;
        Assert.Equal("My cool picture.jpg", selector.Name);
        Assert.Equal("image/jpeg", selector.Type);
        Assert.Equal(4092L, selector.Size);
        Assert.Equal(new SdpFileHash("sha-1", Sha1Hex), selector.Hash);
        byte[] digest = selector.Hash!.GetBytes();
        Assert.Equal(20, digest.Length);
        Assert.Equal(0x72, digest[0]);
        Assert.Equal(0x2E, digest[19]);

        Assert.Equal("Q6LMoGymJdh0IKIgD6wD0jkcfgva4xvE", media.FileTransferId);
        Assert.Equal("render", media.FileDisposition);
        Assert.Equal("cid:id2@alicepc.example.com", media.FileIcon);
        Assert.Null(media.FileRange);

        SdpFileDate date = media.FileDate!;
        Assert.Equal("Mon, 15 May 2006 15:01:31 +0300", date.Creation);
        Assert.Null(date.Modification);
        Assert.Null(date.Read);
        Assert.Equal(new DateTimeOffset(2006, 5, 15, 15, 1, 31, TimeSpan.FromHours(3)), date.CreationDate);
        Assert.Null(date.ModificationDate);
    }

    [Fact]
    public void Rfc5547PushAnswerValues()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc5547-s9.1-answer.sdp"));
        Assert.Equal(new SdpOrigin("bob", "2890844656", "2890844656", "IN", "IP4", "bobpc.example.com"), session.Origin);
        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal(8888, media.Port);
        Assert.Equal(SdpDirection.RecvOnly, media.Direction);
        Assert.Equal(["msrp://bobpc.example.com:8888/9di4ea;tcp"], media.Paths);
        Assert.Equal(new SdpFileSelector("My cool picture.jpg", "image/jpeg", 4092, new SdpFileHash("sha-1", Sha1Hex)), media.FileSelector);
        Assert.Equal("Q6LMoGymJdh0IKIgD6wD0jkcfgva4xvE", media.FileTransferId);
        Assert.Null(media.FileDate);
        Assert.Null(media.FileIcon);
    }

    [Fact]
    public void Rfc5547PullOfferByHashOnly()
    {
        SdpMedia media = Assert.Single(SdpAssert.Parses(Read("rfc5547-s9.2-offer-hash.sdp")).Media);
        Assert.Equal(SdpDirection.RecvOnly, media.Direction);
        Assert.Equal(new SdpFileSelector(null, null, null, new SdpFileHash("sha-1", Sha1Hex)), media.FileSelector);
        Assert.Equal("aCQYuBRVoUPGVsFZkCK98vzcX2FXDIk2", media.FileTransferId);
    }

    [Fact]
    public void Rfc5547PullAnswerByHash()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc5547-s9.2-answer-hash.sdp"));
        Assert.Equal("2890855439", session.Origin.SessionVersion);
        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal(SdpDirection.SendOnly, media.Direction);
        Assert.Equal(new SdpFileSelector(null, "image/jpeg", null, new SdpFileHash("sha-1", Sha1Hex)), media.FileSelector);
        Assert.Equal("aCQYuBRVoUPGVsFZkCK98vzcX2FXDIk2", media.FileTransferId);
    }

    [Fact]
    public void Rfc5547Reoffer()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc5547-s9.2-reoffer.sdp"));
        Assert.Equal("2890844527", session.Origin.SessionVersion);
        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal(["msrp://alicepc.example.com:7654/iau39;tcp"], media.Paths);
        Assert.Equal(
            new SdpFileSelector("sunset.jpg", "image/jpeg", 4096, new SdpFileHash("sha-1", "58:23:1F:E8:65:3B:BC:F3:71:36:2F:86:D4:71:91:3E:E4:B1:DF:2F")),
            media.FileSelector);
        Assert.Equal("ZVE8MfI9mhAdZ8GyiNMzNN5dpqgzQlCO", media.FileTransferId);
        Assert.Equal("cid:id3@alicepc.example.com", media.FileIcon);
        Assert.Equal(new DateTimeOffset(2006, 5, 21, 13, 2, 15, TimeSpan.FromHours(3)), media.FileDate!.CreationDate);
    }

    [Fact]
    public void Rfc5547OptionsCapability()
    {
        SdpSession session = SdpAssert.Parses(Read("rfc5547-s9.3-options-capability.sdp"));
        Assert.Equal("-", session.SessionName);
        SdpMedia media = Assert.Single(session.Media);
        Assert.Equal(0, media.Port);
        Assert.Equal(20000L, media.MaxSize);
        Assert.Equal(new SdpAttribute("file-selector", null), media.FindAttribute("file-selector"));
        Assert.Equal(new SdpFileSelector(null, null, null, null), media.FileSelector);
        Assert.Null(media.FileTransferId);
        Assert.Empty(media.Paths);
    }

    [Fact]
    public void BenchRcsChatInvite()
    {
        SdpSession session = SdpAssert.Parses(SipBody(Path.Combine(RepoPaths.BenchMessages, "invite-rcs-chat.sip")));
        Assert.Equal(new SdpOrigin("-", "3973074313", "3973074313", "IN", "IP4", "10.0.2.20"), session.Origin);
        Assert.Equal("-", session.SessionName);
        Assert.Equal(new SdpConnection("IN", "IP4", "10.0.2.20"), session.Connection);
        SdpMedia media = Assert.Single(session.Media);
        Assert.True(media.IsMsrp);
        Assert.Equal(9, media.Port);
        Assert.Equal(["message/cpim", "application/im-iscomposing+xml"], media.AcceptTypes);
        Assert.Equal(["text/plain", "message/imdn+xml"], media.AcceptWrappedTypes);
        Assert.Equal(["msrp://10.0.2.20:9/hk3jd82x;tcp"], media.Paths);
        Assert.Equal(SdpSetup.Active, media.Setup);
        Assert.Equal(SdpDirection.SendRecv, media.Direction);
        Assert.Equal(new SdpAttribute("sendrecv", null), media.Attributes[^1]);
    }

    [Theory]
    [InlineData("npm-sme-invite.sip")]
    [InlineData("npm-sme-invite-compact.sip")]
    public void RealWorldAudioBodyWithoutFinalCrlf(string file)
    {
        byte[] body = SipBody(RepoPaths.CorpusFile("sip", "examples", file));
        Assert.NotEqual((byte)'\n', body[^1]);
        SdpSession session = SdpAssert.Parses(body);
        Assert.Equal("Phone-Call", session.SessionName);
        SdpMedia media = Assert.Single(session.Media);
        Assert.False(media.IsMsrp);
        Assert.Equal("audio", media.MediaType);
        Assert.Equal("RTP/AVP", media.Protocol);
        Assert.Equal(["0"], media.Formats);
        Assert.Equal(new SdpAttribute("rtpmap", "0 PCMU/8000"), media.Attributes[0]);

        // Writing adds only the final CRLF.
        Assert.Equal([.. body, (byte)'\r', (byte)'\n'], session.ToArray());
    }

    internal static byte[] Read(string file) => File.ReadAllBytes(RepoPaths.CorpusFile("sip", "sdp", file));

    /// <summary>The bytes after the first empty line of a SIP message (RFC 3261 §7).</summary>
    internal static byte[] SipBody(string path)
    {
        byte[] message = File.ReadAllBytes(path);
        int blank = message.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(blank > 0);
        return message[(blank + 4)..];
    }
}
