namespace Microsoft.DotNet.Interactive; internal static class Placeholder { }
