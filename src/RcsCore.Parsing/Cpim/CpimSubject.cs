namespace RcsCore.Parsing.Cpim;

/// <summary>A Subject header (RFC 3862 §4.5): text with an optional <c>;lang=</c> language tag.</summary>
/// <param name="Text">The subject text, escapes resolved.</param>
/// <param name="Language">The language tag (<c>fr</c>), or null when the header has none.</param>
public readonly record struct CpimSubject(string Text, string? Language);
