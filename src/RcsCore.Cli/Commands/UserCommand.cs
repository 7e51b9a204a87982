using System.CommandLine;
using RcsCore.Hosting.Storage;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Messages;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs user add AOR [--password P | --aka K OPc] [--impi ID] [--impu URI...] [--data DIR]</c> and
/// <c>rcs user list</c>: subscribers in the embedded store that <c>rcs serve --data DIR</c> authenticates REGISTER
/// against (Digest with the password, or IMS AKA with K/OPc). The IMPI defaults to user@domain of the AoR
/// (3GPP TS 23.003 §13.3); the AoR is the first public identity.
/// </summary>
internal static class UserCommand
{
    /// <summary>The data directory when --data is not given: $RCS_DATA, else ./rcs-data.</summary>
    internal static string DefaultDataDirectory => Environment.GetEnvironmentVariable("RCS_DATA") is { Length: > 0 } d ? d : "rcs-data";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("user", "Manage subscribers in the embedded store.");
        cmd.Subcommands.Add(CreateAdd(stdout, stderr));
        cmd.Subcommands.Add(CreateList(stdout, stderr));
        return cmd;
    }

    private static Option<string?> DataOption() => new("--data") { Description = "Data directory of the embedded store (default $RCS_DATA or ./rcs-data)." };

    private static Command CreateAdd(TextWriter stdout, TextWriter stderr)
    {
        var aor = new Argument<string>("aor") { Description = "Address of record, e.g. sip:alice@example.com (sip: may be left out)." };
        var password = new Option<string?>("--password") { Description = "Digest password." };
        var akaKeys = new Option<string[]>("--aka") { Description = "IMS AKA keys: K and OPc as 32 hex digits each.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var impi = new Option<string?>("--impi") { Description = "Private identity (Digest user name); default user@domain of the AoR." };
        var impus = new Option<string[]>("--impu") { Description = "Further public identities (repeatable), e.g. tel:+15551230001.", AllowMultipleArgumentsPerToken = true };
        var sqn = new Option<ulong>("--sqn") { Description = "Initial SEQ of the AKA sequence number (default 0)." };
        var data = DataOption();
        var cmd = new Command("add", "Add or replace a subscriber.");
        cmd.Arguments.Add(aor);
        cmd.Options.Add(password);
        cmd.Options.Add(akaKeys);
        cmd.Options.Add(impi);
        cmd.Options.Add(impus);
        cmd.Options.Add(sqn);
        cmd.Options.Add(data);
        cmd.SetAction(async (result, ct) =>
        {
            SipSubscriber subscriber;
            try
            {
                subscriber = Build(result.GetValue(aor)!, result.GetValue(password), result.GetValue(akaKeys), result.GetValue(impi), result.GetValue(impus), result.GetValue(sqn));
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs user add: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            string dir = result.GetValue(data) ?? DefaultDataDirectory;
            try
            {
                using var db = RcsDatabase.Open(dir);
                await new SqliteSubscriberStore(db).SaveAsync(subscriber, ct).ConfigureAwait(false);
                await stdout.WriteLineAsync($"added {subscriber.Impi} ({string.Join(", ", subscriber.Impus)}, {(subscriber.Aka is null ? "digest" : "aka")}) to {db.Path}").ConfigureAwait(false);
                return 0;
            }
            catch (InvalidOperationException e)
            {
                await stderr.WriteLineAsync("rcs user add: " + e.Message).ConfigureAwait(false);
                return 1;
            }
        });
        return cmd;
    }

    private static Command CreateList(TextWriter stdout, TextWriter stderr)
    {
        var data = DataOption();
        var cmd = new Command("list", "List subscribers: IMPI, credential kind, public identities.");
        cmd.Options.Add(data);
        cmd.SetAction(async (result, ct) =>
        {
            using var db = RcsDatabase.Open(result.GetValue(data) ?? DefaultDataDirectory);
            foreach (var s in await new SqliteSubscriberStore(db).ListAsync(ct).ConfigureAwait(false))
            {
                string kind = s.Aka is not null ? (s.HasDigestCredentials ? "aka+digest" : "aka") : "digest";
                await stdout.WriteLineAsync($"{s.Impi}\t{kind}\t{string.Join(",", s.Impus)}").ConfigureAwait(false);
            }
            _ = stderr;
            return 0;
        });
        return cmd;
    }

    /// <summary>Builds the subscriber from the command line; <see cref="FormatException"/> for bad input.</summary>
    internal static SipSubscriber Build(string aorText, string? password, string[]? aka, string? impi, string[]? extraImpus, ulong sqn)
    {
        if (!aorText.Contains(':', StringComparison.Ordinal))
        {
            aorText = "sip:" + aorText;
        }
        if (!SipUri.TryParse(aorText, out var aor) || aor.Scheme is not (Parsing.Sip.SipUriScheme.Sip or Parsing.Sip.SipUriScheme.Sips) || aor.User is null)
        {
            throw new FormatException($"'{aorText}' is not a SIP address of record (sip:user@domain).");
        }
        if ((password is null) == (aka is null or { Length: 0 }))
        {
            throw new FormatException("give exactly one of --password P or --aka K OPc.");
        }
        SipAkaSubscription? akaSubscription = null;
        if (aka is { Length: > 0 })
        {
            if (aka.Length != 2 || !TryHex16(aka[0], out var k) || !TryHex16(aka[1], out var opc))
            {
                throw new FormatException("--aka takes K and OPc as 32 hex digits each.");
            }
            akaSubscription = new SipAkaSubscription(k, opc, sqn);
        }
        var impus = new List<string> { aor.ToAddressOfRecord() };
        foreach (var extra in extraImpus ?? [])
        {
            if (!SipUri.TryParse(extra, out var u))
            {
                throw new FormatException($"--impu '{extra}' is not a URI.");
            }
            var canonical = u.ToAddressOfRecord();
            if (!impus.Contains(canonical))
            {
                impus.Add(canonical);
            }
        }
        return new SipSubscriber
        {
            Impi = impi ?? aor.User + "@" + aor.Host.ToLowerInvariant(),
            Impus = impus,
            Password = password,
            Aka = akaSubscription,
        };
    }

    private static bool TryHex16(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 32)
        {
            return false;
        }
        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
