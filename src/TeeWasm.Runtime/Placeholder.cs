namespace TeeWasm.Runtime; internal static class Placeholder { }
