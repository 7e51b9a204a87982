using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests;

public class CorpusLocationTests
{
    [Fact]
    public void SharedCorpusIsFound() => Assert.True(File.Exists(RepoPaths.CorpusFile("sip", "torture", "MANIFEST.tsv")));
}
