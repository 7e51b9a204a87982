namespace RcsCore.Parsing.Sdp;

/// <summary>Typed file-transfer attributes: RFC 5547 §6, as used by RCS file transfer over MSRP.</summary>
public sealed partial class SdpMedia
{
    /// <summary>
    /// The <c>a=file-selector</c> (RFC 5547 §6); a bare attribute gives a selector with every part null.
    /// Null when absent or malformed. Setting null removes the attribute.
    /// </summary>
    public SdpFileSelector? FileSelector
    {
        get
        {
            SdpAttribute? attribute = FindAttribute("file-selector");
            return attribute is null ? null : SdpFileSelector.Parse(attribute.Value);
        }

        set => SdpAttributeList.Set(Attributes, "file-selector", value is null ? null : new SdpAttribute("file-selector", value.Format()));
    }

    /// <summary>The <c>a=file-transfer-id</c> token (RFC 5547 §6), or null.</summary>
    public string? FileTransferId
    {
        get => FindAttribute("file-transfer-id")?.Value?.Trim(' ');
        set => SetValue("file-transfer-id", value);
    }

    /// <summary>The <c>a=file-disposition</c> value (RFC 5547 §6), for example <c>render</c> or <c>attachment</c>.</summary>
    public string? FileDisposition
    {
        get => FindAttribute("file-disposition")?.Value?.Trim(' ');
        set => SetValue("file-disposition", value);
    }

    /// <summary>The <c>a=file-date</c> dates (RFC 5547 §6), or null when absent or malformed.</summary>
    public SdpFileDate? FileDate
    {
        get => SdpFileDate.Parse(FindAttribute("file-date")?.Value);
        set => SetValue("file-date", value?.Format());
    }

    /// <summary>The <c>a=file-icon</c> URI (RFC 5547 §6), a <c>cid:</c> URL (RFC 2392) naming a body part.</summary>
    public string? FileIcon
    {
        get => FindAttribute("file-icon")?.Value?.Trim(' ');
        set => SetValue("file-icon", value);
    }

    /// <summary>The <c>a=file-range</c> (RFC 5547 §6), or null when absent or malformed.</summary>
    public SdpFileRange? FileRange
    {
        get => SdpFileRange.Parse(FindAttribute("file-range")?.Value);
        set => SetValue("file-range", value?.Format());
    }
}
