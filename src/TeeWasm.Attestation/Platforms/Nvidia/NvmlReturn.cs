namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>NVML return codes (<c>nvmlReturn_t</c> in nvml.h) and what they mean.</summary>
public static class NvmlReturn
{
    /// <summary>NVML_SUCCESS.</summary>
    public const int Success = 0;
    /// <summary>NVML_ERROR_UNINITIALIZED.</summary>
    public const int Uninitialized = 1;
    /// <summary>NVML_ERROR_INVALID_ARGUMENT.</summary>
    public const int InvalidArgument = 2;
    /// <summary>NVML_ERROR_NOT_SUPPORTED.</summary>
    public const int NotSupported = 3;
    /// <summary>NVML_ERROR_NO_PERMISSION.</summary>
    public const int NoPermission = 4;
    /// <summary>NVML_ERROR_NOT_FOUND.</summary>
    public const int NotFound = 6;
    /// <summary>NVML_ERROR_INSUFFICIENT_SIZE.</summary>
    public const int InsufficientSize = 7;
    /// <summary>NVML_ERROR_DRIVER_NOT_LOADED.</summary>
    public const int DriverNotLoaded = 9;
    /// <summary>NVML_ERROR_FUNCTION_NOT_FOUND.</summary>
    public const int FunctionNotFound = 13;
    /// <summary>NVML_ERROR_GPU_IS_LOST.</summary>
    public const int GpuIsLost = 15;
    /// <summary>NVML_ERROR_LIB_RM_VERSION_MISMATCH.</summary>
    public const int LibRmVersionMismatch = 18;
    /// <summary>NVML_ERROR_ARGUMENT_VERSION_MISMATCH.</summary>
    public const int ArgumentVersionMismatch = 25;

    /// <summary>"NVML_ERROR_NO_PERMISSION (4): the caller lacks permission…" for a return code.</summary>
    public static string Describe(int code) => code switch
    {
        0 => "NVML_SUCCESS (0)",
        1 => "NVML_ERROR_UNINITIALIZED (1): NVML was not initialised",
        2 => "NVML_ERROR_INVALID_ARGUMENT (2): a supplied argument is invalid",
        3 => "NVML_ERROR_NOT_SUPPORTED (3): the device or driver does not support this (confidential computing off, or a GPU without CC)",
        4 => "NVML_ERROR_NO_PERMISSION (4): the caller lacks permission (run as root or grant access to /dev/nvidia*)",
        5 => "NVML_ERROR_ALREADY_INITIALIZED (5)",
        6 => "NVML_ERROR_NOT_FOUND (6): the requested object was not found",
        7 => "NVML_ERROR_INSUFFICIENT_SIZE (7): a buffer is too small",
        8 => "NVML_ERROR_INSUFFICIENT_POWER (8): a power cable is not attached",
        9 => "NVML_ERROR_DRIVER_NOT_LOADED (9): the NVIDIA kernel driver is not loaded",
        10 => "NVML_ERROR_TIMEOUT (10): the operation timed out",
        11 => "NVML_ERROR_IRQ_ISSUE (11): the kernel driver reported an interrupt problem",
        12 => "NVML_ERROR_LIBRARY_NOT_FOUND (12): a shared library NVML needs was not found",
        13 => "NVML_ERROR_FUNCTION_NOT_FOUND (13): the driver lacks this function (too old)",
        14 => "NVML_ERROR_CORRUPTED_INFOROM (14): the infoROM is corrupted",
        15 => "NVML_ERROR_GPU_IS_LOST (15): the GPU fell off the bus or is otherwise inaccessible",
        16 => "NVML_ERROR_RESET_REQUIRED (16): the GPU needs a reset",
        17 => "NVML_ERROR_OPERATING_SYSTEM (17): the operating system blocked the call",
        18 => "NVML_ERROR_LIB_RM_VERSION_MISMATCH (18): libnvidia-ml and the kernel driver versions differ",
        19 => "NVML_ERROR_IN_USE (19): the GPU is in use",
        20 => "NVML_ERROR_MEMORY (20): out of memory",
        21 => "NVML_ERROR_NO_DATA (21): no data",
        23 => "NVML_ERROR_INSUFFICIENT_RESOURCES (23): not enough resources",
        25 => "NVML_ERROR_ARGUMENT_VERSION_MISMATCH (25): the struct version is not supported",
        26 => "NVML_ERROR_DEPRECATED (26): the call is deprecated",
        27 => "NVML_ERROR_NOT_READY (27): the system is not ready (CC GPUs not yet accepting work)",
        28 => "NVML_ERROR_GPU_NOT_FOUND (28): no GPU found",
        29 => "NVML_ERROR_INVALID_STATE (29): invalid state",
        999 => "NVML_ERROR_UNKNOWN (999): an unknown internal error",
        _ => $"NVML error {code}",
    };
}
