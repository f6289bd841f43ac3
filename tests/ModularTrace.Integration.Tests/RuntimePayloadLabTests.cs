using ModularTrace.Cli.Lab;

namespace ModularTrace.Integration.Tests;

/// <summary>The runtime-payload lab scenario, one framework version at a time, with the numbers its verdict rests on.</summary>
public sealed class RuntimePayloadLabTests
{
    private static readonly LabContext s_lab = new(RepoFiles.Root, TextWriter.Null);

    [Fact]
    public void RunPayload_FrameworkV1_BothConsumersRecordEveryRequestAsSent()
    {
        var run = LabScenarios.RunPayload(s_lab, "v1", typeof(LabPayloads.RequestStopV1), (m, p, s) => new LabPayloads.RequestStopV1(m, p, s));

        Assert.True(run.SubscriberCorrect, run.Describe());
        Assert.True(run.Module.Loaded, run.Module.Error);
        Assert.Equal(1_000, run.ModuleRecords);
        Assert.Equal(0, run.ModuleWrong);
        Assert.Equal("dl_Lab_Hosting_RequestStop(string Method, string Path, int StatusCode) 0xd46ab02c", run.HostHook);
    }

    [Fact]
    public void RunPayload_PropertyRenamed_SubscriberRecordsStatusZeroSilentlyAndModuleIsUnknownSymbol()
    {
        var run = LabScenarios.RunPayload(s_lab, "v2", typeof(LabPayloads.RequestStopV2), (m, p, s) => new LabPayloads.RequestStopV2(m, p, s));

        Assert.Equal(1_000, run.SubscriberRows);
        Assert.Equal(1_000, run.SubscriberWrong);
        Assert.Equal(0, run.SubscriberDropped);
        Assert.False(run.Module.Loaded);
        Assert.Equal("lab_payload: unknown symbol dl_Lab_Hosting_RequestStop", run.Module.Error);
        Assert.Equal(0, run.ProbesLeft);
        Assert.Equal(0, run.Subscriptions);
        Assert.Contains("no readable property 'StatusCode'", run.HostHook, StringComparison.Ordinal);
    }

    [Fact]
    public void RunPayload_PropertyWidened_SubscriberRecordsStatusZeroSilentlyAndModuleDisagreesAboutVersion()
    {
        var run = LabScenarios.RunPayload(s_lab, "v3", typeof(LabPayloads.RequestStopV3), (m, p, s) => new LabPayloads.RequestStopV3(m, p, s));

        Assert.Equal(1_000, run.SubscriberWrong);
        Assert.False(run.Module.Loaded);
        Assert.Equal("lab_payload: disagrees about version of symbol dl_Lab_Hosting_RequestStop", run.Module.Error);
        Assert.Equal(0, run.ProbesLeft);
        Assert.Equal(0, run.Subscriptions);
        Assert.Equal("dl_Lab_Hosting_RequestStop(string Method, string Path, long StatusCode) 0xebf89fb9", run.HostHook);
    }

    [Fact]
    public void Lab_RuntimePayload_HoldsWithTheCountsInItsVerdict()
    {
        var lab = Mtrace.RunIn(RepoFiles.Root, "lab", "runtime-payload", "--format", "markdown");

        Assert.True(lab.ExitCode == 0, lab.ToString());
        Assert.Contains("**Verdict:** holds: after the payload changed, the reflection subscriber recorded 1,000/1,000 (renamed) and 1,000/1,000 (widened)", lab.Stdout, StringComparison.Ordinal);
        Assert.Contains("refused: lab_payload: disagrees about version of symbol dl_Lab_Hosting_RequestStop", lab.Stdout, StringComparison.Ordinal);
    }
}
