/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The entry points a recent LLVM's ThreadSanitizer instrumentation calls for memory copies in
 * the Rust library (built with nightly -Zsanitizer=thread), which GCC 12's older libtsan does not
 * export: forwarded to memcpy, memmove and memset, which libtsan intercepts, so the copies' reads
 * and writes are still checked. Linked only into the ThreadSanitizer build of the tests. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
