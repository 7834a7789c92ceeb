/* Tiny assertion helpers for the C tests: count what passed and failed, print the total in the
 * plain "N passed, M failed" form, and exit non-zero on any failure. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdio.h>
#include <string.h>

static int passed, failed;

#define EXPECT(cond, ...)                                                   \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static int finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

/* libvirt prints every error to stderr unless told otherwise; this program owns that global
 * state (the library never touches it). */
static void quiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static virConnectPtr open_host(const char *dir, const char *name)
{
    char uri[4096];
    snprintf(uri, sizeof(uri), "test://%s/%s.xml", dir, name);
    return virConnectOpenReadOnly(uri);
}

#endif
