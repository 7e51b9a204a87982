using System.Buffers;

namespace RcsCore.Msrp;

/// <summary>
/// Pipe memory in 64 KiB blocks from <see cref="ArrayPool{T}.Shared"/>. MSRP moves chunks of tens of KiB; with the
/// default 4 KiB pipe segments every socket read and write moves at most 4 KiB (one system call each) and the
/// shared pool runs dry of small arrays under load. One block per segment keeps calls and allocations per MB low.
/// </summary>
internal sealed class MsrpMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    public static MsrpMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => 1024 * 1024;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, BlockSize)));

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            var array = Interlocked.Exchange(ref _array, null);
            if (array is not null)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
