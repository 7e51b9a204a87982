using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Sip.Tests.Messages;

/// <summary>write∘parse is the identity on generated messages (FsCheck generators for URIs, name-addr, messages).</summary>
public class RoundTripProperties
{
    public sealed record UriSpec(bool Secure, string? User, string Host, int Port, (string Name, string? Value)[] Params)
    {
        public string Text
        {
            get
            {
                var sb = new StringBuilder(Secure ? "sips:" : "sip:");
                if (User is not null)
                {
                    sb.Append(User).Append('@');
                }
                sb.Append(Host);
                if (Port >= 0)
                {
                    sb.Append(':').Append(Port);
                }
                foreach (var (n, v) in Params)
                {
                    sb.Append(';').Append(n);
                    if (v is not null)
                    {
                        sb.Append('=').Append(v);
                    }
                }
                return sb.ToString();
            }
        }
    }

    public sealed record MessageSpec(bool IsRequest, string Method, UriSpec Target, int Status, string Reason, string FromName, UriSpec From, string FromTag,
        UriSpec To, string? ToTag, string CallId, uint CSeq, int MaxForwards, (string Transport, string Host, int Port, string Branch)[] Vias,
        UriSpec[] Contacts, (string Name, string Value)[] Extra, byte[] Body);

    private static readonly Gen<string> s_token = Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~".ToCharArray()), n)).Select(c => new string(c)).Where(s => !s.Contains('%'));
    // Tokens that are also valid in URI user parts and parameters (no '`' or '%', RFC 3261 §25.1 paramchar).
    private static readonly Gen<string> s_uriToken = Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'".ToCharArray()), n)).Select(c => new string(c));
    private static readonly Gen<string> s_user = Gen.OneOf(s_uriToken, Gen.Choose(1_000_000, int.MaxValue).Select(n => "+1" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.Constant("alice"), Gen.Constant("a%20b"));
    private static readonly Gen<string> s_host = Gen.OneOf(
        Gen.Elements("example.com", "ims.mnc001.mcc001.3gppnetwork.org", "pcscf.example.net", "localhost"),
        Gen.Choose(1, 254).Select(n => $"192.0.2.{n}"),
        Gen.Elements("[::1]", "[2001:db8::10]", "[fe80::1:2]"));
    private static readonly Gen<(string, string?)> s_param = Gen.OneOf(
        Gen.Constant<(string, string?)>(("lr", null)),
        Gen.Elements("udp", "tcp", "tls").Select(t => ("transport", (string?)t)),
        s_uriToken.Select(t => ("x-" + t.ToLowerInvariant(), (string?)t)));
    private static readonly Gen<UriSpec> s_uri =
        from secure in Gen.Elements(false, false, true)
        from user in Gen.OneOf(s_user.Select(u => (string?)u), Gen.Constant<string?>(null))
        from host in s_host
        from port in Gen.OneOf(Gen.Constant(-1), Gen.Choose(1, 65535))
        from ps in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(s_param, n))
        select new UriSpec(secure, user, host, port, ps.GroupBy(p => p.Item1).Select(g => g.First()).ToArray());

