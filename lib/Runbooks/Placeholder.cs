namespace Runbooks; internal static class Placeholder { }
