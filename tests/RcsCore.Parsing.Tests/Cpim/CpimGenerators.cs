using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RcsCore.Parsing.Cpim;

namespace RcsCore.Parsing.Tests.Cpim;

/// <summary>A generated message; <see cref="ToString"/> shows its bytes so counterexamples are readable.</summary>
public sealed class GeneratedCpim(CpimMessage message)
{
    public CpimMessage Message { get; } = message;

    public override string ToString()
    {
        try
        {
            return Encoding.UTF8.GetString(Message.ToArray()).Replace("\r\n", "\\r\\n\n", StringComparison.Ordinal);
        }
        catch (ArgumentException e)
        {
            return "unwritable: " + e.Message;
        }
    }
}

/// <summary>FsCheck generators for CPIM messages built through the typed API, with hostile text in every value.</summary>
public static class CpimArbitraries
{
    // Text atoms: ASCII, quotes, backslash and escape look-alikes, controls, DEL, non-ASCII, a lone surrogate.
    private static readonly string[] s_textAtoms =
        ["a", "Z", "0", " ", "  ", "-", ".", ":", ";", "<", ">", "\"", "'", "\\", "\\u0041", "\\n", "\t", "\n", "\r", "\0", "\u0001", "\u007F",
         "\u00e9", "\u6f22", "\U0001F600", "\uD800", "=", ","];

    private static readonly string[] s_nameAtoms = ["a", "Z", "0", "-", "_", "!", "#", "$", "%", "&", "'", "*", "+", "^", "`", "|", "~"];

    private static readonly string[] s_uriAtoms = ["a", "b", "0", "9", "@", ".", ":", ";", "=", "+", "-", "%", "/", "?", "\u00e9"];

    public static Gen<string> Text => Gen.ArrayOf(Gen.Elements(s_textAtoms)).Select(string.Concat);

    public static Gen<string> Name => Gen.NonEmptyListOf(Gen.Elements(s_nameAtoms)).Select(string.Concat);

    public static Gen<string> Uri =>
        from scheme in Gen.Elements("im:", "sip:", "tel:", "urn:x:")
        from rest in Gen.NonEmptyListOf(Gen.Elements(s_uriAtoms))
        select scheme + string.Concat(rest);

    public static Gen<CpimAddress> Address =>
        from uri in Uri
        from name in Gen.Frequency(
            (1, Gen.Constant<string?>(null)),
            (1, Text.Select(t => (string?)t)),
            (1, Gen.Elements<string?>("Alice", "MR SANDERS", "Dr. Zo\u00eb", "a  b", "")))
        select new CpimAddress(uri, name);

    public static Gen<DateTimeOffset> Date =>
        from year in Gen.Choose(1, 9998)
        from dayOfYear in Gen.Choose(0, 364)
        from secondOfDay in Gen.Choose(0, (24 * 3600) - 1)
        from ticks in Gen.Elements(0, 1, 5_000_000, 1_234_567, 9_999_999)
        from offsetMinutes in Gen.Elements(0, 0, 60, -300, -480, 330, 14 * 60, -14 * 60)
        select new DateTimeOffset(new DateTime(year, 1, 1).AddDays(dayOfYear).AddSeconds(secondOfDay).AddTicks(ticks), TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<List<T>> UpTo<T>(Gen<T> gen, int max) =>
        Gen.Choose(0, max).SelectMany(count => Gen.ListOf(gen, count).Select(items => items.ToList()));

    public static Gen<(string Ns, string Prefix, string Name, string Value)> Extension =>
        from ns in Gen.Elements("urn:ietf:params:imdn", "urn:x:a", "mid:MessageFeatures@id.foo.com")
        from prefix in Name
        from name in Name
        from value in Text
        select (ns, prefix, name, value);

    public static Gen<(string Name, string Value)> ContentHeader =>
        from name in Gen.Elements("Content-ID", "Content-Disposition", "Content-Transfer-Encoding", "X-Extra", "content-description")
        from value in Gen.Elements("<1234@foo.com>", "notification", "binary", "a b c", "multipart/mixed;\r\n boundary=\"x\"", "\u00e9t\u00e9")
        select (name, value);

    public static Gen<CpimMessage> Message =>
        from sender in Gen.Frequency((1, Gen.Constant<CpimAddress?>(null)), (4, Address.Select(a => (CpimAddress?)a)))
        from to in UpTo(Address, 3)
        from cc in UpTo(Address, 2)
        from date in Gen.Frequency((1, Gen.Constant<DateTimeOffset?>(null)), (3, Date.Select(d => (DateTimeOffset?)d)))
        from subjects in UpTo(
            from text in Text
            from lang in Gen.Elements<string?>(null, "fr", "en-GB", "x")
            select (text, lang),
            2)
        from extensions in UpTo(Extension, 4)
        from outer in Gen.Elements(false, false, true)
        from contentType in Gen.Elements("text/plain", "text/plain;charset=UTF-8", "message/imdn+xml", "application/im-iscomposing+xml")
        from contentHeaders in UpTo(ContentHeader, 2)
        from withLength in Gen.Elements(false, true)
        from content in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
        select Build(sender, to, cc, date, subjects, extensions, outer, contentType, contentHeaders, withLength, content);

    public static Arbitrary<GeneratedCpim> GeneratedCpim() => Arb.From(Message.Select(m => new GeneratedCpim(m)));

    public static Arbitrary<CpimAddress> CpimAddress() => Arb.From(Address);

    public static Arbitrary<DateTimeOffset> DateTimeOffset() => Arb.From(Date);

    public static Arbitrary<string?> String() => Arb.From(Gen.Frequency((1, Gen.Constant<string?>(null)), (9, Text.Select(t => (string?)t))));

    private static CpimMessage Build(
        CpimAddress? from,
        List<CpimAddress> to,
        List<CpimAddress> cc,
        DateTimeOffset? date,
        List<(string Text, string? Lang)> subjects,
        List<(string Ns, string Prefix, string Name, string Value)> extensions,
        bool outer,
        string contentType,
        List<(string Name, string Value)> contentHeaders,
        bool withLength,
        byte[] content)
    {
        var message = new CpimMessage { From = from, To = to, Cc = cc, DateTime = date };
        if (outer)
        {
            message.OuterHeaders.Add(new CpimHeader("Content-Type", "message/cpim"));
        }

        foreach ((string text, string? lang) in subjects)
        {
            message.AddSubject(text, lang);
        }

        foreach ((string ns, string prefix, string name, string value) in extensions)
        {
            message.AddHeader(ns, name, value, prefix);
        }

        message.SetContent(contentType, content, withLength);
        foreach ((string name, string value) in contentHeaders)
        {
            message.ContentHeaders.Add(new CpimHeader(name, value));
        }

        return message;
    }
}
