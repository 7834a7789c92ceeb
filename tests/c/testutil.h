/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tiny assertion helpers for the C tests: count what passed and failed, print the total in the
 * plain "N passed, M failed" form, and exit non-zero on any failure. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
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

/* Exits with status 2 unless the libvirt.so.0 the dynamic loader gave this process is the one
 * the run asked for: the release VMC_EXPECT_LIBVIRT_VERSION names (libvirt's number, major *
 * 1,000,000 + minor * 1,000 + micro), by default the release of the headers this program was
 * compiled against; and, when VMC_EXPECT_LIBVIRT_DIR is set, mapped from a file in that
 * directory (tests/c/run.sh sets both when it runs the programs on another release's client
 * library through LD_LIBRARY_PATH: without this a wrong path would silently test the system's
 * libvirt again). virGetVersion() answers the loaded library's own version (its
 * LIBVIR_VERSION_NUMBER), and /proc/self/maps names the file the loader mapped. */
static void require_loaded_libvirt(void)
{
    unsigned long lib = 0;
    const char *want_env = getenv("VMC_EXPECT_LIBVIRT_VERSION");
    unsigned long want = want_env && *want_env ? strtoul(want_env, NULL, 10) : LIBVIR_VERSION_NUMBER;
    const char *dir = getenv("VMC_EXPECT_LIBVIRT_DIR");
    char line[4096], path[4096] = "";
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps && fgets(line, sizeof(line), maps)) {
        char *file = strchr(line, '/');
        char *base = file ? strrchr(file, '/') + 1 : NULL;
        if (base && strncmp(base, "libvirt.so.0", strlen("libvirt.so.0")) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(path, sizeof(path), "%s", file);
            break;
        }
    }
    if (maps)
        fclose(maps);
    if (virGetVersion(&lib, NULL, NULL) != 0 || lib != want) {
        fprintf(stderr, "FAIL: libvirt %lu loaded from %s, expected %lu\n", lib, path[0] ? path : "(not mapped)", want);
        exit(2);
    }
    if (!path[0] || (dir && *dir && (strncmp(path, dir, strlen(dir)) != 0 || path[strlen(dir)] != '/'))) {
        fprintf(stderr, "FAIL: libvirt.so.0 mapped from %s, expected a file in %s\n", path[0] ? path : "(nowhere)",
                dir && *dir ? dir : "(any directory)");
        exit(2);
    }
    printf("libvirt %lu.%lu.%lu loaded from %s\n", lib / 1000000, lib / 1000 % 1000, lib % 1000, path);
}

#endif
