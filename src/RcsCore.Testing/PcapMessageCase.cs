using RcsCore.Pcap;
using Xunit.Sdk;

namespace RcsCore.Testing;

/// <summary>
/// One message of a capture as a theory argument (from <see cref="PcapMessagesAttribute"/>). It serialises as file +
/// index, so every message is its own test case at discovery; <see cref="Message"/> decodes the capture on first use.
/// </summary>
public sealed class PcapMessageCase : IXunitSerializable
{
    /// <summary>For the serializer only.</summary>
    [Obsolete("For deserialization only.")]
    public PcapMessageCase()
    {
        File = string.Empty;
    }

    /// <summary>Creates a case for message <paramref name="index"/> of <paramref name="file"/>.</summary>
    public PcapMessageCase(string file, int index)
    {
        File = file;
        Index = index;
    }

    /// <summary>Full path of the capture.</summary>
    public string File { get; private set; }

    /// <summary>Position of the message in the capture (0-based).</summary>
    public int Index { get; private set; }

    /// <summary>The decoded message.</summary>
    public PcapMessage Message => PcapCaptures.Messages(File)[Index];

    /// <summary>All messages of the same capture (for context such as the request a response answers).</summary>
    public IReadOnlyList<PcapMessage> Capture => PcapCaptures.Messages(File);

    /// <inheritdoc />
    public void Deserialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        File = info.GetValue<string>("file") ?? string.Empty;
        Index = info.GetValue<int>("index");
    }

    /// <inheritdoc />
    public void Serialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.AddValue("file", File);
        info.AddValue("index", Index);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileName(File)} {Message}";
}

/// <summary>One dialog (all messages of one Call-ID) of a capture as a theory argument (from <see cref="PcapDialogsAttribute"/>).</summary>
public sealed class PcapDialogCase : IXunitSerializable
{
    /// <summary>For the serializer only.</summary>
    [Obsolete("For deserialization only.")]
    public PcapDialogCase()
    {
        File = string.Empty;
    }

    /// <summary>Creates a case for dialog <paramref name="index"/> of <paramref name="file"/>.</summary>
    public PcapDialogCase(string file, int index)
    {
        File = file;
        Index = index;
    }

    /// <summary>Full path of the capture.</summary>
    public string File { get; private set; }

    /// <summary>Position of the dialog in the capture (order of first message).</summary>
    public int Index { get; private set; }

    /// <summary>The dialog.</summary>
    public PcapDialog Dialog => PcapCaptures.Dialogs(File)[Index];

    /// <inheritdoc />
    public void Deserialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        File = info.GetValue<string>("file") ?? string.Empty;
        Index = info.GetValue<int>("index");
    }

    /// <inheritdoc />
    public void Serialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.AddValue("file", File);
        info.AddValue("index", Index);
    }

    /// <inheritdoc />
    public override string ToString() => Dialog.ToString();
}
