using System.Collections.ObjectModel;

namespace RcsCore.Parsing.Sdp;

/// <summary>
/// The media list of a session; it links each media description to its session so that
/// <see cref="SdpMedia.Direction"/> can fall back to the session-level attribute (RFC 8866 §6.7).
/// </summary>
internal sealed class SdpMediaCollection : Collection<SdpMedia>
{
    private readonly SdpSession _owner;

    public SdpMediaCollection(SdpSession owner)
    {
        _owner = owner;
    }

    protected override void InsertItem(int index, SdpMedia item)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Session = _owner;
        base.InsertItem(index, item);
    }

    protected override void SetItem(int index, SdpMedia item)
    {
        ArgumentNullException.ThrowIfNull(item);
        Detach(this[index]);
        item.Session = _owner;
        base.SetItem(index, item);
    }

    protected override void RemoveItem(int index)
    {
        Detach(this[index]);
        base.RemoveItem(index);
    }

    protected override void ClearItems()
    {
        for (int i = 0; i < Count; i++)
        {
            Detach(this[i]);
        }

        base.ClearItems();
    }

    private void Detach(SdpMedia media)
    {
        if (ReferenceEquals(media.Session, _owner))
        {
            media.Session = null;
        }
    }
}
