using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("lab_payload", Version = "1.0.0", License = "MIT", Author = "ModularTrace lab",
    Description = "Built against framework v1's Lab.Hosting.RequestStop payload (Method, Path, int StatusCode): the runtime-payload scenario",
    Entry = typeof(ModularTrace.Module.LabPayload.PayloadModule))]
// CRC-32 of "dl_Lab_Hosting_RequestStop(string Method, string Path, int StatusCode)": the v1 payload's shape, as the
// bridge computes it from the payload type (mtrace's Lab/LabPayloads.cs), the way a module is built against a
// service's Module.symvers.
[assembly: ModuleHookVersion("dl_Lab_Hosting_RequestStop", 0xd46ab02cu)]

namespace ModularTrace.Module.LabPayload;

/// <summary>Records each request the lab's framework writes as <c>lab:request_stop</c> (method, path, status).</summary>
public sealed class PayloadModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var b = new EventLayoutBuilder();
        var status = b.S32("status");
        var method = b.Chars("method", 8);
        var path = b.DynamicString("path");
        var ev = context.DefineEvent("lab", "request_stop", new EventClass("request_stop", b.Build(), "{method} {path} status={status}"));
        context.Record(context.Hook<Hook<string, string, int>>("dl_Lab_Hosting_RequestStop"), ev, (_, p, _) => TraceEvent.SizeOf(p ?? ""), (ref w, m, p, s) =>
        {
            w.Set(status, s);
            w.Set(method, m ?? "");
            w.Set(path, p ?? "");
        });
    }
}