    private static readonly Gen<MessageSpec> s_message =
        from isRequest in Gen.Elements(true, false)
        from method in Gen.OneOf(Gen.Elements("INVITE", "MESSAGE", "OPTIONS", "REGISTER", "BYE", "NOTIFY"), s_token.Where(t => !t.Contains('%')))
        from target in s_uri
        from status in Gen.Choose(100, 699)
        from reason in Gen.Elements("OK", "Ringing", "Not Found", "", "Very Custom Reason")
        from fromName in Gen.Elements("", "Alice", "Bob Smith", "Quote \\\"me\\\"", "Ünïcödé")
        from fromUri in s_uri
        from fromTag in s_token
        from to in s_uri
        from toTag in Gen.OneOf(s_token.Select(t => (string?)t), Gen.Constant<string?>(null))
        from callId in s_token.SelectMany(a => s_host, (a, h) => a + "@" + h.Trim('[', ']').Replace(":", "", StringComparison.Ordinal))
        from cseq in Gen.Choose(0, int.MaxValue)
        from maxf in Gen.Choose(0, 255)
        from vias in Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(
            from t in Gen.Elements("UDP", "TCP", "TLS", "SCTP", "WS")
            from h in s_host
            from p in Gen.OneOf(Gen.Constant(-1), Gen.Choose(1, 65535))
            from b in s_token
            select (t, h, p, "z9hG4bK" + b), n))
        from contacts in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(s_uri, n))
        from extra in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(s_token.SelectMany(v => Gen.Elements("value", "a, b, c", "x;y=z"), (name, v) => ("X-" + name, v)), n))
        from body in Gen.OneOf(Gen.Constant(Array.Empty<byte>()), Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)))
        select new MessageSpec(isRequest, method, target, status, reason, fromName, fromUri, fromTag, to, toTag, callId, (uint)cseq, maxf, vias, contacts, extra, body);

    public static Arbitrary<MessageSpec> Messages() => s_message.ToArbitrary();

    public static Arbitrary<UriSpec> Uris() => s_uri.ToArbitrary();

    private static SipMessage Build(MessageSpec s)
    {
        SipMessageBuilder b = s.IsRequest ? new SipRequestBuilder(s.Method, SipUri.Parse(s.Target.Text)) : new SipResponseBuilder(s.Status, s.Reason);
        foreach (var (t, h, p, br) in s.Vias)
        {
            b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{t} {h}{(p >= 0 ? ":" + p : "")};branch={br}");
        }
        b.AddHeader(SipHeaderName.MaxForwards, s.MaxForwards.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var from = new SipNameAddress(SipUri.Parse(s.From.Text), s.FromName.Length == 0 ? null : s.FromName, [new("tag", s.FromTag)]);
        b.AddHeader(SipHeaderName.From, from.ToString());
        b.AddHeader(SipHeaderName.To, new SipNameAddress(SipUri.Parse(s.To.Text), null, s.ToTag is null ? [] : [new("tag", s.ToTag)]).ToString());
        b.AddHeader(SipHeaderName.CallId, s.CallId);
        b.AddHeader(SipHeaderName.CSeq, $"{s.CSeq} {(s.IsRequest ? s.Method : "INVITE")}");
        foreach (var c in s.Contacts)
        {
            b.AddHeader(SipHeaderName.Contact, $"<{c.Text}>");
        }
        foreach (var (n, v) in s.Extra)
        {
            b.AddHeader(n, v);
        }
        if (s.Body.Length > 0)
        {
            b.SetBody(s.Body, "application/octet-stream");
        }
        return s.IsRequest ? ((SipRequestBuilder)b).Build() : ((SipResponseBuilder)b).Build();
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RoundTripProperties)])]
    public void WriteThenParseIsIdentity(MessageSpec spec)
    {
        var built = Build(spec);
        var wire = built.ToArray();
        foreach (var framing in new[] { SipFraming.Stream, SipFraming.Datagram })
        {
            var result = SipMessage.TryParse(wire, framing, out var m);
            Assert.True(result.IsSuccess, result.Message);
            Assert.True(m!.Data.Span.SequenceEqual(wire));
            if (spec.IsRequest)
            {
                var r = Assert.IsType<SipRequest>(m);
                Assert.Equal(spec.Method, r.Method);
                Assert.Equal(SipUri.Parse(spec.Target.Text), r.RequestUri);
                Assert.Equal(spec.Target.Text, r.RequestUriText);
            }
            else
            {
                var r = Assert.IsType<SipResponse>(m);
                Assert.Equal(spec.Status, r.StatusCode);
                Assert.Equal(spec.Reason, r.ReasonPhrase);
            }
            Assert.Equal(spec.Vias.Select(v => (v.Transport, v.Host, v.Port, v.Branch)), m.Vias.Select(v => (v.Transport, v.Host, v.Port, v.Branch!)));
            Assert.Equal(spec.MaxForwards, m.MaxForwards);
            Assert.Equal(spec.FromName.Length == 0 ? null : spec.FromName, m.From!.DisplayName);
            Assert.Equal(spec.FromTag, m.From.Tag);
            Assert.Equal(SipUri.Parse(spec.From.Text), m.From.Uri);
            Assert.Equal(spec.ToTag, m.To!.Tag);
            Assert.Equal(spec.CallId, m.CallId);
            Assert.Equal(spec.CSeq, m.CSeq!.Value.Number);
            Assert.Equal(spec.Contacts.Select(c => c.Text), m.Contacts.Select(c => c.Uri.Text));
            foreach (var (n, v) in spec.Extra)
            {
                Assert.Contains(v, AllValues(m, n));
            }
            Assert.True(m.Body.Span.SequenceEqual(spec.Body));
        }
    }

    private static List<string> AllValues(SipMessage m, string name)
    {
        var list = new List<string>();
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (string.Equals(m.GetHeaderName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                list.Add(m.GetHeaderValue(i));
            }
        }
        return list;
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(RoundTripProperties)])]
    public void UriParseKeepsTextAndEquality(UriSpec spec)
    {
        var uri = SipUri.Parse(spec.Text);
        Assert.Equal(spec.Text, uri.Text);
        Assert.Equal(spec.Secure ? SipUriScheme.Sips : SipUriScheme.Sip, uri.Scheme);
        Assert.Equal(spec.Host, uri.Host);
        Assert.Equal(spec.Port, uri.Port);
        Assert.Equal(spec.Params.Length, uri.Parameters.Count);
        // RFC 3261 §19.1.4: the host compares case-insensitively.
        Assert.Equal(uri, SipUri.Parse((spec with { Host = spec.Host.ToUpperInvariant() }).Text));
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RoundTripProperties)])]
    public void NameAddressToStringParsesBack(UriSpec spec, NonNegativeInt tag)
    {
        var na = new SipNameAddress(SipUri.Parse(spec.Text), "Display \"Name\"", [new("tag", tag.Get.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("lr", null)]);
        Assert.True(SipNameAddress.TryParse(na.ToString(), out var back));
        Assert.Equal(na.DisplayName, back.DisplayName);
        Assert.Equal(na.Uri, back.Uri);
        Assert.Equal(na.Tag, back.Tag);
        Assert.Equal(string.Empty, back.GetParameter("lr"));
    }
}
