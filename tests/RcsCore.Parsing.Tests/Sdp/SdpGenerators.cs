using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RcsCore.Parsing.Sdp;

namespace RcsCore.Parsing.Tests.Sdp;

/// <summary>A generated session; <see cref="ToString"/> shows its SDP text so counterexamples are readable.</summary>
public sealed class GeneratedSdp(SdpSession session)
{
    public SdpSession Session { get; } = session;

    public override string ToString()
    {
        try
        {
            return Encoding.UTF8.GetString(Session.ToArray()).Replace("\r\n", "\\r\\n\n", StringComparison.Ordinal);
        }
        catch (InvalidOperationException e)
        {
            return "unwritable: " + e.Message;
        }
    }
}

/// <summary>Typed MSRP and file-transfer values, as a sender would set them.</summary>
public sealed record MsrpValues(
    bool Secure,
    int Port,
    string[] Paths,
    string[] AcceptTypes,
    string[] AcceptWrappedTypes,
    long? MaxSize,
    SdpSetup? Setup,
    SdpDirection? Direction,
    SdpFileSelector? FileSelector,
    string? FileTransferId,
    string? FileDisposition,
    SdpFileDate? FileDate,
    string? FileIcon,
    SdpFileRange? FileRange)
{
    public SdpMedia ToMedia()
    {
        SdpMedia media = SdpMedia.CreateMsrp(Port, Paths[^1], AcceptTypes);
        media.Paths = Paths;
        media.AcceptWrappedTypes = AcceptWrappedTypes;
        media.MaxSize = MaxSize;
        media.Setup = Setup;
        if (Direction is { } direction)
        {
            media.Direction = direction;
        }

        media.FileSelector = FileSelector;
        media.FileTransferId = FileTransferId;
        media.FileDisposition = FileDisposition;
        media.FileDate = FileDate;
        media.FileIcon = FileIcon;
        media.FileRange = FileRange;
        return media;
    }

    public override string ToString() =>
        string.Join(" | ", Secure, Port, string.Join(' ', Paths), string.Join(' ', AcceptTypes), string.Join(' ', AcceptWrappedTypes),
            MaxSize, Setup, Direction, FileSelector, FileTransferId, FileDisposition, FileDate, FileIcon, FileRange);
}

/// <summary>FsCheck generators for SDP sessions with MSRP media and RFC 5547 attributes.</summary>
public static class SdpArbitraries
{
    // Text atoms: ASCII, quote, percent, tab, and non-ASCII (2-, 3- and 4-byte UTF-8).
    private static readonly string[] s_textAtoms =
        ["a", "Z", "0", "9", " ", "-", "_", ".", ":", "/", "\"", "%", "=", "\t", "~", "#", "*", ";", "@", "+", "\u00e9", "\u6f22", "\U0001F600"];

    private static readonly string[] s_fieldAtoms = ["a", "Z", "0", "9", "-", "_", ".", ":", "/", "%", "=", "~", "#", "*", ";", "@", "\u00e9"];

    private static readonly string[] s_tokenAtoms = ["a", "b", "z", "Q", "0", "7", "-", ".", "!", "~", "*", "+", "_", "'"];

    private static readonly string[] s_mediaTypes = ["message/cpim", "text/plain", "application/im-iscomposing+xml", "message/imdn+xml", "image/jpeg", "*"];

    public static Gen<string> Text => Gen.ArrayOf(Gen.Elements(s_textAtoms)).Select(string.Concat);

    public static Gen<string> NonEmptyText => Gen.NonEmptyListOf(Gen.Elements(s_textAtoms)).Select(string.Concat);

    public static Gen<string> Field => Gen.NonEmptyListOf(Gen.Elements(s_fieldAtoms)).Select(string.Concat);

    public static Gen<string> Token => Gen.NonEmptyListOf(Gen.Elements(s_tokenAtoms)).Select(string.Concat);

    public static Gen<string> Digits =>
        Gen.OneOf(
            Gen.Choose(0, int.MaxValue).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Elements("0", "00042", "3973074313", "123456789012345678901234567890"));

    public static Gen<ulong> UInt64 =>
        Gen.OneOf(Gen.Choose(0, int.MaxValue).Select(i => (ulong)i), Gen.Elements(0UL, 3724394400UL, ulong.MaxValue));

    public static Gen<long> NonNegative =>
        Gen.OneOf(Gen.Choose(0, int.MaxValue).Select(i => (long)i), Gen.Elements(0L, 4092L, long.MaxValue));

