using System.Collections.Concurrent;

namespace ModularTrace.SampleService;

/// <summary>The service's storage: an in-memory item store with a cache in front, the cache hook at each lookup.</summary>
public sealed class ItemCache(ServiceHooks hooks)
{
    private readonly ConcurrentDictionary<int, string> _store = new();
    private readonly ConcurrentDictionary<int, string> _cache = new();

    /// <summary>Items stored.</summary>
    public int Count => _store.Count;

    /// <summary>An item, through the cache; null when there is no such item.</summary>
    public string? Get(int id)
    {
        var key = Key(id);
        if (_cache.TryGetValue(id, out var cached))
        {
            hooks.CacheLookup.Fire(key, true);
            return cached;
        }

        hooks.CacheLookup.Fire(key, false);
        if (_store.TryGetValue(id, out var stored))
        {
            _cache[id] = stored;
        }

        return stored;
    }

    /// <summary>Stores an item; the cache entry goes stale and is dropped.</summary>
    public void Put(int id, string value)
    {
        _store[id] = value;
        _cache.TryRemove(id, out _);
    }

    /// <summary>Empties the cache (the background job's work); returns how many entries it held.</summary>
    public int Evict()
    {
        var count = _cache.Count;
        _cache.Clear();
        return count;
    }

    private static string Key(int id) => "item:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
