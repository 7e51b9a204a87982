using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Features;

/// <summary>
/// One Accept-Contact or Reject-Contact value (RFC 3841 §9.2, §9.3): <c>*</c> followed by feature parameters and,
/// for Accept-Contact, the <c>require</c> and <c>explicit</c> flags.
/// </summary>
public sealed class SipCallerPreference
{
    /// <summary>Creates a preference.</summary>
    public SipCallerPreference(SipFeatureSet features, bool require = false, bool isExplicit = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        Features = features;
        Require = require;
        Explicit = isExplicit;
    }

    /// <summary>The feature set predicate (RFC 3841 §7.2.1: one term per feature parameter, ANDed).</summary>
    public SipFeatureSet Features { get; }

    /// <summary><c>require</c>: contacts that do not match are discarded (RFC 3841 §7.2.4).</summary>
    public bool Require { get; }

    /// <summary><c>explicit</c>: only contacts that explicitly declare every feature score (RFC 3841 §7.2.4).</summary>
    public bool Explicit { get; }

    /// <summary>
    /// Parses a header value (several comma-separated <c>*;params</c> values, RFC 3841 §10 <c>ac-value</c> /
    /// <c>rc-value</c>) into <paramref name="into"/>; false when a value does not start with <c>*</c>.
    /// </summary>
    public static bool TryParseList(ReadOnlySpan<char> value, ICollection<SipCallerPreference> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var rest = value;
        while (true)
        {
            rest = rest.TrimStart();
            if (rest.IsEmpty)
            {
                return true;
            }
            if (rest[0] != '*')
            {
                return false;
            }
            // The value ends at the first comma outside quotes.
            int end = 1;
            bool quoted = false;
            while (end < rest.Length && (quoted || rest[end] != ','))
            {
                if (rest[end] == '"')
                {
                    quoted = !quoted;
                }
                else if (rest[end] == '\\' && quoted)
                {
                    end++;
                }
                end++;
            }
            var parameters = rest[1..Math.Min(end, rest.Length)];
            bool require = false, isExplicit = false;
            var reader = new SipParameterTextReader(parameters);
            while (reader.TryRead(out var name, out _, out _))
            {
                // RFC 3841 §10: req-param = "require", explicit-param = "explicit".
                require |= name.Equals("require", StringComparison.OrdinalIgnoreCase);
                isExplicit |= name.Equals("explicit", StringComparison.OrdinalIgnoreCase);
            }
            into.Add(new SipCallerPreference(SipFeatureSet.Parse(parameters), require, isExplicit));
            rest = end < rest.Length ? rest[(end + 1)..] : default;
        }
    }

    /// <summary>Writes the value: <c>*;features[;require][;explicit]</c>.</summary>
    public override string ToString() => "*" + Features + (Require ? ";require" : string.Empty) + (Explicit ? ";explicit" : string.Empty);
}

/// <summary>What caller preferences made of one contact (RFC 3841 §7.2.4).</summary>
public enum SipPreferenceOutcome : byte
{
    /// <summary>The contact has no feature parameters: it is immune to caller preferences and kept.</summary>
    Immune = 0,
    /// <summary>The contact is kept, with its caller preference score Qa.</summary>
    Kept = 1,
    /// <summary>A Reject-Contact predicate matched it.</summary>
    Rejected = 2,
    /// <summary>An Accept-Contact predicate with <c>require</c> did not match (or did not match explicitly) it.</summary>
    Discarded = 3,
}

/// <summary>The outcome of caller preferences for one contact.</summary>
/// <param name="Outcome">Kept, immune, rejected or discarded.</param>
/// <param name="Qa">The caller preference score, 0 to 1 (1 for an immune contact; 0 when eliminated).</param>
public readonly record struct SipPreferenceScore(SipPreferenceOutcome Outcome, double Qa)
{
    /// <summary>True when the contact stays in the target set.</summary>
    public bool IsKept => Outcome is SipPreferenceOutcome.Kept or SipPreferenceOutcome.Immune;
}

/// <summary>
/// The caller preferences of a request (RFC 3841 §7.2): the Accept-Contact and Reject-Contact predicates it carries
/// (§7.2.1), or without any the implicit ones of its method and event package (§7.2.2), and the matching against a
/// target set's contact predicates (§7.2.3, §7.2.4): Reject-Contact elimination, Accept-Contact <c>require</c> and
/// <c>explicit</c>, the score Qa, and the ordering by q then Qa.
/// </summary>
public sealed class SipCallerPreferences
{
    /// <summary>Creates preferences from predicates.</summary>
    public SipCallerPreferences(IReadOnlyList<SipCallerPreference> accept, IReadOnlyList<SipCallerPreference> reject)
    {
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(reject);
        Accept = accept;
        Reject = reject;
    }

    /// <summary>
    /// Reason phrase of the 480 a proxy answers when the caller preferences eliminate every registered contact
    /// (RFC 3841 §7.2.4: the target set is empty). A store-and-forward service uses it to tell "registered, but no device
    /// takes this" from "not reachable now": storing would not help, since delivery would meet the same devices.
    /// </summary>
    public const string NoMatchingContactReason = "No Contact Matches Caller Preferences";

    /// <summary>No preferences: every contact is kept in its order.</summary>
    public static SipCallerPreferences None { get; } = new([], []);

    /// <summary>The Accept-Contact predicates.</summary>
    public IReadOnlyList<SipCallerPreference> Accept { get; }

    /// <summary>The Reject-Contact predicates.</summary>
    public IReadOnlyList<SipCallerPreference> Reject { get; }

    /// <summary>True when there is nothing to apply.</summary>
    public bool IsEmpty => Accept.Count == 0 && Reject.Count == 0;

