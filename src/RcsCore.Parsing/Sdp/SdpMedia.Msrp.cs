using System.Globalization;

namespace RcsCore.Parsing.Sdp;

/// <summary>Typed MSRP attributes: RFC 4975 §8, RFC 6135, RFC 4145.</summary>
public sealed partial class SdpMedia
{
    private const string MsrpProtocol = "TCP/MSRP";
    private const string TlsMsrpProtocol = "TCP/TLS/MSRP";

    /// <summary>True for <c>m=message</c> over <c>TCP/MSRP</c> or <c>TCP/TLS/MSRP</c> (RFC 4975 §8).</summary>
    public bool IsMsrp =>
        string.Equals(MediaType, "message", StringComparison.OrdinalIgnoreCase)
        && (string.Equals(Protocol, MsrpProtocol, StringComparison.OrdinalIgnoreCase)
            || string.Equals(Protocol, TlsMsrpProtocol, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for MSRP over TLS, <c>TCP/TLS/MSRP</c> (RFC 4975 §8).</summary>
    public bool IsSecureMsrp =>
        string.Equals(MediaType, "message", StringComparison.OrdinalIgnoreCase)
        && string.Equals(Protocol, TlsMsrpProtocol, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The <c>a=path</c> MSRP URIs (RFC 4975 §8.2), nearest relay first and the endpoint last (RFC 4976 §5);
    /// empty when absent. Setting an empty list removes the attribute.
    /// </summary>
    public IReadOnlyList<string> Paths
    {
        get => SdpText.SplitList(FindAttribute("path")?.Value);
        set => SetList("path", value);
    }

    /// <summary>The <c>a=accept-types</c> media types (RFC 4975 §8.6); empty when absent.</summary>
    public IReadOnlyList<string> AcceptTypes
    {
        get => SdpText.SplitList(FindAttribute("accept-types")?.Value);
        set => SetList("accept-types", value);
    }

    /// <summary>The <c>a=accept-wrapped-types</c> media types (RFC 4975 §8.6); empty when absent.</summary>
    public IReadOnlyList<string> AcceptWrappedTypes
    {
        get => SdpText.SplitList(FindAttribute("accept-wrapped-types")?.Value);
        set => SetList("accept-wrapped-types", value);
    }

    /// <summary>The <c>a=max-size</c> in bytes (RFC 4975 §8.7), or null when absent or not a number.</summary>
    public long? MaxSize
    {
        get => SdpText.TryParseDigits(TrimmedValue("max-size"), out long size) ? size : null;
        set => SetValue("max-size", value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The <c>a=setup</c> role (RFC 4145 §4, RFC 6135 §4), or null when absent or unknown.</summary>
    public SdpSetup? Setup
    {
        get
        {
            ReadOnlySpan<char> value = TrimmedValue("setup");
            for (SdpSetup setup = SdpSetup.Active; setup <= SdpSetup.HoldConn; setup++)
            {
                if (value.Equals(SetupName(setup), StringComparison.OrdinalIgnoreCase))
                {
                    return setup;
                }
            }

            return null;
        }

        set => SetValue("setup", value is { } setup ? SetupName(setup) : null);
    }

    /// <summary>
    /// The effective direction (RFC 8866 §6.7): the media-level attribute, else the session-level one, else
    /// <see cref="SdpDirection.SendRecv"/>. Setting replaces the media-level direction attribute.
    /// </summary>
    public SdpDirection Direction
    {
        get => SdpAttributeList.FindDirection(Attributes)
            ?? (Session is null ? null : SdpAttributeList.FindDirection(Session.Attributes))
            ?? SdpDirection.SendRecv;
        set => SdpAttributeList.SetDirection(Attributes, value);
    }

    private static string SetupName(SdpSetup setup) => setup switch
    {
        SdpSetup.Passive => "passive",
        SdpSetup.ActPass => "actpass",
        SdpSetup.HoldConn => "holdconn",
        _ => "active",
    };

    private ReadOnlySpan<char> TrimmedValue(string name) => (FindAttribute(name)?.Value).AsSpan().Trim(' ');

    private void SetValue(string name, string? value) =>
        SdpAttributeList.Set(Attributes, name, value is null ? null : new SdpAttribute(name, value));

    private void SetList(string name, IReadOnlyList<string>? values) =>
        SetValue(name, values is null || values.Count == 0 ? null : string.Join(' ', values));
}
