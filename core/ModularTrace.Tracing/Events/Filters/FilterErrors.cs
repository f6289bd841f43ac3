namespace ModularTrace.Events.Filters;

/// <summary>
/// The kernel's filter error texts, <c>err_text[]</c> in <c>kernel/trace/trace_events_filter.c</c>, word for word:
/// scripts match <c>error_log</c> lines against them. Errors the kernel can only report for features ModularTrace does
/// not have (<c>CPUS{...}</c> cpumasks, <c>.function</c>, perf's function events, subsystem filters) are left out.
/// </summary>
internal static class FilterErrors
{
    public const string InvalidOperator = "Invalid operator";
    public const string TooManyOpen = "Too many '('";
    public const string TooManyClose = "Too few '('";
    public const string MissingQuote = "Missing matching quote";
    public const string OperandTooLong = "Operand too long";
    public const string ExpectString = "Expecting string field";
    public const string ExpectDigit = "Expecting numeric field";
    public const string IllegalFieldOp = "Illegal operation for field type";
    public const string FieldNotFound = "Field not found";
    public const string IllegalIntegerValue = "Illegal integer value";
    public const string TooManyPredicates = "Too many terms in predicate expression";
    public const string InvalidFilter = "Meaningless filter expression";
    public const string InvalidValue = "Invalid value (did you forget quotes)?";

    /// <summary>FILT_ERR_ERRNO: what the kernel logs, at position 0, when parsing failed without naming an error (an empty
    /// filter, a predicate that does not start with a field name).</summary>
    public const string Errno = "Error";

    public const string NoFilter = "No filter found";
}
