using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RcsCore.Hosting.Storage;

/// <summary>
/// The embedded store: one SQLite file (<c>&lt;data&gt;/rcscore.db</c>) in WAL mode, so a CLI can add users while the
/// server runs. The schema is created on open and versioned in a <c>schema_version</c> table; a file written by a
/// newer version is refused. One connection per instance, used under <see cref="Gate"/> (SQLite connections are not
/// thread-safe).
/// </summary>
public sealed class RcsDatabase : IDisposable
{
    /// <summary>The file name inside the data directory.</summary>
    public const string FileName = "rcscore.db";

    /// <summary>The schema version this code writes.</summary>
    public const int CurrentSchemaVersion = 2;

    private static readonly string[] s_schemaV1 =
    [
        """
        CREATE TABLE subscribers (
            impi TEXT NOT NULL PRIMARY KEY,
            password TEXT,
            ha1 TEXT,
            ha1_algorithm TEXT,
            ha1_realm TEXT,
            aka_k BLOB,
            aka_opc BLOB,
            aka_amf BLOB,
            aka_sqn INTEGER NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE impus (
            impu TEXT NOT NULL PRIMARY KEY,
            impi TEXT NOT NULL REFERENCES subscribers(impi) ON DELETE CASCADE,
            position INTEGER NOT NULL)
        """,
        "CREATE INDEX impus_by_impi ON impus(impi)",
        """
        CREATE TABLE bindings (
            aor TEXT NOT NULL,
            contact TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            call_id TEXT NOT NULL,
            cseq INTEGER NOT NULL,
            q INTEGER NOT NULL,
            instance TEXT,
            reg_id INTEGER NOT NULL,
            params TEXT NOT NULL,
            path TEXT,
            source TEXT,
            PRIMARY KEY (aor, contact)) WITHOUT ROWID
        """,
    ];

    // Version 2: the message centre's store-and-forward queue and conversation history (one table; state 0 = pending).
    private static readonly string[] s_schemaV2 =
    [
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sender TEXT NOT NULL,
            recipient TEXT NOT NULL,
            conversation TEXT NOT NULL,
            state INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            completed_at INTEGER,
            from_header TEXT NOT NULL,
            to_header TEXT NOT NULL,
            asserted_identity TEXT,
            headers TEXT,
            content_type TEXT NOT NULL,
            body BLOB NOT NULL,
            imdn_message_id TEXT,
            disposition TEXT)
        """,
        "CREATE INDEX messages_pending ON messages(recipient, id) WHERE state = 0",
        "CREATE INDEX messages_expiry ON messages(expires_at) WHERE state = 0",
        "CREATE INDEX messages_conversation ON messages(conversation, id)",
    ];

    private RcsDatabase(string path, SqliteConnection connection, int version)
    {
        Path = path;
        Connection = connection;
        SchemaVersion = version;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The schema version of the file.</summary>
    public int SchemaVersion { get; }

    /// <summary>Serialises use of <see cref="Connection"/>.</summary>
    internal Lock Gate { get; } = new();

    internal SqliteConnection Connection { get; }

    /// <summary>Opens (creating when missing) <c>rcscore.db</c> in <paramref name="dataDirectory"/> (created too).</summary>
    /// <exception cref="InvalidOperationException">The file has a newer schema than this code knows.</exception>
    public static RcsDatabase Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        var connection = Connect(path, fullSync: false);
        try
        {
            int version = Migrate(connection);
            return new RcsDatabase(path, connection, version);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A further connection to the same file, for a component that writes on its own (the message store). With
    /// <paramref name="fullSync"/> every commit is fsync'd (synchronous=FULL): durable across a power loss, not only a
    /// process crash.
    /// </summary>
    internal SqliteConnection OpenConnection(bool fullSync) => Connect(Path, fullSync);

    private static SqliteConnection Connect(string path, bool fullSync)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            ForeignKeys = true,
        }.ToString());
        try
        {
            connection.Open();
            // WAL: readers (the server) and a writer (rcs user add) work at once; NORMAL sync is durable across a
            // process crash in WAL mode. busy_timeout waits for another process's write instead of failing.
            Execute(connection, "PRAGMA journal_mode=WAL");
            Execute(connection, fullSync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            Execute(connection, "PRAGMA busy_timeout=5000");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static int Migrate(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", tx);
        using var read = connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT MAX(version) FROM schema_version";
        var value = read.ExecuteScalar();
        int version = value is null or DBNull ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
        if (version > CurrentSchemaVersion)
        {
            throw new InvalidOperationException($"The database has schema version {version}; this build knows up to {CurrentSchemaVersion}.");
        }
        if (version < 1)
        {
            foreach (var sql in s_schemaV1)
            {
                Execute(connection, sql, tx);
            }
            Execute(connection, "INSERT INTO schema_version (version) VALUES (1)", tx);
            version = 1;
        }
        if (version < 2)
        {
            foreach (var sql in s_schemaV2)
            {
                Execute(connection, sql, tx);
            }
            Execute(connection, "INSERT INTO schema_version (version) VALUES (2)", tx);
            version = 2;
        }
        tx.Commit();
        return version;
    }

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            Connection.Dispose();
        }
    }
}
