// Several tests build modules and packs with 'dotnet build' on the same projects; running them in parallel would
// race on the same obj/ folders. The suite runs its tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
