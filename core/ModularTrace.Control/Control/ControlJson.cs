using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModularTrace.Control;

/// <summary>The protocol's JSON: snake_case names, nulls left out, source-generated (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A request that repeats a property or nests deeply is refused, not guessed at.
    AllowDuplicateProperties = false,
    MaxDepth = 8)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
internal sealed partial class ControlJson : JsonSerializerContext
{
    public static byte[] Serialize(ControlRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, Default.ControlRequest);

    public static byte[] Serialize(ControlResponse response) => JsonSerializer.SerializeToUtf8Bytes(response, Default.ControlResponse);

    /// <summary>Parses a request; null with the reason when it is not a JSON object of the request's shape.</summary>
    public static ControlRequest? ParseRequest(ReadOnlyMemory<byte> payload, out string? error)
    {
        error = null;
        try
        {
            var request = JsonSerializer.Deserialize(payload.Span, Default.ControlRequest);
            if (request is null)
            {
                error = "the request is JSON null, not an object";
            }

            return request;
        }
        catch (JsonException ex)
        {
            error = $"malformed request: {FirstLine(ex.Message)}";
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            error = $"malformed request: {FirstLine(ex.Message)}";
            return null;
        }
    }

    /// <summary>Parses a reply; null with the reason when it is not one.</summary>
    public static ControlResponse? ParseResponse(ReadOnlyMemory<byte> payload, out string? error)
    {
        error = null;
        try
        {
            var response = JsonSerializer.Deserialize(payload.Span, Default.ControlResponse);
            if (response is null)
            {
                error = "the reply is JSON null";
            }

            return response;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            error = $"malformed reply: {FirstLine(ex.Message)}";
            return null;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
