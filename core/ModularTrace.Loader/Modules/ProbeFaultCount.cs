namespace ModularTrace.Modules;

/// <summary>How many times the probes one owner attached to one hook threw.</summary>
/// <param name="Owner">The module name, or <c>host</c> for a probe no module attached.</param>
/// <param name="Hook">The hook that was firing.</param>
/// <param name="Count">Faults counted.</param>
public sealed record ProbeFaultCount(string Owner, string Hook, long Count);
