/* A stand-in for libcuda.so.1 on machines without an NVIDIA driver: the driver API entry points the CUDA backend
 * probes first (cuInit, cuDriverGetVersion, cuDeviceGetCount, cuGetErrorName), answering as a driver whose GPU is
 * missing. Compiled (gcc -shared -fPIC) by FakeCudaDriver with -DINIT_RESULT=<CUresult of cuInit> (100,
 * CUDA_ERROR_NO_DEVICE, when not given) and -DDEVICES=<device count once cuInit succeeds> (0 when not given). */
#ifndef INIT_RESULT
#define INIT_RESULT 100
#endif
#ifndef DEVICES
#define DEVICES 0
#endif

typedef int CUresult;

CUresult cuInit(unsigned int flags)
{
    (void)flags;
    return INIT_RESULT;
}

CUresult cuDriverGetVersion(int *version)
{
    *version = 13000;
    return 0;
}

CUresult cuDeviceGetCount(int *count)
{
    *count = DEVICES;
    return 0;
}

CUresult cuGetErrorName(CUresult error, const char **name)
{
    switch (error)
    {
    case 0: *name = "CUDA_SUCCESS"; return 0;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 999: *name = "CUDA_ERROR_UNKNOWN"; return 0;
    default: *name = 0; return 1; /* CUDA_ERROR_INVALID_VALUE: no name for it */
    }
}
