using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using RcsCore.Hosting.ContentServer;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;

namespace RcsCore.Benchmarks;

/// <summary>
/// 100 MB file transfer over HTTP on loopback (GSMA RCC.07 FT via HTTP): upload through the content server
/// (Digest, multipart, written to disk) and download from it (Range-capable, from disk), against a raw HTTP copy of
/// the same bytes through a bare Kestrel endpoint (body to Stream.Null / from memory) in the same run. Each method
/// runs in its own process; its peak working set is printed at cleanup ("// PeakWorkingSet").
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FileTransferHttpBenchmarks
{
    private const long Size = 100L * 1024 * 1024;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "rcscore-ftbench-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _raw;
    private Uri? _rawUri;
    private FileTransferContentServer? _server;
    private HttpClient? _http;
    private HttpFileTransferClient? _client;
    private FileInfoDocument? _fixture;


    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
        });
        _raw = builder.Build();
        _raw.Run(async context =>
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                context.Response.StatusCode = 204;
                return;
            }

            context.Response.ContentLength = Size;
            for (long sent = 0; sent < Size; sent += BenchData.Block.Length)
            {
                await context.Response.Body.WriteAsync(BenchData.Block, context.RequestAborted);
            }
        });
        await _raw.StartAsync();
        _rawUri = new Uri(_raw.Urls.First() + "/");

        var subscribers = new InMemorySubscriberStore();
        await subscribers.SaveAsync(new SipSubscriber { Impi = "alice@example.test", Impus = ["sip:alice@example.test"], Password = "pw" });
        _server = new FileTransferContentServer(
            new ContentServerOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), DataDirectory = _data, Realm = "example.test" }, subscribers);
        await _server.StartAsync();
        _http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        _client = new HttpFileTransferClient(_http, _server.BaseUri, "alice@example.test", "pw");
        _fixture = await _client.UploadAsync(new RepeatStream(BenchData.Block, Size), "fixture.bin", "application/octet-stream");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// PeakWorkingSet: {process.PeakWorkingSet64 / (1024 * 1024)} MiB");
        _http?.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_data, recursive: true);
    }

    [IterationCleanup(Targets = [nameof(ContentServerUpload)])]
    public void DeleteUploads()
    {
        // Keep the disk bounded: drop every upload but the download fixture.
        string keep = _fixture!.File.Url.Segments[^1];
        foreach (string path in Directory.EnumerateFiles(Path.Combine(_data, "ft"), "*.bin"))
        {
            if (!Path.GetFileName(path).StartsWith(keep, StringComparison.Ordinal))
            {
                File.Delete(path);
            }
        }
    }

    [Benchmark(Baseline = true, Description = "Raw HTTP POST 100 MB (Kestrel, body to Stream.Null)")]
    public async Task<HttpStatusCode> RawHttpUpload()
    {
        using var content = new StreamContent(new RepeatStream(BenchData.Block, Size), 64 * 1024);
        using HttpResponseMessage response = await _http!.PostAsync(_rawUri, content);
        return response.StatusCode;
    }

    [Benchmark(Description = "Content server upload 100 MB (Digest, multipart, to disk)")]
    public async Task<long> ContentServerUpload()
    {
        FileInfoDocument info = await _client!.UploadAsync(new RepeatStream(BenchData.Block, Size), "big.bin", "application/octet-stream");
        return info.File.Size;
    }

    [Benchmark(Description = "Raw HTTP GET 100 MB (Kestrel, from memory)")]
    public async Task<long> RawHttpDownload()
    {
        using HttpResponseMessage response = await _http!.GetAsync(_rawUri, HttpCompletionOption.ResponseHeadersRead);
        await using Stream body = await response.Content.ReadAsStreamAsync();
        var counter = new CountingStream();
        await body.CopyToAsync(counter, 64 * 1024);
        return counter.Length;
    }

    [Benchmark(Description = "Content server download 100 MB (from disk)")]
    public Task<long> ContentServerDownload() => _client!.DownloadAsync(_fixture!.File, new CountingStream());

    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
