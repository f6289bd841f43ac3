using System.Collections.Immutable;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Signing;

namespace ModularTrace.Modules;

public sealed partial class ModuleLoader
{
    /// <summary>One load, step by step; every refusal returns before the next step, and no module code runs before step 8.</summary>
    private sealed class LoadAttempt(ModuleLoader loader, byte[] file, string origin, LoadOptions options)
    {
        private readonly List<string> _messages = [];
        private Taint _taint;
        private string _name = Path.GetFileNameWithoutExtension(origin);

        public ModuleLoadResult Run()
        {
            // 1. Signature, over the bytes already in memory.
            var signature = SignatureVerifier.Verify(file, loader.Keyrings);
            loader.AfterVerification?.Invoke(origin);
            if (signature.Status == SignatureStatus.Malformed)
            {
                return Refuse($"{_name}: module signature is malformed: {signature.Reason} (EBADMSG)", "re-sign the module with 'mtrace sign'");
            }

            // 2. The manifest, from metadata only.
            var payload = signature.Payload;
            var manifest = ModuleManifestReader.TryRead(payload, out var manifestError);
            if (manifest is null)
            {
                return Refuse($"{_name}: {manifestError} (ENOEXEC)", null);
            }

            _name = manifest.Name;
            // The verifier hashed exactly these bytes (every result but Malformed, refused above, carries it).
            var payloadHash = signature.PayloadSha256 ?? throw new InvalidOperationException("the signature verifier returned no payload hash");
            if (loader.Keyrings.IsModuleBlacklisted(payloadHash))
            {
                return Refuse($"{_name}: Key was rejected: module hash {payloadHash[..16]}... is blacklisted (EKEYREJECTED)", null);
            }

            // 3. Forcing drops the signature's trust (as the kernel since 2016), and lockdown forbids it.
            var status = signature.Status;
            if (options.IsForced)
            {
                if (loader.Policy == Policy.Lockdown)
                {
                    return Refuse($"Lockdown: {_name}: forced module loading is restricted (EPERM)", "lockdown cannot be lifted at run time");
                }

                if (status == SignatureStatus.Valid)
                {
                    status = SignatureStatus.Unsigned;
                    _messages.Add($"{_name}: forced load: the module's signature is no longer trusted");
                }
            }

            // 4. Policy.
            var decision = LoadPolicy.Decide(status, loader.Policy);
            if (!decision.Loads)
            {
                return Refuse(SignatureRefusal(status, signature.Reason), SignatureHint(status)) with { RefusedSignature = status };
            }

            if (decision.Taint != Taint.None)
            {
                _taint |= decision.Taint;
                if (!loader._warnedUnsigned)
                {
                    loader._warnedUnsigned = true;
                    _messages.Add($"{_name}: module verification failed: signature and/or required key missing - tainting host");
                }
            }

            // 5. Identity.
            if (loader._modules.Any(m => m.Name == _name || m.Manifest.AssemblyName == manifest.AssemblyName))
            {
                return Refuse($"{_name}: module is already loaded (EEXIST)", $"unload it first with rmmod {_name}");
            }

            // 5b. Rollback: never an older version than one this host has already run (a replayed, validly signed old
            // module would bring back its old bugs). Versions that do not parse are not compared.
            if (ParseVersion(manifest.Version) is { } version
                && loader._highestVersions.TryGetValue(_name, out var highest) && version < highest)
            {
                return Refuse(
                    $"{_name}: version {manifest.Version} is older than version {highest} loaded earlier by this host (rollback refused, EPERM)",
                    "load the newer module; a host restart forgets earlier versions");
            }

            // 6. Version lock: vermagic, then every hook's CRC.
            if (manifest.Vermagic != loader.HostVermagic)
            {
                if (!options.ForceVermagic)
                {
                    return Refuse($"{_name}: version magic '{manifest.Vermagic}' should be '{loader.HostVermagic}'", "rebuild the module against this host, or force with --force-vermagic (taints F)");
                }

                _taint |= Taint.ForcedModule;
                _messages.Add($"{_name}: version magic '{manifest.Vermagic}' should be '{loader.HostVermagic}': forced, tainting host F");
            }

            foreach (var (hookName, crc) in manifest.Hooks)
            {
                if (!loader._hooks.TryGet(hookName, out var hook))
                {
                    return Refuse($"{_name}: unknown symbol {hookName}", "the host has no such hook; 'mtrace hooks' lists them");
                }

                if (hook.Signature.Crc != crc)
                {
                    if (!options.ForceModversion)
                    {
                        return Refuse(
                            $"{_name}: disagrees about version of symbol {hookName}",
                            $"built against {HookSignature.FormatCrc(crc)}, host has {hook.Signature.CrcText} {hook.Signature.Prototype}; rebuild, or force with --force-modversion (taints F)");
                    }

                    _taint |= Taint.ForcedModule;
                    _messages.Add($"{_name}: disagrees about version of symbol {hookName}: forced, tainting host F");
                }
            }

            // 7. Imports and dependencies: exported by a loaded module, shared with the host, or signed files beside it.
            var uses = new List<LoadedModule>();
            foreach (var import in manifest.Imports)
            {
                var exporter = loader._modules.FirstOrDefault(m => m.Exports.Keys.Any(t => t.FullName == TypeName(import)));
                if (exporter is null)
                {
                    return Refuse($"{_name}: unknown symbol {TypeName(import)} (no loaded module exports it)", "load the module that exports it first");
                }

                uses.Add(exporter);
            }

            var dependencies = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var reference in manifest.References)
            {
                if (s_hostAssemblies.Contains(reference))
                {
                    continue;
                }

                var exporter = loader._modules.FirstOrDefault(m => m.Manifest.AssemblyName == reference);
                if (exporter is not null)
                {
                    if (!uses.Contains(exporter))
                    {
                        uses.Add(exporter);
                    }

                    continue;
                }

                if (LoadDependency(reference) is { } refusal)
                {
                    return refusal;
                }

                dependencies[reference] = _dependency!;
            }

