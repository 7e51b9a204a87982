using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transactions;

/// <summary>Requests and responses the transaction layer builds itself.</summary>
internal static class SipTransactionMessages
{
    /// <summary>
    /// The ACK for a 300-699 response (RFC 3261 §17.1.1.3): Request-URI, Call-ID, From and CSeq number of the
    /// INVITE; To from the response (with its tag); one Via equal to the INVITE's top Via (same branch); the
    /// INVITE's Route headers; CSeq method ACK.
    /// </summary>
    public static SipRequest BuildAckForFailure(SipRequest invite, SipResponse response)
    {
        var b = new SipRequestBuilder("ACK", invite.RequestUri);
        b.AddHeader(SipHeaderName.Via, invite.TopVia!.ToString());
        CopyFirst(invite, b, SipHeaderName.MaxForwards, "70");
        CopyAll(invite, b, SipHeaderName.Route);
        CopyFirst(invite, b, SipHeaderName.From, null);
        int to = response.IndexOf(SipHeaderName.To, 0);
        if (to >= 0)
        {
            b.AddRawHeader(SipHeaderName.To, response.GetRawValue(to));
        }
        CopyFirst(invite, b, SipHeaderName.CallId, null);
        b.AddHeader(SipHeaderName.CSeq, string.Create(CultureInfo.InvariantCulture, $"{invite.CSeq!.Value.Number} ACK"));
        return b.Build();
    }

    /// <summary>
    /// The CANCEL for a request (RFC 3261 §9.1): Request-URI, Call-ID, From, To and CSeq number of the request;
    /// one Via equal to its top Via; its Route headers; CSeq method CANCEL.
    /// </summary>
    public static SipRequest BuildCancel(SipRequest request)
    {
        var b = new SipRequestBuilder("CANCEL", request.RequestUri);
        b.AddHeader(SipHeaderName.Via, request.TopVia!.ToString());
        CopyFirst(request, b, SipHeaderName.MaxForwards, "70");
        CopyAll(request, b, SipHeaderName.Route);
        CopyFirst(request, b, SipHeaderName.From, null);
        CopyFirst(request, b, SipHeaderName.To, null);
        CopyFirst(request, b, SipHeaderName.CallId, null);
        b.AddHeader(SipHeaderName.CSeq, string.Create(CultureInfo.InvariantCulture, $"{request.CSeq!.Value.Number} CANCEL"));
        return b.Build();
    }

    /// <summary>A response generated locally: 100 Trying (§17.2.1), 408 on timeout and 503 on transport error (§8.1.3.1).</summary>
    public static SipResponse BuildLocalResponse(SipRequest request, int status) => SipResponseBuilder.For(request, status).Build();

    private static void CopyFirst(SipRequest from, SipRequestBuilder to, SipHeaderName name, string? fallback)
    {
        int i = from.IndexOf(name, 0);
        if (i >= 0)
        {
            to.AddRawHeader(name, from.GetRawValue(i));
        }
        else if (fallback is not null)
        {
            to.AddHeader(name, fallback);
        }
    }

    private static void CopyAll(SipRequest from, SipRequestBuilder to, SipHeaderName name)
    {
        for (int i = from.IndexOf(name, 0); i >= 0; i = from.IndexOf(name, i + 1))
        {
            to.AddRawHeader(name, from.GetRawValue(i));
        }
    }
}
