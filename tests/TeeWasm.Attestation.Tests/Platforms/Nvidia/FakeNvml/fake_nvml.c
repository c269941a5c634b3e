/*
 * A fake libnvidia-ml for TeeWasm's tests: the NVML entry points GPU attestation uses, with nvml.h's exact struct
 * layouts, serving evidence from files. Everything is read from the environment at each call, so one loaded copy
 * serves every test:
 *   FAKE_NVML_GPUS=N              number of GPUs (default 1)
 *   FAKE_NVML_REPORT=path         attestation report (hex text or binary); FAKE_NVML_REPORT_<i> overrides for GPU i
 *   FAKE_NVML_CERTS=path          PEM certificate chain;                   FAKE_NVML_CERTS_<i> overrides for GPU i
 *   FAKE_NVML_DRIVER=version      driver version (default 550.90.07)
 *   FAKE_NVML_DEVTOOLS=1          report CC devtools mode
 *   FAKE_NVML_NONCE_OUT=path      write the nonce the caller passed (hex) to this file
 *   FAKE_NVML_FAIL=init|count|handle|cc_state|cc_off|report|cert   fail that way (FAKE_NVML_FAIL_CODE overrides the code)
 * Build: gcc -shared -fPIC -o libnvidia-ml-fake.so fake_nvml.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_NOT_FOUND 6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_GPU_IS_LOST 15
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18
#define NVML_ERROR_ARGUMENT_VERSION_MISMATCH 25

typedef struct nvmlConfComputeSystemState_st {
    unsigned int environment;
    unsigned int ccFeature;
    unsigned int devToolsMode;
} nvmlConfComputeSystemState_t;

typedef struct {
    unsigned int version;
    unsigned int environment;
    unsigned int ccFeature;
    unsigned int devToolsMode;
    unsigned int multiGpuMode;
} nvmlSystemConfComputeSettings_v1_t;

typedef struct nvmlConfComputeGpuCertificate_st {
    unsigned int certChainSize;
    unsigned int attestationCertChainSize;
    unsigned char certChain[0x1000];
    unsigned char attestationCertChain[0x1400];
} nvmlConfComputeGpuCertificate_t;

typedef struct nvmlConfComputeGpuAttestationReport_st {
    unsigned int isCecAttestationReportPresent;
    unsigned int attestationReportSize;
    unsigned int cecAttestationReportSize;
    unsigned char nonce[0x20];
    unsigned char attestationReport[0x2000];
    unsigned char cecAttestationReport[0x1000];
} nvmlConfComputeGpuAttestationReport_t;

static int initialized;

static int failing(const char *what, int default_code)
{
    const char *fail = getenv("FAKE_NVML_FAIL");
    if (fail == NULL || strcmp(fail, what) != 0) return NVML_SUCCESS;
    const char *code = getenv("FAKE_NVML_FAIL_CODE");
    return code != NULL ? atoi(code) : default_code;
}

static unsigned int gpu_count(void)
{
    const char *n = getenv("FAKE_NVML_GPUS");
    return n != NULL ? (unsigned int)atoi(n) : 1u;
}

static int device_index(nvmlDevice_t device)
{
    long i = (long)(size_t)device - 0x1000;
    return (i >= 0 && (unsigned long)i < gpu_count()) ? (int)i : -1;
}

static const char *per_gpu_path(const char *base, int index)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%d", base, index);
    const char *specific = getenv(name);
    return specific != NULL ? specific : getenv(base);
}

/* Reads a whole file; returns its length or -1. */
static long read_file(const char *path, unsigned char *out, long max)
{
    if (path == NULL) return -1;
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    long n = (long)fread(out, 1, (size_t)max, f);
    fclose(f);
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decodes hex text (whitespace ignored) in place when the buffer is all hex; returns the new length. */
static long maybe_unhex(unsigned char *buf, long n)
{
    long digits = 0;
    for (long i = 0; i < n; i++) {
        if (isspace(buf[i])) continue;
        if (hexval(buf[i]) < 0) return n;
        digits++;
    }
    if (digits % 2 != 0) return n;
    long o = 0;
    int high = -1;
    for (long i = 0; i < n; i++) {
        if (isspace(buf[i])) continue;
        int v = hexval(buf[i]);
        if (high < 0) high = v;
        else { buf[o++] = (unsigned char)(high << 4 | v); high = -1; }
    }
    return o;
}

static nvmlReturn_t copy_string(const char *s, char *out, unsigned int length)
{
    if (out == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(s) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(out, s);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void)
{
    int rc = failing("init", NVML_ERROR_LIB_RM_VERSION_MISMATCH);
    if (rc == NVML_SUCCESS) initialized++;
    return rc;
}

nvmlReturn_t nvmlShutdown(void)
{
    if (initialized == 0) return NVML_ERROR_UNINITIALIZED;
    initialized--;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    const char *v = getenv("FAKE_NVML_DRIVER");
    return copy_string(v != NULL ? v : "550.90.07", version, length);
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    int rc = failing("count", NVML_ERROR_GPU_IS_LOST);
    if (rc != NVML_SUCCESS) return rc;
    *count = gpu_count();
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    int rc = failing("handle", NVML_ERROR_GPU_IS_LOST);
    if (rc != NVML_SUCCESS) return rc;
    if (index >= gpu_count()) return NVML_ERROR_INVALID_ARGUMENT;
    *device = (nvmlDevice_t)(size_t)(0x1000 + index);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    if (device_index(device) < 0) return NVML_ERROR_INVALID_ARGUMENT;
    return copy_string("NVIDIA H100 80GB HBM3", name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    int i = device_index(device);
    if (i < 0) return NVML_ERROR_INVALID_ARGUMENT;
    char s[64];
    snprintf(s, sizeof s, "GPU-fa4e0000-0000-4000-8000-%012d", i);
    return copy_string(s, uuid, length);
}

nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length)
{
    if (device_index(device) < 0) return NVML_ERROR_INVALID_ARGUMENT;
    return copy_string("96.00.9F.00.01", version, length);
}

nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    int rc = failing("cc_state", NVML_ERROR_NOT_SUPPORTED);
    if (rc != NVML_SUCCESS) return rc;
    const char *fail = getenv("FAKE_NVML_FAIL");
    int off = fail != NULL && strcmp(fail, "cc_off") == 0;
    const char *devtools = getenv("FAKE_NVML_DEVTOOLS");
    state->environment = off ? 0 : 2;
    state->ccFeature = off ? 0 : 1;
    state->devToolsMode = devtools != NULL && strcmp(devtools, "1") == 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetConfComputeSettings(nvmlSystemConfComputeSettings_v1_t *settings)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    if (settings->version != (sizeof(nvmlSystemConfComputeSettings_v1_t) | (1u << 24))) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    nvmlConfComputeSystemState_t state;
    int rc = nvmlSystemGetConfComputeState(&state);
    if (rc != NVML_SUCCESS) return rc;
    settings->environment = state.environment;
    settings->ccFeature = state.ccFeature;
    settings->devToolsMode = state.devToolsMode;
    settings->multiGpuMode = gpu_count() > 1;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(nvmlDevice_t device, nvmlConfComputeGpuAttestationReport_t *report)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    int i = device_index(device);
    if (i < 0 || report == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    const char *fail = getenv("FAKE_NVML_FAIL");
    if (fail != NULL && strcmp(fail, "cc_off") == 0) return NVML_ERROR_NOT_SUPPORTED;
    int rc = failing("report", NVML_ERROR_NO_PERMISSION);
    if (rc != NVML_SUCCESS) return rc;
    const char *nonce_out = getenv("FAKE_NVML_NONCE_OUT");
    if (nonce_out != NULL) {
        FILE *f = fopen(nonce_out, "w");
        if (f != NULL) {
            for (int k = 0; k < 0x20; k++) fprintf(f, "%02x", report->nonce[k]);
            fclose(f);
        }
    }
    static unsigned char buffer[0x4000 * 2 + 64];
    long n = read_file(per_gpu_path("FAKE_NVML_REPORT", i), buffer, sizeof buffer);
    if (n < 0) return NVML_ERROR_NOT_FOUND;
    n = maybe_unhex(buffer, n);
    if (n > (long)sizeof report->attestationReport) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(report->attestationReport, buffer, (size_t)n);
    report->attestationReportSize = (unsigned int)n;
    report->isCecAttestationReportPresent = 0;
    report->cecAttestationReportSize = 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(nvmlDevice_t device, nvmlConfComputeGpuCertificate_t *cert)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    int i = device_index(device);
    if (i < 0 || cert == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    const char *fail = getenv("FAKE_NVML_FAIL");
    if (fail != NULL && strcmp(fail, "cc_off") == 0) return NVML_ERROR_NOT_SUPPORTED;
    int rc = failing("cert", NVML_ERROR_NOT_FOUND);
    if (rc != NVML_SUCCESS) return rc;
    long n = read_file(per_gpu_path("FAKE_NVML_CERTS", i), cert->attestationCertChain, sizeof cert->attestationCertChain);
    if (n < 0) return NVML_ERROR_NOT_FOUND;
    cert->attestationCertChainSize = (unsigned int)n;
    cert->certChainSize = 0;
    return NVML_SUCCESS;
}
