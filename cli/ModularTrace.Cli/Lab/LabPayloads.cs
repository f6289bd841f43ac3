namespace ModularTrace.Cli.Lab;

/// <summary>
/// Three versions of one framework's <c>Lab.Hosting.RequestStop</c> DiagnosticListener payload, as ASP.NET Core and
/// HttpClient change theirs between releases (<c>BeginRequest { httpContext, timestamp }</c> gave way to
/// <c>HttpRequestIn.Start</c> with the <c>HttpContext</c> itself): v2 renames <c>StatusCode</c>, v3 widens it.
/// </summary>
/// <remarks>A real upgrade keeps the type's name and changes its assembly; in one process each version is its own
/// type, and a host of version N names version N's type in its spec.</remarks>
internal static class LabPayloads
{
    public const string Listener = "Lab.Hosting";

    public const string RequestStop = "Lab.Hosting.RequestStop";

    /// <summary>The spec a host of this framework version bridges: the same property paths on every version.</summary>
    public static ModularTrace.Runtime.DiagnosticEventSpec Spec(Type payloadType) =>
        new(Listener, RequestStop, payloadType.AssemblyQualifiedName!, ["Method", "Path", "StatusCode"]);

    /// <summary>Framework v1: what the module and the reflection subscriber were written against.</summary>
    internal sealed record RequestStopV1(string Method, string Path, int StatusCode);

    /// <summary>Framework v2: <c>StatusCode</c> renamed <c>Status</c>.</summary>
    internal sealed record RequestStopV2(string Method, string Path, int Status);

    /// <summary>Framework v3: <c>StatusCode</c> kept, widened to <c>long</c>.</summary>
    internal sealed record RequestStopV3(string Method, string Path, long StatusCode);
}
