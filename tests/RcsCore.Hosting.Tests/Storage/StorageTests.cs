using System.Net;
using Microsoft.Data.Sqlite;
using RcsCore.Hosting.Storage;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests.Storage;

/// <summary>A temporary data directory, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rcscore-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>The embedded SQLite store: schema, subscribers, write-through bindings that survive a restart.</summary>
public sealed class StorageTests
{
    private static readonly byte[] s_k = Convert.FromHexString("465b5ce8b199b49faa5f0a2ee238a6bc");
    private static readonly byte[] s_opc = Convert.FromHexString("cd63cb71954a9f4e48a5994e37a02baf");

    [Fact]
    public void OpenCreatesTheFileInWalModeWithASchemaVersion()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "nested");
        using (var db = RcsDatabase.Open(data))
        {
            Assert.Equal(Path.Combine(data, "rcscore.db"), db.Path);
            Assert.Equal(RcsDatabase.CurrentSchemaVersion, db.SchemaVersion);
            Assert.True(File.Exists(db.Path));
            using var cmd = db.Connection.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", cmd.ExecuteScalar() as string);
        }
        // Reopening keeps the version (no second migration).
        using (var again = RcsDatabase.Open(data))
        {
            using var cmd = again.Connection.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM schema_version";
            // One row per migration step, written once.
            Assert.Equal((long)RcsDatabase.CurrentSchemaVersion, cmd.ExecuteScalar());
        }
    }

    [Fact]
    public void NewerSchemaIsRefused()
    {
        using var dir = new TempDirectory();
        using (var db = RcsDatabase.Open(dir.Path))
        {
            using var cmd = db.Connection.CreateCommand();
            cmd.CommandText = "INSERT INTO schema_version (version) VALUES (99)";
            cmd.ExecuteNonQuery();
        }
        Assert.Throws<InvalidOperationException>(() => RcsDatabase.Open(dir.Path));
    }

    [Fact]
    public async Task SubscribersRoundTrip()
    {
        using var dir = new TempDirectory();
        using (var db = RcsDatabase.Open(dir.Path))
        {
            var store = new SqliteSubscriberStore(db);
            await store.SaveAsync(new SipSubscriber { Impi = "alice@example.com", Impus = ["sip:alice@example.com", "tel:+15551230001"], Password = "secret" });
            await store.SaveAsync(new SipSubscriber
            {
                Impi = "bob@example.com",
                Impus = ["sip:bob@example.com"],
                Ha1 = "0123456789abcdef0123456789abcdef",
                Ha1Algorithm = SipDigestAlgorithm.Md5,
                Ha1Realm = "example.com",
            });
            await store.SaveAsync(new SipSubscriber { Impi = "carol@example.com", Impus = ["sip:carol@example.com"], Aka = new SipAkaSubscription(s_k, s_opc, 42) });
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await store.SaveAsync(new SipSubscriber { Impi = "eve@example.com", Impus = ["sip:alice@example.com"], Password = "x" }));
            await store.UpdateAkaSequenceAsync("carol@example.com", 77);
        }
        using (var db = RcsDatabase.Open(dir.Path))
        {
            var store = new SqliteSubscriberStore(db);
            var alice = await store.FindByImpuAsync("tel:+15551230001");
            Assert.NotNull(alice);
            Assert.Equal("alice@example.com", alice.Impi);
            Assert.Equal(["sip:alice@example.com", "tel:+15551230001"], alice.Impus);
            Assert.Equal("secret", alice.Password);
            var bob = await store.FindByImpiAsync("bob@example.com");
            Assert.Equal("0123456789abcdef0123456789abcdef", bob!.Ha1);
            Assert.Equal("example.com", bob.Ha1Realm);
            var carol = await store.FindByImpiAsync("carol@example.com");
            Assert.Equal(s_k, carol!.Aka!.K.ToArray());
            Assert.Equal(s_opc, carol.Aka.Opc.ToArray());
            Assert.Equal(77UL, carol.Aka.Sequence);
            Assert.Equal(new byte[] { 0x80, 0 }, carol.Aka.Amf.ToArray());
            Assert.Equal(3, (await store.ListAsync()).Count);
            Assert.True(await store.RemoveAsync("alice@example.com"));
            Assert.Null(await store.FindByImpuAsync("sip:alice@example.com"));
        }
    }

    [Fact]
    public async Task BindingsSurviveARestart()
    {
        using var dir = new TempDirectory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40001));
        using (var db = RcsDatabase.Open(dir.Path))
        {
            await using var locations = new SipLocationService(SqliteBindingStore.Open(db), new SipLocationServiceOptions { SweepInterval = TimeSpan.Zero }, time);
            await locations.StartAsync();
            var r = await locations.RegisterAsync(new SipRegistrationRequest
            {
                AddressOfRecord = "sip:alice@example.com",
                CallId = "call-1",
                CSeq = 3,
                Source = source,
                ConnectionId = 9,
                Path = ["<sip:pcscf.example.com;lr>", "<sip:edge.example.com;lr;ob>"],
                Contacts = [Na("<sip:alice@192.0.2.7:40001;transport=tcp>;+sip.instance=\"<urn:uuid:1>\";reg-id=1;+g.oma.sip-im;q=0.5;expires=600"),],
            });
            Assert.True(r.IsSuccess);
            await locations.RegisterAsync(new SipRegistrationRequest
            {
                AddressOfRecord = "sip:bob@example.com", CallId = "call-2", CSeq = 1, Contacts = [Na("<sip:bob@192.0.2.8>;expires=60")],
            });
            await locations.RegisterAsync(new SipRegistrationRequest
            {
                AddressOfRecord = "sip:bob@example.com", CallId = "call-2", CSeq = 2, Contacts = [Na("<sip:bob@192.0.2.8>;expires=0")],
            });
        }

        // "Restart": a new database and store instance on the same file.
        using (var db = RcsDatabase.Open(dir.Path))
        {
            var store = SqliteBindingStore.Open(db);
            Assert.Equal(1, store.Count);
            await using var locations = new SipLocationService(store, new SipLocationServiceOptions { SweepInterval = TimeSpan.Zero }, time);
            await locations.StartAsync();
            var b = Assert.Single(await locations.LookupAsync("sip:alice@example.com"));
            Assert.Equal("sip:alice@192.0.2.7:40001;transport=tcp", b.Contact);
            Assert.Equal("<urn:uuid:1>", b.InstanceId);
            Assert.Equal(1, b.RegId);
            Assert.Equal(0.5, b.Q);
            Assert.Equal(";+g.oma.sip-im", b.FeatureParameters);
            Assert.Equal(["<sip:pcscf.example.com;lr>", "<sip:edge.example.com;lr;ob>"], b.Path);
            Assert.Equal(source, b.Source);
            Assert.Equal(0, b.ConnectionId); // connections do not survive a restart
            Assert.Equal("call-1", b.CallId);
            Assert.Equal(3u, b.CSeq);
            Assert.Equal(600u, b.RemainingSeconds(time.GetUtcNow()));
            Assert.Empty(await locations.LookupAsync("sip:bob@example.com"));

            // §10.3 ordering survives too: the same Call-ID with an old CSeq is refused.
            var old = await locations.RegisterAsync(new SipRegistrationRequest
            {
                AddressOfRecord = "sip:alice@example.com", CallId = "call-1", CSeq = 2,
                Contacts = [Na("<sip:alice@192.0.2.7:40001;transport=tcp>;+sip.instance=\"<urn:uuid:1>\";reg-id=1")],
            });
            Assert.Equal(SipRegistrationStatus.OutOfOrder, old.Status);

            // Expiry after the restart removes the row.
            time.Advance(TimeSpan.FromSeconds(601));
            Assert.Equal(1, await locations.SweepAsync());
        }
        using (var db = RcsDatabase.Open(dir.Path))
        {
            Assert.Equal(0, SqliteBindingStore.Open(db).Count);
        }
    }

    [Fact]
    public void TheFileIsReadableByPlainSqlite()
    {
        using var dir = new TempDirectory();
        using (RcsDatabase.Open(dir.Path))
        {
        }
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "rcscore.db")};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        var tables = new List<string>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }
        Assert.Equal(["bindings", "impus", "messages", "schema_version", "sqlite_sequence", "subscribers"], tables);
    }

    private static SipNameAddress Na(string text) => SipNameAddress.TryParse(text, out var na) ? na : throw new FormatException(text);
}