    /// <summary>
    /// The preferences of <paramref name="request"/>: its Accept-Contact and Reject-Contact values (malformed ones are
    /// ignored), or when it has none and <paramref name="implicitPreferences"/> is set, the implicit preferences of
    /// RFC 3841 §7.2.2: <c>*;methods="METHOD";require</c>, plus <c>*;events="package";require</c> for a SUBSCRIBE.
    /// </summary>
    public static SipCallerPreferences FromRequest(SipRequest request, bool implicitPreferences = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var accept = new List<SipCallerPreference>();
        var reject = new List<SipCallerPreference>();
        foreach (var value in request.GetHeaders(SipHeaderName.AcceptContact))
        {
            SipCallerPreference.TryParseList(value, accept);
        }
        foreach (var value in request.GetHeaders(SipHeaderName.RejectContact))
        {
            SipCallerPreference.TryParseList(value, reject);
        }
        if (accept.Count > 0 || reject.Count > 0 || !implicitPreferences)
        {
            return new SipCallerPreferences(accept, reject);
        }
        // RFC 3841 §7.2.2: without explicit preferences, the method (and for SUBSCRIBE the event package) must be supported.
        accept.Add(new SipCallerPreference(new SipFeatureSet([new SipFeatureParameter("methods", "\"" + request.Method + "\"")]), require: true));
        if (request.Method == "SUBSCRIBE" && request.GetHeader(SipHeaderName.Event) is { } ev)
        {
            int semi = ev.IndexOf(';', StringComparison.Ordinal);
            string package = (semi < 0 ? ev : ev[..semi]).Trim();
            if (package.Length > 0)
            {
                accept.Add(new SipCallerPreference(new SipFeatureSet([new SipFeatureParameter("events", "\"" + package + "\"")]), require: true));
            }
        }
        return new SipCallerPreferences(accept, reject);
    }

    /// <summary>Scores one contact predicate (its feature parameters, RFC 3841 §7.2.3) against the preferences (§7.2.4).</summary>
    public SipPreferenceScore Evaluate(SipFeatureSet contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (contact.IsEmpty)
        {
            // RFC 3841 §7.2.4: a contact without feature parameters is immune to caller preferences.
            return new SipPreferenceScore(SipPreferenceOutcome.Immune, 1.0);
        }
        foreach (var reject in Reject)
        {
            // RFC 3841 §7.2.4: a Reject-Contact predicate eliminates the contact when it matches and every feature tag
            // it names is present in the contact predicate.
            if (Match(reject.Features, contact, out int present) && present == reject.Features.Count && present > 0)
            {
                return new SipPreferenceScore(SipPreferenceOutcome.Rejected, 0);
            }
        }
        double total = 0;
        int matched = 0;
        foreach (var accept in Accept)
        {
            if (!Match(accept.Features, contact, out int present))
            {
                // RFC 3841 §7.2.4: no match: discarded when required, otherwise this predicate does not count.
                if (accept.Require)
                {
                    return new SipPreferenceScore(SipPreferenceOutcome.Discarded, 0);
                }
                continue;
            }
            int n = accept.Features.Count;
            double score = n == 0 ? 0 : (double)present / n;
            if (accept.Explicit && present < n)
            {
                // RFC 3841 §7.2.4: explicit: a match that relies on tags the contact does not declare scores 0 (and,
                // when also required, the contact is discarded).
                if (accept.Require)
                {
                    return new SipPreferenceScore(SipPreferenceOutcome.Discarded, 0);
                }
                score = 0;
            }
            total += score;
            matched++;
        }
        // RFC 3841 §7.2.4: Qa is the average score over the Accept-Contact predicates that matched.
        return new SipPreferenceScore(SipPreferenceOutcome.Kept, matched == 0 ? 0 : total / matched);
    }

    /// <summary>
    /// The RFC 3841 §7.2.4 match of a predicate against a contact: every term whose feature tag the contact declares
    /// must intersect the contact's values (a tag the contact does not declare matches anything). Returns the number
    /// of the predicate's tags the contact declares in <paramref name="present"/>.
    /// </summary>
    private static bool Match(SipFeatureSet predicate, SipFeatureSet contact, out int present)
    {
        present = 0;
        for (int i = 0; i < predicate.Count; i++)
        {
            var term = predicate[i];
            int c = contact.IndexOf(term.Name);
            if (c < 0)
            {
                continue;
            }
            present++;
            if (!term.Intersects(contact[c]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Applies the preferences to a target set (RFC 3841 §7.2.4): eliminated contacts are left out; the rest are
    /// ordered by q (highest first) and, within equal q, by Qa (highest first), keeping the original order on ties.
    /// </summary>
    /// <param name="targets">The target set.</param>
    /// <param name="features">The contact predicate (feature parameters) of a target.</param>
    /// <param name="q">The q value of a target (RFC 3261 §20.10).</param>
    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> targets, Func<T, SipFeatureSet> features, Func<T, double> q)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(q);
        var kept = new List<(T Target, double Q, double Qa, int Index)>(targets.Count);
        for (int i = 0; i < targets.Count; i++)
        {
            var score = Evaluate(features(targets[i]));
            if (score.IsKept)
            {
                kept.Add((targets[i], q(targets[i]), score.Qa, i));
            }
        }
        kept.Sort(static (a, b) =>
        {
            int byQ = b.Q.CompareTo(a.Q);
            if (byQ != 0)
            {
                return byQ;
            }
            int byQa = b.Qa.CompareTo(a.Qa);
            return byQa != 0 ? byQa : a.Index.CompareTo(b.Index);
        });
        var result = new T[kept.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = kept[i].Target;
        }
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Accept.Select(a => "a: " + a)) + (Reject.Count > 0 ? " " : string.Empty) + string.Join(", ", Reject.Select(r => "j: " + r.ToString()));
}
