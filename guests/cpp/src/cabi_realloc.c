/* cabi_realloc.c — the allocator the TeeWasm host calls to hand results to a C/C++ guest.
 *
 * Canonical-ABI realloc semantics:
 *   old_ptr == NULL  -> allocate new_size bytes aligned to `align`
 *   new_size == 0    -> free old_ptr, return `align` (a non-null, aligned, never dereferenced pointer)
 *   otherwise        -> resize, keeping min(old_size, new_size) bytes
 * Returns NULL on failure or when `align` is not a power of two. Every block can be released with free().
 *
 * attestation.hpp already provides a weak cabi_realloc with the same semantics; this strong definition replaces it
 * (link it into a C guest, or a C++ guest that wants the allocator in its own object). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
    if (align == 0) align = 1;
    if ((align & (align - 1)) != 0) return NULL;
    if (new_size == 0) {
        free(old_ptr);
        return (void *)align;
    }
    /* malloc/realloc already align to alignof(max_align_t) (16 on wasm32). */
    if (align <= _Alignof(max_align_t)) return realloc(old_ptr, new_size);
    size_t rounded = (new_size + align - 1) & ~(align - 1);
    if (rounded < new_size) return NULL;
    void *p = aligned_alloc(align, rounded);
    if (p && old_ptr) {
        memcpy(p, old_ptr, old_size < new_size ? old_size : new_size);
        free(old_ptr);
    }
    return p;
}
