using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Sip.Tests.Dialogs;

/// <summary>SipDialog on its own (RFC 3261 §12): creation, in-dialog request construction, UAS checks.</summary>
public class SipDialogTests
{
    private static readonly SipViaHeader s_via = new("UDP", "192.0.2.1", 5060, [new("branch", "z9hG4bKtest")]);

    private static SipRequest Invite(string[]? recordRoute = null, string requestUri = "sip:bob@example.com", bool contact = true, uint cseq = 7, string? fromTag = "atag")
    {
        var b = new SipRequestBuilder("INVITE", SipUri.Parse(requestUri));
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKinv");
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        foreach (var rr in recordRoute ?? [])
        {
            b.AddHeader(SipHeaderName.RecordRoute, rr);
        }
        b.AddHeader(SipHeaderName.From, "\"Alice\" <sip:alice@example.com>" + (fromTag is null ? string.Empty : ";tag=" + fromTag));
        b.AddHeader(SipHeaderName.To, "Bob <sip:bob@example.com>");
        b.AddHeader(SipHeaderName.CallId, "call-1@192.0.2.1");
        b.AddHeader(SipHeaderName.CSeq, $"{cseq} INVITE");
        if (contact)
        {
            b.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.1:5060>");
        }
        return b.Build();
    }

    private static SipResponse Response(SipRequest invite, int status, string? toTag = "btag", string contact = "<sip:bob@192.0.2.2:5060>")
    {
        var b = SipResponseBuilder.For(invite, status, toTag: toTag);
        if (status != 100)
        {
            b.AddHeader(SipHeaderName.Contact, contact);
        }
        return b.Build();
    }

    private static SipDialog Uac(string[]? recordRoute = null)
    {
        var invite = Invite(recordRoute);
        Assert.True(SipDialog.TryCreateUac(invite, Response(invite, 200), false, out var dialog));
        return dialog;
    }

