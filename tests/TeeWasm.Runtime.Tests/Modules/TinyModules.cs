using System.Text;

namespace TeeWasm.Runtime.Tests.Modules;

/// <summary>Small binary modules for the module tests.</summary>
internal static class TinyModules
{
    /// <summary><c>(module (func (export NAME)))</c> in binary form: a different NAME gives a different module.</summary>
    public static byte[] Exporting(string name)
    {
        byte[] n = Encoding.UTF8.GetBytes(name);
        return
        [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                                   // type: () -> ()
            0x03, 0x02, 0x01, 0x00,                                               // func 0 : type 0
            0x07, (byte)(n.Length + 4), 0x01, (byte)n.Length, .. n, 0x00, 0x00,   // export NAME = func 0
            0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                                   // code: empty body
        ];
    }
}
