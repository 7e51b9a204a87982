using FsCheck;
using FsCheck.Fluent;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;

namespace RcsCore.Rcs.Tests;

/// <summary>FsCheck generators for IMDN and isComposing documents, with XML-hostile text.</summary>
public static class RcsArbitraries
{
    // Text XML 1.0 can hold, including markup characters, CR, tabs, non-ASCII and astral characters.
    private static readonly string[] s_textAtoms =
        ["a", "Z", "0", " ", "  ", "<", ">", "&", "&amp;", "\"", "'", "]]>", "\t", "\n", "\r", "\r\n", "\u00e9", "\u6f22", "\U0001F600", "-->", "<!--"];

    private static readonly string[] s_idAtoms = ["a", "Z", "0", "9", "-", "_", ".", "@", "+", "%", "&", "<"];

    public static Gen<string> Text => Gen.ArrayOf(Gen.Elements(s_textAtoms)).Select(string.Concat);

    // Trimmed on reading, so generated without surrounding whitespace.
    public static Gen<string> Id => Gen.NonEmptyListOf(Gen.Elements(s_idAtoms)).Select(string.Concat);

    public static Gen<DateTimeOffset> Date =>
        from year in Gen.Choose(1, 9998)
        from dayOfYear in Gen.Choose(0, 364)
        from secondOfDay in Gen.Choose(0, (24 * 3600) - 1)
        from ticks in Gen.Elements(0, 1, 1_234_567, 9_999_999)
        from offsetMinutes in Gen.Elements(0, 60, -300, 330, 14 * 60, -14 * 60)
        select new DateTimeOffset(new DateTime(year, 1, 1).AddDays(dayOfYear).AddSeconds(secondOfDay).AddTicks(ticks), TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<T?> OrNull<T>(Gen<T> gen)
        where T : class =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(x => (T?)x)));

    public static Gen<ImdnDocument> Document =>
        from type in Gen.Elements(ImdnNotificationType.Delivery, ImdnNotificationType.Display, ImdnNotificationType.Processing)
        from status in Gen.Elements(Enum.GetValues<ImdnStatus>().Where(s => ImdnDocument.IsAllowed(type, s)).ToArray())
        from id in Id
        from date in Date
        from recipient in OrNull(Id.Select(i => "sip:" + i))
        from original in OrNull(Id.Select(i => "tel:" + i))
        from subject in OrNull(Text)
        select new ImdnDocument(id, date, type, status) { RecipientUri = recipient, OriginalRecipientUri = original, Subject = subject };

    public static Gen<IsComposingDocument> ComposingDocument =>
        from state in Gen.Elements(IsComposingState.Active, IsComposingState.Idle)
        from lastActive in Gen.Frequency((1, Gen.Constant<DateTimeOffset?>(null)), (1, Date.Select(d => (DateTimeOffset?)d)))
        from contentType in OrNull(Gen.Elements("text/plain", "audio", "image/jpeg", "application/vnd.gsma.rcs-ft-http+xml"))
        from refresh in Gen.Frequency((1, Gen.Constant<int?>(null)), (2, Gen.Choose(1, int.MaxValue).Select(r => (int?)r)))
        select new IsComposingDocument(state) { LastActive = lastActive, ContentType = contentType, Refresh = refresh };

    public static Arbitrary<ImdnDocument> SingleImdnDocument() => Arb.From(Document);

    public static Arbitrary<IsComposingDocument> IsComposingDocuments() => Arb.From(ComposingDocument);

    public static Arbitrary<ImdnDocument[]> ImdnDocuments() => Arb.From(Gen.NonEmptyListOf(Document).Select(l => l.ToArray()));
}