    [Fact]
    public void UacDialogFromA180IsEarlyAndTheRouteSetIsTheReversedRecordRoute()
    {
        var invite = Invite(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
        var ringing = Response(invite, 180);

        Assert.True(SipDialog.TryCreateUac(invite, ringing, false, out var dialog));

        // RFC 3261 §12.1.2.
        Assert.Equal(SipDialogState.Early, dialog.State);
        Assert.Equal(SipDialogRole.Uac, dialog.Role);
        Assert.Equal(new SipDialogId("call-1@192.0.2.1", "atag", "btag"), dialog.Id);
        Assert.Equal(["sip:p1.example.com;lr", "sip:p2.example.com;lr"], dialog.RouteSet.Select(r => r.Uri.Text));
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060"), dialog.RemoteTarget);
        Assert.Equal(7u, dialog.LocalSequence);
        Assert.Null(dialog.RemoteSequence);
        Assert.Equal(SipUri.Parse("sip:alice@example.com"), dialog.LocalUri);
        Assert.Equal(SipUri.Parse("sip:bob@example.com"), dialog.RemoteUri);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5060"), dialog.LocalContact);
        Assert.False(dialog.IsSecure);
    }

    [Fact]
    public void ConfirmingAnEarlyUacDialogRecomputesTheRouteSetAndTarget()
    {
        var invite = Invite(["<sip:p1.example.com;lr>"]);
        Assert.True(SipDialog.TryCreateUac(invite, Response(invite, 183), false, out var dialog));
        var okBuilder = SipResponseBuilder.For(invite, 200, toTag: "btag");
        okBuilder.RemoveHeaders(SipHeaderName.RecordRoute);
        okBuilder.AddHeader(SipHeaderName.RecordRoute, "<sip:p9.example.com;lr>");
        okBuilder.AddHeader(SipHeaderName.Contact, "<sip:bob@192.0.2.9>");

        // RFC 3261 §13.2.2.4: the 2xx confirms the early dialog; its Record-Route and Contact win.
        Assert.True(dialog.Confirm(okBuilder.Build()));
        Assert.Equal(SipDialogState.Confirmed, dialog.State);
        Assert.Equal(["sip:p9.example.com;lr"], dialog.RouteSet.Select(r => r.Uri.Text));
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.9"), dialog.RemoteTarget);
        Assert.False(dialog.Confirm(null)); // Confirmed -> Confirmed is not a transition
    }

    [Fact]
    public void UasDialogKeepsTheRecordRouteInOrder()
    {
        var invite = Invite(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"], requestUri: "sips:bob@example.com");
        var ok = Response(invite, 200, toTag: "btag");

        Assert.True(SipDialog.TryCreateUas(invite, ok, receivedOverTls: true, out var dialog));

        // RFC 3261 §12.1.1.
        Assert.Equal(SipDialogState.Confirmed, dialog.State);
        Assert.Equal(SipDialogRole.Uas, dialog.Role);
        Assert.Equal(new SipDialogId("call-1@192.0.2.1", "btag", "atag"), dialog.Id);
        Assert.Equal(["sip:p2.example.com;lr", "sip:p1.example.com;lr"], dialog.RouteSet.Select(r => r.Uri.Text));
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5060"), dialog.RemoteTarget);
        Assert.Equal(7u, dialog.RemoteSequence);
        Assert.Null(dialog.LocalSequence);
        Assert.Equal(SipUri.Parse("sip:alice@example.com"), dialog.RemoteUri);
        Assert.True(dialog.IsSecure); // TLS and a SIPS Request-URI
    }

    [Theory]
    [InlineData(100, "btag")] // 100 never creates a dialog
    [InlineData(180, null)] // no To tag
    [InlineData(486, "btag")] // failure responses do not
    public void OnlyResponses101To299WithAToTagCreateDialogs(int status, string? toTag)
    {
        var invite = Invite();
        var b = SipResponseBuilder.For(invite, status, toTag: toTag);
        if (toTag is null)
        {
            b.RemoveHeaders(SipHeaderName.To);
            b.AddHeader(SipHeaderName.To, "Bob <sip:bob@example.com>");
        }
        b.AddHeader(SipHeaderName.Contact, "<sip:bob@192.0.2.2>");
        var response = b.Build();
        Assert.False(SipDialog.TryCreateUac(invite, response, false, out _));
        Assert.False(SipDialog.TryCreateUas(invite, response, false, out _));
    }

    [Fact]
    public void UasNeedsAContactInTheRequest()
    {
        var invite = Invite(contact: false);
        Assert.False(SipDialog.TryCreateUas(invite, Response(invite, 200), false, out _));
    }

    [Fact]
    public void LooseRoutingKeepsTheRemoteTargetAsRequestUriAndTheRouteSetAsRoute()
    {
        var dialog = Uac(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);

        var request = dialog.CreateRequest("MESSAGE", s_via).Build();

        // RFC 3261 §12.2.1.1.
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060"), request.RequestUri);
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"], request.GetHeaders(SipHeaderName.Route));
        Assert.Equal(new SipCSeq(8, "MESSAGE"), request.CSeq);
        Assert.Equal("atag", request.From!.Tag);
        Assert.Equal("Alice", request.From.DisplayName);
        Assert.Equal("btag", request.To!.Tag);
        Assert.Equal("Bob", request.To.DisplayName);
        Assert.Equal("call-1@192.0.2.1", request.CallId);
        Assert.Equal(70, request.MaxForwards);
        Assert.Equal("z9hG4bKtest", request.TopVia!.Branch);
        Assert.Empty(request.Contacts);
    }

    [Fact]
    public void StrictRoutingPutsTheFirstRouteInTheRequestUriAndTheTargetLast()
    {
        var dialog = Uac(["<sip:p2.example.com;lr>", "<sip:p1.example.com?X-Foo=1>"]);

        var request = dialog.CreateRequest("MESSAGE", s_via).Build();

        // RFC 3261 §12.2.1.1: the first route (p1, no lr) is a strict router.
        Assert.Equal("sip:p1.example.com", request.RequestUriText);
        Assert.Equal(["<sip:p2.example.com;lr>", "<sip:bob@192.0.2.2:5060>"], request.GetHeaders(SipHeaderName.Route));
    }

    [Fact]
    public void EmptyRouteSetMeansNoRouteHeader()
    {
        var request = Uac().CreateRequest("BYE", s_via).Build();
        Assert.Equal(-1, request.IndexOf(SipHeaderName.Route, 0));
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060"), request.RequestUri);
    }

    [Fact]
    public void CSeqIncrementsAndAckReusesTheInviteNumber()
    {
        var dialog = Uac();

        var ack = dialog.CreateRequest("ACK", s_via).Build();
        var info = dialog.CreateRequest("INFO", s_via).Build();
        var reInvite = dialog.CreateRequest("INVITE", s_via).Build();
        var ack2 = dialog.CreateRequest("ACK", s_via).Build();
        var bye = dialog.CreateRequest("BYE", s_via).Build();

        // RFC 3261 §12.2.1.1 (one more per request) and §13.2.2.4 (ACK = the INVITE's number).
        Assert.Equal(new SipCSeq(7, "ACK"), ack.CSeq);
        Assert.Equal(new SipCSeq(8, "INFO"), info.CSeq);
        Assert.Equal(new SipCSeq(9, "INVITE"), reInvite.CSeq);
        Assert.Equal(new SipCSeq(9, "ACK"), ack2.CSeq);
        Assert.Equal(new SipCSeq(10, "BYE"), bye.CSeq);
        Assert.Equal(10u, dialog.LocalSequence);
        // Target refresh requests carry the Contact (§12.2.1.1); others do not.
        Assert.Equal("sip:alice@192.0.2.1:5060", Assert.Single(reInvite.Contacts).Uri.Text);
        Assert.Empty(ack.Contacts);
        Assert.Empty(bye.Contacts);
    }

    [Fact]
    public void UasFirstRequestStartsItsOwnSequence()
    {
        var invite = Invite();
        Assert.True(SipDialog.TryCreateUas(invite, Response(invite, 200), false, out var dialog));

        var bye = dialog.CreateRequest("BYE", s_via).Build();

        Assert.Equal(new SipCSeq(1, "BYE"), bye.CSeq);
        Assert.Equal("btag", bye.From!.Tag);
        Assert.Equal("atag", bye.To!.Tag);
        Assert.Equal(SipUri.Parse("sip:bob@example.com"), bye.From.Uri);
        Assert.Equal(SipUri.Parse("sip:alice@example.com"), bye.To.Uri);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5060"), bye.RequestUri);
    }

    [Fact]
    public void Rfc2543PeerWithoutFromTagGetsNoToTag()
    {
        var invite = Invite(fromTag: null);
        Assert.True(SipDialog.TryCreateUas(invite, Response(invite, 200), false, out var dialog));
        Assert.Equal(string.Empty, dialog.RemoteTag);
        var bye = dialog.CreateRequest("BYE", s_via).Build();
        Assert.Null(bye.To!.Tag);
    }

    [Fact]
    public void UasChecksInDialogRequests()
    {
        var invite = Invite();
        Assert.True(SipDialog.TryCreateUas(invite, Response(invite, 200), false, out var uas));
        var uac = Uac();

        var next = uac.CreateRequest("INFO", s_via).Build(); // CSeq 8
        var later = uac.CreateRequest("INFO", s_via).Build(); // CSeq 9
        var ack = uac.CreateRequest("ACK", s_via).Build(); // CSeq 7

        // RFC 3261 §12.2.2: in order -> accepted and recorded; lower -> 500; ACK not checked.
        Assert.Null(uas.CheckRequest(later));
        Assert.Equal(9u, uas.RemoteSequence);
        var outOfOrder = uas.CheckRequest(next);
        Assert.Equal(500, outOfOrder!.StatusCode);
        Assert.Null(uas.CheckRequest(ack));
        Assert.Equal(9u, uas.RemoteSequence);

        // Another dialog's request -> 481.
        var other = Invite(fromTag: "other");
        Assert.True(SipDialog.TryCreateUac(other, Response(other, 200), false, out var otherUac));
        Assert.Equal(481, uas.CheckRequest(otherUac.CreateRequest("INFO", s_via).Build())!.StatusCode);
    }

    [Fact]
    public void TerminatedDialogsRefuseRequestsAndTransitionsAreOneWay()
    {
        var dialog = Uac();
        Assert.Throws<ArgumentException>(() => dialog.CreateRequest("CANCEL", s_via));
        Assert.Throws<InvalidOperationException>(() => dialog.CreateRequest("INFO")); // standalone: no Via source
        Assert.Throws<InvalidOperationException>(() => { _ = dialog.ByeAsync(TestContext.Current.CancellationToken); });

        Assert.True(dialog.Terminate());
        Assert.False(dialog.Terminate());
        Assert.False(dialog.Confirm(null));
        Assert.Equal(SipDialogState.Terminated, dialog.State);
        Assert.Throws<InvalidOperationException>(() => dialog.CreateRequest("INFO", s_via));
        var invite = Invite();
        Assert.True(SipDialog.TryCreateUas(invite, Response(invite, 200), false, out var uas));
        Assert.True(uas.Terminate());
        Assert.Equal(481, uas.CheckRequest(Uac().CreateRequest("INFO", s_via).Build())!.StatusCode);
    }
}