    public static Gen<List<T>> UpTo<T>(Gen<T> gen, int max) =>
        Gen.Choose(0, max).SelectMany(count => Gen.ListOf(gen, count).Select(items => items.ToList()));

    public static Gen<T?> OrNullValue<T>(Gen<T> gen)
        where T : struct =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(x => (T?)x)));

    public static Gen<T?> OrNull<T>(Gen<T> gen)
        where T : class =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(x => (T?)x)));

    public static Gen<SdpOrigin> Origin =>
        from user in Gen.OneOf(Gen.Constant("-"), Field)
        from id in Digits
        from version in Digits
        from addrType in Gen.Elements("IP4", "IP6")
        from address in Gen.OneOf(Field, Gen.Elements("10.0.2.20", "2001:db8::1", "alicepc.example.com"))
        select new SdpOrigin(user, id, version, "IN", addrType, address);

    public static Gen<SdpConnection> Connection =>
        from netType in Gen.OneOf(Gen.Constant("IN"), Token)
        from addrType in Gen.OneOf(Gen.Elements("IP4", "IP6"), Token)
        from address in Field
        select new SdpConnection(netType, addrType, address);

    public static Gen<SdpBandwidth> Bandwidth =>
        from type in Gen.OneOf(Gen.Elements("AS", "CT", "TIAS"), Token)
        from value in NonNegative
        select new SdpBandwidth(type, value);

    public static Gen<SdpAttribute> Attribute =>
        from name in Gen.OneOf(Token, Gen.Elements("sendonly", "path", "accept-types", "file-selector", "setup", "max-size"))
        from value in OrNull(Text)
        select new SdpAttribute(name, value);

    public static Gen<SdpTiming> Timing =>
        from start in UInt64
        from stop in UInt64
        from repeats in UpTo(NonEmptyText, 2)
        select WithRepeats(new SdpTiming(start, stop), repeats);

    public static Gen<DateTimeOffset> Date =>
        from year in Gen.Choose(1900, 9998)
        from dayOfYear in Gen.Choose(0, 364)
        from secondOfDay in Gen.Choose(0, (24 * 3600) - 1)
        from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
        select new DateTimeOffset(new DateTime(year, 1, 1).AddDays(dayOfYear).AddSeconds(secondOfDay), TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<SdpFileSelector> FileSelector =>
        from name in OrNull(NonEmptyText)
        from type in OrNull(Gen.Elements("image/jpeg", "text/plain", "text/plain;charset=\"utf-8\"", "text/plain;name=\"a b\""))
        from size in OrNullValue(NonNegative)
        from hash in OrNull(
            from algorithm in Gen.Elements("sha-1", "sha-256", "md5")
            from digest in Gen.NonEmptyListOf(Gen.Choose(0, 255).Select(b => (byte)b))
            select SdpFileHash.FromBytes(algorithm, digest.ToArray()))
        select new SdpFileSelector(name, type, size, hash);

    public static Gen<SdpFileDate> FileDate =>
        from creation in Date
        from modification in OrNullValue(Date)
        from read in OrNullValue(Date)
        select SdpFileDate.FromDates(creation, modification, read);

    public static Gen<SdpFileRange> FileRange =>
        from start in NonNegative
        from stop in OrNullValue(NonNegative)
        select new SdpFileRange(start, stop);

    public static Gen<string> MsrpUri(bool secure) =>
        from host in Gen.Elements("alicepc.example.com", "10.0.2.20", "[2001:db8::1]", "relay.example.com")
        from port in Gen.Choose(1, 65535)
        from id in Token
        select string.Concat(secure ? "msrps://" : "msrp://", host, ":", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "/", id, ";tcp");

    public static Gen<MsrpValues> Msrp =>
        from secure in Gen.Elements(false, true)
        from port in Gen.Choose(0, 65535)
        from paths in Gen.NonEmptyListOf(MsrpUri(secure))
        from accept in Gen.NonEmptyListOf(Gen.Elements(s_mediaTypes))
        from wrapped in Gen.ListOf(Gen.Elements(s_mediaTypes))
        from maxSize in OrNullValue(NonNegative)
        from setup in OrNullValue(Gen.Elements(SdpSetup.Active, SdpSetup.Passive, SdpSetup.ActPass, SdpSetup.HoldConn))
        from direction in OrNullValue(Gen.Elements(SdpDirection.SendRecv, SdpDirection.SendOnly, SdpDirection.RecvOnly, SdpDirection.Inactive))
        from selector in OrNull(FileSelector)
        from transferId in OrNull(Token)
        from disposition in OrNull(Gen.Elements("render", "attachment"))
        from date in OrNull(FileDate)
        from icon in OrNull(Token.Select(t => "cid:" + t + "@example.com"))
        from range in OrNull(FileRange)
        select new MsrpValues(secure, port, paths.ToArray(), accept.ToArray(), wrapped.ToArray(), maxSize, setup, direction, selector, transferId, disposition, date, icon, range);

    public static Gen<SdpMedia> OtherMedia =>
        from type in Gen.OneOf(Gen.Elements("audio", "video", "message", "application"), Token)
        from port in Gen.Choose(0, 65535)
        from count in OrNullValue(Gen.Choose(0, int.MaxValue))
        from protocol in Gen.Elements("RTP/AVP", "UDP/TLS/RTP/SAVPF", "TCP/MSRP", "udp")
        from formats in Gen.NonEmptyListOf(Field)
        select WithFormats(new SdpMedia(type, port, protocol) { PortCount = count }, formats);

    public static Gen<SdpMedia> Media =>
        from media in Gen.OneOf(Msrp.Select(m => m.ToMedia()), OtherMedia)
        from information in OrNull(Text)
        from connections in UpTo(Connection, 2)
        from bandwidths in UpTo(Bandwidth, 2)
        from key in OrNull(Text)
        from attributes in UpTo(Attribute, 3)
        select Fill(media, information, connections, bandwidths, key, attributes);

    public static Gen<SdpSession> Session =>
        from origin in Origin
        from name in Text
        from information in OrNull(Text)
        from uri in OrNull(Field)
        from emails in UpTo(Text, 2)
        from phones in UpTo(Text, 2)
        from connection in OrNull(Connection)
        from bandwidths in UpTo(Bandwidth, 2)
        from timings in Gen.NonEmptyListOf(Timing).Select(t => t.Take(3).ToList())
        from zones in OrNull(Text)
        from key in OrNull(Text)
        from attributes in UpTo(Attribute, 4)
        from media in UpTo(Media, 3)
        select Build(origin, name, information, uri, emails, phones, connection, bandwidths, timings, zones, key, attributes, media);

    public static Arbitrary<GeneratedSdp> GeneratedSdp() => Arb.From(Session.Select(s => new GeneratedSdp(s)));

    public static Arbitrary<MsrpValues> MsrpValues() => Arb.From(Msrp);

    private static SdpTiming WithRepeats(SdpTiming timing, IEnumerable<string> repeats)
    {
        foreach (string repeat in repeats)
        {
            timing.Repeats.Add(repeat);
        }

        return timing;
    }

    private static SdpMedia WithFormats(SdpMedia media, IEnumerable<string> formats)
    {
        foreach (string format in formats)
        {
            media.Formats.Add(format);
        }

        return media;
    }

    private static SdpMedia Fill(
        SdpMedia media,
        string? information,
        IEnumerable<SdpConnection> connections,
        IEnumerable<SdpBandwidth> bandwidths,
        string? key,
        IEnumerable<SdpAttribute> attributes)
    {
        media.Information = information;
        media.Key = key;
        AddAll(media.Connections, connections);
        AddAll(media.Bandwidths, bandwidths);
        AddAll(media.Attributes, attributes);
        return media;
    }

    private static SdpSession Build(
        SdpOrigin origin,
        string name,
        string? information,
        string? uri,
        IEnumerable<string> emails,
        IEnumerable<string> phones,
        SdpConnection? connection,
        IEnumerable<SdpBandwidth> bandwidths,
        IEnumerable<SdpTiming> timings,
        string? zones,
        string? key,
        IEnumerable<SdpAttribute> attributes,
        IEnumerable<SdpMedia> media)
    {
        var session = new SdpSession
        {
            Origin = origin,
            SessionName = name,
            Information = information,
            Uri = uri,
            Connection = connection,
            TimeZones = zones,
            Key = key,
        };
        session.Timings.Clear();
        AddAll(session.Emails, emails);
        AddAll(session.Phones, phones);
        AddAll(session.Bandwidths, bandwidths);
        AddAll(session.Timings, timings);
        AddAll(session.Attributes, attributes);
        AddAll(session.Media, media);
        return session;
    }

    private static void AddAll<T>(ICollection<T> target, IEnumerable<T> items)
    {
        foreach (T item in items)
        {
            target.Add(item);
        }
    }
}
