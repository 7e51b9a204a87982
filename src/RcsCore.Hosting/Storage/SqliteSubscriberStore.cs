using Microsoft.Data.Sqlite;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;

namespace RcsCore.Hosting.Storage;

/// <summary>
/// Subscribers in the embedded store (tables <c>subscribers</c> and <c>impus</c>). Every lookup reads the file, so
/// users added by another process (<c>rcs user add</c>) are seen at once.
/// </summary>
public sealed class SqliteSubscriberStore : ISubscriberStore
{
    private readonly RcsDatabase _db;

    /// <summary>Creates the store over an open database.</summary>
    public SqliteSubscriberStore(RcsDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
    }

    /// <inheritdoc />
    public ValueTask<SipSubscriber?> FindByImpiAsync(string impi, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        lock (_db.Gate)
        {
            return ValueTask.FromResult(Read(impi));
        }
    }

    /// <inheritdoc />
    public ValueTask<SipSubscriber?> FindByImpuAsync(string impu, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impu);
        lock (_db.Gate)
        {
            using var cmd = _db.Connection.CreateCommand();
            cmd.CommandText = "SELECT impi FROM impus WHERE impu = $impu";
            cmd.Parameters.AddWithValue("$impu", impu);
            return ValueTask.FromResult(cmd.ExecuteScalar() is string impi ? Read(impi) : null);
        }
    }

    /// <summary>Every subscriber (for listing).</summary>
    public ValueTask<IReadOnlyList<SipSubscriber>> ListAsync(CancellationToken ct = default)
    {
        lock (_db.Gate)
        {
            var impis = new List<string>();
            using (var cmd = _db.Connection.CreateCommand())
            {
                cmd.CommandText = "SELECT impi FROM subscribers ORDER BY impi";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    impis.Add(reader.GetString(0));
                }
            }
            var list = new List<SipSubscriber>(impis.Count);
            foreach (var impi in impis)
            {
                if (Read(impi) is { } s)
                {
                    list.Add(s);
                }
            }
            return ValueTask.FromResult<IReadOnlyList<SipSubscriber>>(list);
        }
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(SipSubscriber subscriber, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        if (subscriber.Impus.Count == 0)
        {
            throw new ArgumentException("A subscriber needs at least one IMPU.", nameof(subscriber));
        }
        lock (_db.Gate)
        {
            using var tx = _db.Connection.BeginTransaction(deferred: false);
            foreach (var impu in subscriber.Impus)
            {
                using var check = Command("SELECT impi FROM impus WHERE impu = $impu", tx);
                check.Parameters.AddWithValue("$impu", impu);
                if (check.ExecuteScalar() is string owner && owner != subscriber.Impi)
                {
                    throw new InvalidOperationException($"{impu} belongs to {owner}.");
                }
            }
            using (var upsert = Command("""
                INSERT INTO subscribers (impi, password, ha1, ha1_algorithm, ha1_realm, aka_k, aka_opc, aka_amf, aka_sqn)
                VALUES ($impi, $password, $ha1, $alg, $realm, $k, $opc, $amf, $sqn)
                ON CONFLICT(impi) DO UPDATE SET password = $password, ha1 = $ha1, ha1_algorithm = $alg, ha1_realm = $realm,
                    aka_k = $k, aka_opc = $opc, aka_amf = $amf, aka_sqn = $sqn
                """, tx))
            {
                upsert.Parameters.AddWithValue("$impi", subscriber.Impi);
                upsert.Parameters.AddWithValue("$password", (object?)subscriber.Password ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$ha1", (object?)subscriber.Ha1 ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$alg", subscriber.Ha1 is null ? DBNull.Value : SipDigestAlgorithms.GetName(subscriber.Ha1Algorithm) ?? "MD5");
                upsert.Parameters.AddWithValue("$realm", (object?)subscriber.Ha1Realm ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$k", subscriber.Aka is { } a1 ? a1.K.ToArray() : DBNull.Value);
                upsert.Parameters.AddWithValue("$opc", subscriber.Aka is { } a2 ? a2.Opc.ToArray() : DBNull.Value);
                upsert.Parameters.AddWithValue("$amf", subscriber.Aka is { } a3 ? a3.Amf.ToArray() : DBNull.Value);
                upsert.Parameters.AddWithValue("$sqn", (long)(subscriber.Aka?.Sequence ?? 0));
                upsert.ExecuteNonQuery();
            }
            using (var clear = Command("DELETE FROM impus WHERE impi = $impi", tx))
            {
                clear.Parameters.AddWithValue("$impi", subscriber.Impi);
                clear.ExecuteNonQuery();
            }
            for (int i = 0; i < subscriber.Impus.Count; i++)
            {
                using var add = Command("INSERT INTO impus (impu, impi, position) VALUES ($impu, $impi, $pos)", tx);
                add.Parameters.AddWithValue("$impu", subscriber.Impus[i]);
                add.Parameters.AddWithValue("$impi", subscriber.Impi);
                add.Parameters.AddWithValue("$pos", i);
                add.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string impi, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        lock (_db.Gate)
        {
            using var cmd = Command("DELETE FROM subscribers WHERE impi = $impi", null);
            cmd.Parameters.AddWithValue("$impi", impi);
            return ValueTask.FromResult(cmd.ExecuteNonQuery() > 0);
        }
    }

    /// <inheritdoc />
    public ValueTask UpdateAkaSequenceAsync(string impi, ulong sequence, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        lock (_db.Gate)
        {
            using var cmd = Command("UPDATE subscribers SET aka_sqn = $sqn WHERE impi = $impi", null);
            cmd.Parameters.AddWithValue("$impi", impi);
            cmd.Parameters.AddWithValue("$sqn", (long)sequence);
            cmd.ExecuteNonQuery();
        }
        return ValueTask.CompletedTask;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        var cmd = _db.Connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    // Called under the gate.
    private SipSubscriber? Read(string impi)
    {
        using var cmd = Command("SELECT password, ha1, ha1_algorithm, ha1_realm, aka_k, aka_opc, aka_amf, aka_sqn FROM subscribers WHERE impi = $impi", null);
        cmd.Parameters.AddWithValue("$impi", impi);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        string? password = reader.IsDBNull(0) ? null : reader.GetString(0);
        string? ha1 = reader.IsDBNull(1) ? null : reader.GetString(1);
        var algorithm = reader.IsDBNull(2) ? SipDigestAlgorithm.Md5 : SipDigestAlgorithms.Parse(reader.GetString(2));
        string? realm = reader.IsDBNull(3) ? null : reader.GetString(3);
        SipAkaSubscription? aka = null;
        if (!reader.IsDBNull(4) && !reader.IsDBNull(5))
        {
            var amf = reader.IsDBNull(6) ? null : (byte[])reader[6];
            aka = new SipAkaSubscription((byte[])reader[4], (byte[])reader[5], (ulong)reader.GetInt64(7), amf);
        }
        reader.Close();
        using var impus = Command("SELECT impu FROM impus WHERE impi = $impi ORDER BY position", null);
        impus.Parameters.AddWithValue("$impi", impi);
        var list = new List<string>();
        using (var r = impus.ExecuteReader())
        {
            while (r.Read())
            {
                list.Add(r.GetString(0));
            }
        }
        return new SipSubscriber
        {
            Impi = impi,
            Impus = list,
            Password = password,
            Ha1 = ha1,
            Ha1Algorithm = algorithm,
            Ha1Realm = realm,
            Aka = aka,
        };
    }
}
