using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

namespace ModularTrace.Core.Tests.Modules;

public sealed class ModuleContextTests
{
    private readonly HookRegistry _registry = new();
    private readonly Hook<int> _declared;
    private readonly Hook<int> _undeclared;
    private readonly object _owner = new();
    private readonly ModuleContext _context;

    public ModuleContextTests()
    {
        _declared = _registry.Register(new Hook<int>("declared_hook", "value"));
        _undeclared = _registry.Register(new Hook<int>("other_hook", "value"));
        _context = new ModuleContext("test", _registry, new TraceSession(), ["declared_hook"], _owner);
    }

    [Fact]
    public void Hook_Undeclared_IsRefusedNamingTheModuleHookItem()
    {
        var error = Assert.Throws<InvalidOperationException>(() => _context.Hook<Hook<int>>("other_hook"));
        Assert.Equal("test: hook 'other_hook' is not in the module's __versions; add it to the module's <ModuleHook> items so modpost records its CRC.", error.Message);
    }

    // A hook object reached some other way (a host's static field, reflection) is still not the module's to use.
    [Fact]
    public void Attach_UndeclaredHookObject_IsRefusedAndAttachesNothing()
    {
        Assert.Throws<InvalidOperationException>(() => _context.Attach(_undeclared, _ => { }));
        Assert.Equal(0, _undeclared.ProbeCount);
    }

    [Fact]
    public void Attach_DeclaredHook_IsOwnedByTheModule()
    {
        _context.Attach(_context.Hook<Hook<int>>("declared_hook"), _ => { });
        Assert.Same(_owner, Assert.Single(_declared.GetProbes()).Owner);
    }

    // Probes attached with no owner while a module's code runs (the loader enters its owner) belong to it.
    [Fact]
    public void Attach_NoOwnerInsideAnOwnerScope_TakesTheScopesOwner()
    {
        using (ProbeOwner.Enter(_owner))
        {
            _declared.Attach(_ => { });
        }

        _declared.Attach(_ => { });
        Assert.Equal(1, _registry.DetachOwnedBy(_owner));
        Assert.Null(Assert.Single(_declared.GetProbes()).Owner);
    }
}
