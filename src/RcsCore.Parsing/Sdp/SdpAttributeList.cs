namespace RcsCore.Parsing.Sdp;

/// <summary>Lookup and replacement over an attribute list; the list stays the single source of truth.</summary>
internal static class SdpAttributeList
{
    /// <summary>The first attribute named <paramref name="name"/> (ASCII case-insensitive), or null.</summary>
    public static SdpAttribute? Find(IList<SdpAttribute> attributes, string name)
    {
        for (int i = 0; i < attributes.Count; i++)
        {
            if (string.Equals(attributes[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return attributes[i];
            }
        }

        return null;
    }

    /// <summary>
    /// Replaces every attribute named <paramref name="name"/> by one <paramref name="replacement"/> at the
    /// position of the first, or appends it; a null replacement only removes.
    /// </summary>
    public static void Set(IList<SdpAttribute> attributes, string name, SdpAttribute? replacement)
    {
        int insertAt = -1;
        for (int i = attributes.Count - 1; i >= 0; i--)
        {
            if (string.Equals(attributes[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                attributes.RemoveAt(i);
                insertAt = i;
            }
        }

        if (replacement is not null)
        {
            attributes.Insert(insertAt >= 0 ? insertAt : attributes.Count, replacement);
        }
    }

    /// <summary>The first direction attribute (RFC 8866 §6.7), or null.</summary>
    public static SdpDirection? FindDirection(IList<SdpAttribute> attributes)
    {
        for (int i = 0; i < attributes.Count; i++)
        {
            if (TryParseDirection(attributes[i].Name, out SdpDirection direction))
            {
                return direction;
            }
        }

        return null;
    }

    /// <summary>Replaces all direction attributes by <paramref name="direction"/>, or removes them for null.</summary>
    public static void SetDirection(IList<SdpAttribute> attributes, SdpDirection? direction)
    {
        int insertAt = -1;
        for (int i = attributes.Count - 1; i >= 0; i--)
        {
            if (TryParseDirection(attributes[i].Name, out _))
            {
                attributes.RemoveAt(i);
                insertAt = i;
            }
        }

        if (direction is { } d)
        {
            attributes.Insert(insertAt >= 0 ? insertAt : attributes.Count, new SdpAttribute(DirectionName(d), null));
        }
    }

    public static string DirectionName(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    private static bool TryParseDirection(string name, out SdpDirection direction)
    {
        for (direction = SdpDirection.SendRecv; direction <= SdpDirection.Inactive; direction++)
        {
            if (string.Equals(name, DirectionName(direction), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
