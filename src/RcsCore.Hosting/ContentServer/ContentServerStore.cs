using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RcsCore.Hosting.ContentServer;

/// <summary>The durable metadata of one upload (a JSON sidecar next to the content).</summary>
internal sealed class StoredFile
{
    public required string Id { get; init; }
    public required string Tid { get; init; }
    public required string Owner { get; init; }
    public string? FileName { get; init; }
    public required string ContentType { get; init; }
    public bool Render { get; init; }
    public DateTimeOffset Until { get; init; }
    public bool Complete { get; set; }
    public long Size { get; set; }
    public string? ThumbnailContentType { get; set; }
    public long ThumbnailSize { get; set; }

    /// <summary>Held by the request writing the content, so a resume waits until an interrupted writer has stopped.</summary>
    [JsonIgnore]
    public SemaphoreSlim Writer { get; } = new(1, 1);
}

[JsonSerializable(typeof(StoredFile))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ContentServerJsonContext : JsonSerializerContext;

/// <summary>
/// Files of the content server under <c>DATA/ft</c>: <c>ID.bin</c> (content, appended while uploading), <c>ID.thumb</c>
/// and <c>ID.json</c> (metadata, replaced atomically). The index is rebuilt from the sidecars at start.
/// </summary>
internal sealed class ContentServerStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredFile> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Owner, string Tid), StoredFile> _byTid = [];

    public ContentServerStore(string dataDirectory)
    {
        Directory = Path.Combine(Path.GetFullPath(dataDirectory), "ft");
        System.IO.Directory.CreateDirectory(Directory);
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                using FileStream stream = File.OpenRead(path);
                if (JsonSerializer.Deserialize(stream, ContentServerJsonContext.Default.StoredFile) is { } file && IsId(file.Id))
                {
                    _byId[file.Id] = file;
                    _byTid[(file.Owner, file.Tid)] = file;
                }
            }
            catch (JsonException)
            {
                // A damaged sidecar: the file is unreachable; the expiry sweep cannot know its age, so leave it.
            }
        }
    }

    public string Directory { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>An unguessable id: 24 random bytes, base64url (the download URL is the capability, RCC.07).</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    public static bool IsId(string id) => id.Length == 32 && !id.AsSpan().ContainsAnyExcept(s_idChars);

    private static readonly System.Buffers.SearchValues<char> s_idChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public string ContentPath(string id) => Path.Combine(Directory, id + ".bin");

    public string ThumbnailPath(string id) => Path.Combine(Directory, id + ".thumb");

    private string MetadataPath(string id) => Path.Combine(Directory, id + ".json");

    public StoredFile? Find(string id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public StoredFile? FindByTid(string owner, string tid)
    {
        lock (_lock)
        {
            return _byTid.GetValueOrDefault((owner, tid));
        }
    }

    /// <summary>Registers a new upload (replacing an earlier one of the same owner and tid) and writes its sidecar.</summary>
    public void Add(StoredFile file)
    {
        StoredFile? replaced;
        lock (_lock)
        {
            _byTid.TryGetValue((file.Owner, file.Tid), out replaced);
            _byId[file.Id] = file;
            _byTid[(file.Owner, file.Tid)] = file;
            if (replaced is not null)
            {
                _byId.Remove(replaced.Id);
            }
        }

        if (replaced is not null)
        {
            DeleteFiles(replaced.Id);
        }

        Save(file);
    }

    /// <summary>Writes the sidecar atomically: a temporary file, flushed, then renamed over the old one.</summary>
    public void Save(StoredFile file)
    {
        string path = MetadataPath(file.Id);
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, file, ContentServerJsonContext.Default.StoredFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public void Remove(StoredFile file)
    {
        lock (_lock)
        {
            _byId.Remove(file.Id);
            if (_byTid.TryGetValue((file.Owner, file.Tid), out StoredFile? current) && ReferenceEquals(current, file))
            {
                _byTid.Remove((file.Owner, file.Tid));
            }
        }

        DeleteFiles(file.Id);
    }

    /// <summary>Deletes files whose validity ended; at most <paramref name="max"/> per call so a sweep stays bounded.</summary>
    public int RemoveExpired(DateTimeOffset now, int max)
    {
        var expired = new List<StoredFile>();
        lock (_lock)
        {
            foreach (StoredFile file in _byId.Values)
            {
                if (file.Until <= now)
                {
                    expired.Add(file);
                    if (expired.Count >= max)
                    {
                        break;
                    }
                }
            }
        }

        foreach (StoredFile file in expired)
        {
            Remove(file);
        }

        return expired.Count;
    }

    private void DeleteFiles(string id)
    {
        foreach (string path in (ReadOnlySpan<string>)[ContentPath(id), ThumbnailPath(id), MetadataPath(id)])
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // In use by a download still streaming (Windows); the next sweep does not see it any more, so
                // the bytes stay until restart. On Unix the unlink succeeds and the open stream keeps reading.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
