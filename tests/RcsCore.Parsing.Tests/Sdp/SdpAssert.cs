using RcsCore.Parsing.Sdp;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

/// <summary>Structural equality of SDP models: every line-level value, collections in order.</summary>
internal static class SdpAssert
{
    public static void Equal(SdpSession expected, SdpSession actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.SessionName, actual.SessionName);
        Assert.Equal(expected.Information, actual.Information);
        Assert.Equal(expected.Uri, actual.Uri);
        Assert.Equal(expected.Emails, actual.Emails);
        Assert.Equal(expected.Phones, actual.Phones);
        Assert.Equal(expected.Connection, actual.Connection);
        Assert.Equal(expected.Bandwidths, actual.Bandwidths);
        Assert.Equal(expected.Timings.Count, actual.Timings.Count);
        for (int i = 0; i < expected.Timings.Count; i++)
        {
            Assert.Equal(expected.Timings[i].Start, actual.Timings[i].Start);
            Assert.Equal(expected.Timings[i].Stop, actual.Timings[i].Stop);
            Assert.Equal(expected.Timings[i].Repeats, actual.Timings[i].Repeats);
        }

        Assert.Equal(expected.TimeZones, actual.TimeZones);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Attributes, actual.Attributes);
        Assert.Equal(expected.Media.Count, actual.Media.Count);
        for (int i = 0; i < expected.Media.Count; i++)
        {
            Equal(expected.Media[i], actual.Media[i]);
        }
    }

    public static void Equal(SdpMedia expected, SdpMedia actual)
    {
        Assert.Equal(expected.MediaType, actual.MediaType);
        Assert.Equal(expected.Port, actual.Port);
        Assert.Equal(expected.PortCount, actual.PortCount);
        Assert.Equal(expected.Protocol, actual.Protocol);
        Assert.Equal(expected.Formats, actual.Formats);
        Assert.Equal(expected.Information, actual.Information);
        Assert.Equal(expected.Connections, actual.Connections);
        Assert.Equal(expected.Bandwidths, actual.Bandwidths);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Attributes, actual.Attributes);
    }

    /// <summary>Parses and asserts success, showing the error otherwise.</summary>
    public static SdpSession Parses(ReadOnlySpan<byte> bytes)
    {
        SdpParseResult result = SdpSession.TryParse(bytes, out SdpSession? session);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.NotNull(session);
        return session;
    }

    /// <summary>Parses and asserts the given error.</summary>
    public static SdpParseResult Fails(ReadOnlySpan<byte> bytes, SdpParseError expected)
    {
        SdpParseResult result = SdpSession.TryParse(bytes, out SdpSession? session);
        Assert.Equal(expected, result.Error);
        Assert.False(result.IsSuccess);
        Assert.Null(session);
        Assert.NotEmpty(result.Message);
        return result;
    }
}
