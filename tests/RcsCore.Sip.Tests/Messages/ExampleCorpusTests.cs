using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Sip.Tests.Messages;

/// <summary>Real-world and RFC example messages in ../shared/corpus/sip/examples (see the corpus PROVENANCE.md).</summary>
public class ExampleCorpusTests
{
    private static byte[] Bytes(string file) => File.ReadAllBytes(RepoPaths.CorpusFile("sip", "examples", file));

    private static SipMessage Load(string file)
    {
        var result = SipMessage.TryParse(Bytes(file), SipFraming.Datagram, out var m);
        Assert.True(result.IsSuccess, $"{file}: {result.Message}");
        return m!;
    }

    // Every file in the folder has an expectation here, so a new corpus file fails until someone decides.
    public static TheoryData<string, string> Expectations() => new()
    {
        { "ims-rcs-ack.sip", "ok" },
        { "ims-rcs-notify-reginfo.sip", "ok" },              // Content-Length 766 < 780 body bytes: trailing bytes ignored
        { "ims-rcs-register-200-p-associated-uri.sip", "ok" },
        { "ims-rcs-register-401-digest-challenge.sip", "ok" },
        { "ims-rcs-register-digest-response.sip", "ok" },
        { "ims-rcs-register-initial.sip", "ok" },
        { "npm-sme-invite-compact.sip", "content-length-exceeds-body" }, // l: 173, 171 body bytes as published
        { "npm-sme-invite.sip", "unterminated-quoted-string" },          // P-Asserted-Identity: "Dave Horton<sip:...>@10.1.0.2
        { "npm-sme-siprec.sip", "content-length-exceeds-body" },         // 3304 declared, 3005 present
        { "npm-sme-siprec3.sip", "content-length-exceeds-body" },
        { "rfc4975-s4-200ok.sip", "ok" },                    // syntactically fine; lacks mandatory headers (a 400 for a UAS)
        { "rfc4975-s4-ack.sip", "missing-end-of-headers" },  // abbreviated in the RFC: no empty line
        { "rfc4975-s4-invite.sip", "ok" },
        { "rfc5547-s9.1-invite-multipart-icon.sip", "invalid-content-length" }, // "[length...]" placeholder
        { "rfc5547-s9.2-invite-hash.sip", "invalid-content-length" },
    };

    [Theory]
    [MemberData(nameof(Expectations))]
    public void ParsesAsExpected(string file, string expected)
    {
        var result = SipMessage.TryParse(Bytes(file), SipFraming.Datagram, out _);
        Assert.Equal(expected, result.IsSuccess ? "ok" : SipParseErrors.Code(result.Error));
    }

    [Fact]
    public void EveryExampleFileHasAnExpectation()
    {
        var listed = Expectations().Select(row => row.Data.Item1).ToHashSet();
        foreach (var path in Directory.GetFiles(RepoPaths.CorpusFile("sip", "examples")))
        {
            Assert.Contains(Path.GetFileName(path), listed);
        }
    }

    [Fact]
    public void AbbreviatedRfcMessagesAreRefusedByTheRequestChecks()
    {
        var invite = Assert.IsType<SipRequest>(Load("rfc4975-s4-invite.sip"));
        Assert.Equal(400, SipRequestChecks.Check(invite)!.StatusCode);
    }

    [Fact]
    public void ImsRegisterFlow()
    {
        var initial = Assert.IsType<SipRequest>(Load("ims-rcs-register-initial.sip"));
        Assert.Equal("REGISTER", initial.Method);
        var contact = Assert.Single(initial.Contacts);
        Assert.NotNull(contact.GetParameter("+g.3gpp.icsi-ref"));
        Assert.StartsWith("Digest", initial.GetHeader(SipHeaderName.Authorization), StringComparison.Ordinal);

        var challenge = Assert.IsType<SipResponse>(Load("ims-rcs-register-401-digest-challenge.sip"));
        Assert.Equal(401, challenge.StatusCode);
        Assert.Contains("nonce=", challenge.GetHeader(SipHeaderName.WwwAuthenticate), StringComparison.Ordinal);

        var ok = Assert.IsType<SipResponse>(Load("ims-rcs-register-200-p-associated-uri.sip"));
        Assert.Equal(200, ok.StatusCode);
        Assert.NotEmpty(ok.GetNameAddresses(SipHeaderName.PAssociatedUri));
        Assert.EndsWith("@192.168.8.100", ok.CallId, StringComparison.Ordinal); // the captures come from different registrations
    }

    [Fact]
    public void ReginfoNotifyIgnoresBytesBeyondContentLength()
    {
        var bytes = Bytes("ims-rcs-notify-reginfo.sip");
        Assert.True(SipMessage.TryParse(bytes, SipFraming.Datagram, SipLimits.Default, out var m, out var info).IsSuccess);
        Assert.Equal(766, m!.Body.Length);
        Assert.Equal(14, info.TrailingBytes);
        Assert.Equal("application/reginfo+xml", m.ContentType);
    }

    [Fact]
    public void BenchMessagesParse()
    {
        foreach (var file in new[] { "invite-rcs-chat.sip", "register-200ok.sip", "message-cpim.sip" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.BenchMessages, file));
            var result = SipMessage.TryParse(bytes, SipFraming.Stream, out var m);
            Assert.True(result.IsSuccess, $"{file}: {result.Message}");
            Assert.Equal(bytes.Length, m!.Data.Length);
        }
        var invite = Assert.IsType<SipRequest>(SipMessage.TryParse(File.ReadAllBytes(Path.Combine(RepoPaths.BenchMessages, "invite-rcs-chat.sip")), SipFraming.Stream, out var inv).IsSuccess ? inv : null);
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"", invite.Contacts[0].GetParameter("+g.3gpp.icsi-ref"));
        Assert.Equal("2b8c4e6a1f3d5e7a9c0b", invite.GetHeader(SipHeaderName.ContributionId));
        Assert.Equal(2, invite.RecordRoutes.Count);
        Assert.Equal(SipUriScheme.Tel, invite.To!.Uri.Scheme);
        Assert.Equal(5060, invite.Vias[1].RPort);
    }
}
