namespace ModularTrace.Cli.Lab;

/// <summary>One scenario's outcome: every line of evidence comes from something the lab actually loaded, traced or read.</summary>
/// <param name="Id">The scenario id (what <c>mtrace lab ID</c> takes).</param>
/// <param name="Claim">The claim from the debate it tests.</param>
/// <param name="Source">Who made the claim, and where (seed).</param>
/// <param name="Evidence">What happened, step by step: messages, taints, counts, bytes.</param>
/// <param name="Verdict">What the evidence says about the claim.</param>
internal sealed record LabResult(string Id, string Claim, string Source, IReadOnlyList<string> Evidence, string Verdict);
