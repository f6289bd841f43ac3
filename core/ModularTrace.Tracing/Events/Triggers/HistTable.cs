using System.IO.Hashing;

namespace ModularTrace.Events.Triggers;

/// <summary>
/// The bounded map behind a hist trigger: at most <see cref="Capacity"/> entries of fixed-size keys, each with a
/// hitcount and value sums; every array is allocated up front, so updates never allocate.
/// </summary>
/// <remarks>
/// Concurrency: one <see cref="Lock"/> around each update. The kernel's <c>tracing_map</c> is lock-free (cmpxchg on
/// pre-allocated elements) because it runs in NMI context; here writers are ordinary threads, the critical section is
/// a probe of an at-most-half-full open-addressing table plus a few additions, and a lock keeps hitcounts exact and
/// the code small. Keys are hashed (XxHash3) before the lock is taken.
/// Like the kernel's map, a key that finds the table full is not inserted and counts in <see cref="Dropped"/> instead
/// of <see cref="Hits"/>.
/// </remarks>
internal sealed class HistTable
{
    private readonly Lock _gate = new();
    private readonly int _keySize;
    private readonly int _sumCount;
    private readonly byte[] _keys;
    private readonly long[] _sums;
    private readonly ulong[] _hashes;
    private readonly int[] _slots; // entry index + 1; 0 = empty. Twice the capacity, so a probe always ends.
    private readonly int _mask;
    private int _count;
    private long _hits;
    private long _dropped;

    /// <param name="capacity">Entries; a power of two.</param>
    /// <param name="keySize">Bytes per key.</param>
    /// <param name="valueCount">Summed values per entry, hitcount excluded.</param>
    public HistTable(int capacity, int keySize, int valueCount)
    {
        Capacity = capacity;
        _keySize = keySize;
        _sumCount = valueCount + 1;
        _keys = new byte[capacity * keySize];
        _sums = new long[capacity * _sumCount];
        _hashes = new ulong[capacity];
        _slots = new int[capacity * 2];
        _mask = (capacity * 2) - 1;
    }

    public int Capacity { get; }

    public long Hits
    {
        get
        {
            lock (_gate)
            {
                return _hits;
            }
        }
    }

    public long Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Counts one hit of <paramref name="key"/> and adds <paramref name="values"/> to its sums.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<long> values)
    {
        var hash = XxHash3.HashToUInt64(key);
        lock (_gate)
        {
            var slot = (int)hash & _mask;
            int entry;
            while (true)
            {
                entry = _slots[slot] - 1;
                if (entry < 0)
                {
                    if (_count == Capacity)
                    {
                        _dropped++;
                        return;
                    }

                    entry = _count++;
                    _slots[slot] = entry + 1;
                    _hashes[entry] = hash;
                    key.CopyTo(_keys.AsSpan(entry * _keySize, _keySize));
                    break;
                }

                if (_hashes[entry] == hash && key.SequenceEqual(_keys.AsSpan(entry * _keySize, _keySize)))
                {
                    break;
                }

                slot = (slot + 1) & _mask;
            }

            _hits++;
            var sums = _sums.AsSpan(entry * _sumCount, _sumCount);
            sums[0]++;
            for (var i = 0; i < values.Length; i++)
            {
                sums[i + 1] = unchecked(sums[i + 1] + values[i]);
            }
        }
    }

    /// <summary>A consistent copy of the table for rendering.</summary>
    public Snapshot Copy()
    {
        lock (_gate)
        {
            return new Snapshot(
                _count,
                _keys.AsSpan(0, _count * _keySize).ToArray(),
                _sums.AsSpan(0, _count * _sumCount).ToArray(),
                _hits,
                _dropped);
        }
    }

    /// <summary>Entries <c>0..Count-1</c>: keys back to back, then sums (hitcount first) back to back.</summary>
    internal sealed record Snapshot(int Count, byte[] Keys, long[] Sums, long Hits, long Dropped);
}
