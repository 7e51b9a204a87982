using System.Net;
using Microsoft.Data.Sqlite;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting.Storage;

/// <summary>
/// Bindings kept in memory (<see cref="InMemoryBindingStore"/>, which serves every read) and written through to the
/// <c>bindings</c> table, so registrations survive a restart. Connection IDs are not persisted (connections do not
/// survive a restart); the source address is. Open with <see cref="Open"/>, which loads the table.
/// </summary>
public sealed class SqliteBindingStore : IBindingStore
{
    private readonly RcsDatabase _db;
    private readonly InMemoryBindingStore _memory;

    private SqliteBindingStore(RcsDatabase db, InMemoryBindingStore memory)
    {
        _db = db;
        _memory = memory;
    }

    /// <summary>Loads every stored binding (expired ones too: the location service sweeps and reports them).</summary>
    public static SqliteBindingStore Open(RcsDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var byAor = new Dictionary<string, List<SipBinding>>(StringComparer.Ordinal);
        lock (database.Gate)
        {
            using var cmd = database.Connection.CreateCommand();
            cmd.CommandText = "SELECT aor, contact, expires_at, call_id, cseq, q, instance, reg_id, params, path, source FROM bindings";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                string aor = r.GetString(0);
                if (!byAor.TryGetValue(aor, out var list))
                {
                    byAor[aor] = list = [];
                }
                else
                {
                    aor = list[0].AddressOfRecord;
                }
                list.Add(new SipBinding(aor, r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero), r.GetString(3), (uint)r.GetInt64(4))
                {
                    Q = r.GetInt32(5) / 1000.0,
                    InstanceId = r.IsDBNull(6) ? null : r.GetString(6),
                    RegId = r.GetInt32(7),
                    FeatureParameters = string.Intern(r.GetString(8)),
                    Path = r.IsDBNull(9) ? [] : r.GetString(9).Split('\n'),
                    Source = r.IsDBNull(10) ? null : ParseEndPoint(r.GetString(10)),
                });
            }
        }
        var memory = new InMemoryBindingStore(byAor.Count);
        foreach (var (aor, list) in byAor)
        {
            memory.Apply(aor, list, []);
        }
        return new SqliteBindingStore(database, memory);
    }

    /// <inheritdoc />
    public int Count => _memory.Count;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SipBinding>> GetAsync(string addressOfRecord, CancellationToken ct = default) => _memory.GetAsync(addressOfRecord, ct);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SipBinding>> LoadAllAsync(CancellationToken ct = default) => _memory.LoadAllAsync(ct);

    /// <inheritdoc />
    public ValueTask ApplyAsync(string addressOfRecord, IReadOnlyList<SipBinding> upserted, IReadOnlyList<SipBinding> removed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        ArgumentNullException.ThrowIfNull(upserted);
        ArgumentNullException.ThrowIfNull(removed);
        lock (_db.Gate)
        {
            var connection = _db.Connection;
            using var tx = connection.BeginTransaction(deferred: false);
            foreach (var b in removed)
            {
                using var delete = connection.CreateCommand();
                delete.Transaction = tx;
                delete.CommandText = "DELETE FROM bindings WHERE aor = $aor AND contact = $contact";
                delete.Parameters.AddWithValue("$aor", addressOfRecord);
                delete.Parameters.AddWithValue("$contact", b.Contact);
                delete.ExecuteNonQuery();
            }
            foreach (var b in upserted)
            {
                using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = """
                    INSERT OR REPLACE INTO bindings (aor, contact, expires_at, call_id, cseq, q, instance, reg_id, params, path, source)
                    VALUES ($aor, $contact, $expires, $callId, $cseq, $q, $instance, $regId, $params, $path, $source)
                    """;
                insert.Parameters.AddWithValue("$aor", addressOfRecord);
                insert.Parameters.AddWithValue("$contact", b.Contact);
                insert.Parameters.AddWithValue("$expires", b.ExpiresAt.UtcTicks);
                insert.Parameters.AddWithValue("$callId", b.CallId);
                insert.Parameters.AddWithValue("$cseq", (long)b.CSeq);
                insert.Parameters.AddWithValue("$q", b.QThousandths);
                insert.Parameters.AddWithValue("$instance", (object?)b.InstanceId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$regId", b.RegId);
                insert.Parameters.AddWithValue("$params", b.FeatureParameters);
                insert.Parameters.AddWithValue("$path", b.Path.Count == 0 ? DBNull.Value : string.Join('\n', b.Path));
                insert.Parameters.AddWithValue("$source", b.Source is { } s ? s.ToString() : DBNull.Value);
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        // The file first: memory never shows a binding the file would lose.
        _memory.Apply(addressOfRecord, upserted, removed);
        return ValueTask.CompletedTask;
    }

    // SipEndPoint.ToString(): "udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5060".
    private static SipEndPoint? ParseEndPoint(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IPEndPoint.TryParse(text[(colon + 1)..], out var ep))
        {
            return null;
        }
        SipTransportProtocol? protocol = text[..colon] switch
        {
            "udp" => SipTransportProtocol.Udp,
            "tcp" => SipTransportProtocol.Tcp,
            "tls" => SipTransportProtocol.Tls,
            _ => null,
        };
        return protocol is { } p ? new SipEndPoint(p, ep) : null;
    }
}