            // 8. Taints this module brings; then, only now, does module code come into the process.
            if (!manifest.InTree)
            {
                _taint |= Taint.OutOfTree;
                if ((loader.Taints.Flags & Taint.OutOfTree) == 0)
                {
                    _messages.Add($"{_name}: loading out-of-tree module taints host.");
                }
            }

            if (manifest.License.Equals("Proprietary", StringComparison.OrdinalIgnoreCase))
            {
                _taint |= Taint.Proprietary;
                _messages.Add($"{_name}: module license '{manifest.License}' taints host.");
            }

            return Instantiate(manifest, signature, payload, dependencies, uses);
        }

        private byte[]? _dependency;

        private ModuleLoadResult? LoadDependency(string reference)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(origin)) ?? ".";
            var path = Path.Combine(directory, reference + ".dll");
            var bytes = ModuleFile.TryRead(path, out var error);
            if (bytes is null)
            {
                return Refuse($"{_name}: dependency {reference} is neither a host assembly nor a loaded module, and {reference}.dll beside it cannot be read: {error}", null);
            }

            var check = SignatureVerifier.Verify(bytes, loader.Keyrings);
            var decision = LoadPolicy.Decide(check.Status, loader.Policy);
            if (!decision.Loads || check.Status == SignatureStatus.Unsigned && loader.Policy != Policy.Permissive)
            {
                return Refuse($"{_name}: dependency {reference}.dll is not trusted: {check.Status.ToDisplayName()} ({check.Reason})", "sign every assembly a module brings with it");
            }

            _taint |= decision.Taint;
            _dependency = check.Payload.ToArray();
            return null;
        }

        private ModuleLoadResult Instantiate(ModuleManifest manifest, SignatureVerification signature, ReadOnlyMemory<byte> payload,
            Dictionary<string, byte[]> dependencies, List<LoadedModule> uses)
        {
            var owner = new ModuleOwner(_name);
            var module = new LoadedModule(manifest, origin, payload.Length, signature, _taint, owner) { Uses = [.. uses.Select(u => u.Name)] };
            if (options.Mode == ModuleLoadMode.Plugin && uses.Count > 0)
            {
                return Refuse($"{_name}: imports from {string.Join(", ", uses.Select(u => u.Name))} need the strict loader (--loader strict)", null);
            }

            ServiceProvider? services = null;
            try
            {
                var assembly = options.Mode == ModuleLoadMode.Plugin
                    ? LoadThroughPlugin(module, manifest, payload, dependencies)
                    : LoadStrict(module, payload, dependencies);

                if (assembly.GetName().Name != manifest.AssemblyName)
                {
                    return Fail(module, $"{_name}: assembly identity changed between manifest and load (EBADMSG)", null);
                }

                if (manifest.EntryType is null)
                {
                    return Fail(module, $"{_name}: the module names no entry type ([TraceModule(..., Entry = typeof(...))])", null);
                }

                var entryType = assembly.GetType(manifest.EntryType, throwOnError: false);
                if (entryType is null || !typeof(ITraceModule).IsAssignableFrom(entryType) || entryType.IsAbstract)
                {
                    return Fail(module, $"{_name}: entry type {manifest.EntryType} is missing or does not implement ITraceModule", null);
                }

                // Only what imported modules export: the host's registry, session and taints are not services a
                // module can ask for (a hook reached through the registry would have skipped the CRC check).
                var hostServices = new ServiceCollection();
                foreach (var exporter in uses)
                {
                    foreach (var (type, instance) in exporter.Exports)
                    {
                        hostServices.AddSingleton(type, instance);
                    }
                }

                using var ownerScope = ProbeOwner.Enter(owner);
                using var hostProvider = hostServices.BuildServiceProvider();
                var entry = Create(entryType, hostProvider);
                module.Entry = entry;
                var moduleServices = new ServiceCollection();
                foreach (var descriptor in hostServices)
                {
                    ((ICollection<ServiceDescriptor>)moduleServices).Add(descriptor);
                }

                entry.ConfigureServices(moduleServices);
                services = moduleServices.BuildServiceProvider();
                module.Services = services;
                var exports = ImmutableDictionary.CreateBuilder<Type, object>();
                foreach (var export in manifest.Exports)
                {
                    var type = assembly.GetType(TypeName(export), throwOnError: false);
                    var instance = type is null ? null : services.GetService(type);
                    if (type is null || instance is null)
                    {
                        return Fail(module, $"{_name}: declares export {TypeName(export)} but does not register it in ConfigureServices", null);
                    }

                    exports[type] = instance;
                }

                entry.Init(new ModuleContext(_name, loader._hooks, loader._session, manifest.Hooks.Keys, owner));
                module.Exports = exports.ToImmutable();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var inner = ex is TargetInvocationException { InnerException: { } e } ? e : ex;
                return Fail(module, $"{_name}: module init failed: {inner.GetType().Name}: {inner.Message}", "nothing of the module was left attached; the host keeps running");
            }

            var added = loader.Taints.Add(_taint);
            if (added != Taint.None)
            {
                _messages.Add($"{_name}: host tainted {TaintSet.Letters(added)} (now {loader.Taints})");
            }

            loader._modules = loader._modules.Add(module);
            if (ParseVersion(manifest.Version) is { } loaded
                && (!loader._highestVersions.TryGetValue(_name, out var previous) || loaded > previous))
            {
                loader._highestVersions[_name] = loaded;
            }

            _messages.Add($"{_name}: loaded {manifest.Version} ({module.Size} bytes, signer: {signature.Signer ?? "none"}, taints: {(_taint == Taint.None ? "none" : TaintSet.Letters(_taint))})");
            return ModuleLoadResult.Success(module, _messages);
        }

        private Assembly LoadStrict(LoadedModule module, ReadOnlyMemory<byte> payload, Dictionary<string, byte[]> dependencies)
        {
            var context = new ModuleLoadContext(_name, dependencies, loader.ExporterAssembly);
            module.Context = context;
            using var image = new MemoryStream(payload.ToArray(), writable: false);
            return context.LoadFromStream(image);
        }

        // McMaster.NETCore.Plugins cannot load from memory, so it gets a private copy of exactly the verified bytes.
        private static Assembly LoadThroughPlugin(LoadedModule module, ModuleManifest manifest, ReadOnlyMemory<byte> payload, Dictionary<string, byte[]> dependencies)
        {
            var directory = Directory.CreateTempSubdirectory("mtrace-module-");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            module.PrivateDirectory = directory.FullName;
            var path = Path.Combine(directory.FullName, manifest.AssemblyName + ".dll");
            File.WriteAllBytes(path, payload.ToArray());
            foreach (var (name, bytes) in dependencies)
            {
                File.WriteAllBytes(Path.Combine(directory.FullName, name + ".dll"), bytes);
            }

            var plugin = McMaster.NETCore.Plugins.PluginLoader.CreateFromAssemblyFile(
                path,
                isUnloadable: true,
                sharedTypes: [typeof(ITraceModule), typeof(HookRegistry), typeof(TraceSession), typeof(IServiceCollection), typeof(ServiceProvider)],
                config =>
                {
                    config.PreferSharedTypes = true;
                    config.LoadInMemory = true;
                });
            module.Plugin = plugin;
            var assembly = plugin.LoadDefaultAssembly();
            module.Context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(assembly);
            return assembly;
        }

        // Host types a module's constructor might ask for and is refused, with a message saying what to use instead.
        private static readonly Type[] HostInternals = [typeof(HookRegistry), typeof(TraceSession), typeof(TaintSet), typeof(ModuleLoader), typeof(IServiceProvider)];

        // Constructor injection without ActivatorUtilities, whose caches could keep a collectible type alive.
        private static ITraceModule Create(Type type, ServiceProvider services)
        {
            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                ?? throw new InvalidOperationException($"entry type {type.FullName} has no public constructor");
            var arguments = constructor.GetParameters()
                .Select(p => services.GetService(p.ParameterType) ?? throw new InvalidOperationException(
                    HostInternals.Contains(p.ParameterType)
                        ? $"entry type {type.FullName} asks for the host's {p.ParameterType.Name}, which modules are not given: hooks come from ModuleContext.Hook<T>(name) for hooks declared with <ModuleHook> (CRC-checked at load), events from ModuleContext.DefineEvent"
                        : $"entry type {type.FullName} needs a {p.ParameterType.Name}, which neither the host nor an imported module provides"))
                .ToArray();
            return (ITraceModule)constructor.Invoke(arguments);
        }

        private ModuleLoadResult Fail(LoadedModule module, string error, string? hint)
        {
            loader.TearDown(module);
            return Refuse(error, hint);
        }

        private ModuleLoadResult Refuse(string error, string? hint) => ModuleLoadResult.Refused(error, hint, _messages);

        private string SignatureRefusal(SignatureStatus status, string reason) => (status, loader.Policy) switch
        {
            (SignatureStatus.Unsigned, Policy.Lockdown) => $"Lockdown: {_name}: unsigned module loading is restricted (EPERM)",
            (SignatureStatus.Unsigned, _) => $"Loading of unsigned module {_name} is rejected",
            (SignatureStatus.UnknownKey, _) => $"{_name}: Loading of module with unavailable key is rejected ({reason})",
            (SignatureStatus.UnsupportedCrypto, _) => $"{_name}: Loading of module with unsupported crypto is rejected ({reason})",
            (SignatureStatus.BadSignature, _) => $"{_name}: Key was rejected: {reason} (EKEYREJECTED)",
            (SignatureStatus.Blacklisted, _) => $"{_name}: Key was rejected: {reason} (EKEYREJECTED)",
            _ => $"{_name}: module signature refused: {reason} ({status.ToErrno()})",
        };

        private static string? SignatureHint(SignatureStatus status) => status switch
        {
            SignatureStatus.Unsigned => "sign it with 'mtrace sign sha256 <key.pem> <cert> <module>', or load under --policy permissive (taints E)",
            SignatureStatus.UnknownKey => "enrol the signer with 'mtrace keys enroll <cert>', or load under --policy permissive (taints E)",
            _ => null,
        };

        // "1.2.3", "1.2.3-rc.1" and "1.2.3+meta" compare by their numeric part, as System.Version does.
        private static Version? ParseVersion(string text)
        {
            var end = text.AsSpan().IndexOfAny('-', '+');
            var core = end < 0 ? text.AsSpan() : text.AsSpan(0, end);
            return Version.TryParse(core, out var version) ? version : null;
        }

        private static string TypeName(string serialized) => serialized.Split(',')[0].Trim();
    }
}
