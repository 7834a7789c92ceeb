/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* 16 threads checking at once on shared connections give the same results as a serial run:
 * the same codes, severities and messages in the same order, for every call, with and without
 * the cache (which another thread keeps invalidating), and each thread's last error stays its
 * own. Runs for SECONDS (default 10; the soak is 60).
 *   check_threads HOSTS_DIR [SECONDS] */
#include <libvirt-migration-check.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "testutil.h"

#define THREADS 16
#define MAX_LINE 65536

static virConnectPtr src, dsts[2];
static virDomainPtr dom;
static char expected[2][MAX_LINE];
/* Set by main when time is up; atomic, or ThreadSanitizer rightly calls it a data race. */
static int stop;

/* The results of one call as one line: "severity code message|" for each, in order. */
static int render(virMigrationCheckResultPtr *results, int n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + used, size - used, "%d %s %s|", results[i]->severity, results[i]->code,
                         results[i]->message);
        if (w < 0 || (size_t)w >= size - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}

static int call(int which, unsigned int flags, char *out)
{
    virMigrationCheckResultPtr *results = NULL;
    int n = virMigrationCheck(src, dsts[which], dom, flags, &results);
    if (n < 0)
        return -1;
    int rc = render(results, n, out, MAX_LINE);
    virMigrationCheckResultListFree(results);
    return rc;
}

struct worker {
    int id;
    long calls, mismatches, failures, foreign_errors;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    static __thread char got[MAX_LINE];
    for (long i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
        int which = (int)((i + w->id) % 2);
        unsigned int flags = (i / 2) % 2 ? VIR_MIGRATION_CHECK_CACHE : 0;
        if (call(which, flags, got) != 0) {
            w->failures++;
        } else if (strcmp(got, expected[which]) != 0) {
            w->mismatches++;
        }
        /* A failing call on this thread: its error must be this call's, whatever the
         * other threads do meanwhile. */
        virMigrationCheckResultPtr *results = NULL;
        if (virMigrationCheck(src, dsts[which], dom, 1u << 30, &results) != -1 ||
            virMigrationCheckGetLastErrorCode() != VIR_MIGRATION_CHECK_ERR_INVALID_ARG ||
            !strstr(virMigrationCheckGetLastErrorMessage(), "flags"))
            w->foreign_errors++;
        w->calls++;
    }
    return NULL;
}

static void *invalidate(void *arg)
{
    (void)arg;
    struct timespec pause = {0, 2 * 1000 * 1000};
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        virMigrationCheckCacheInvalidate(NULL);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOSTS_DIR [SECONDS]\n", argv[0]);
        return 2;
    }
    int seconds = argc > 2 ? atoi(argv[2]) : 10;
    require_loaded_libvirt();
    virSetErrorFunc(NULL, quiet);
    src = open_host(argv[1], "src");
    dsts[0] = open_host(argv[1], "dst-ok");
    dsts[1] = open_host(argv[1], "dst-all-wrong");
    dom = src ? virDomainLookupByName(src, "web1") : NULL;
    if (!src || !dsts[0] || !dsts[1] || !dom) {
        fprintf(stderr, "cannot open the test-driver hosts in %s\n", argv[1]);
        return 2;
    }
    /* The serial answers, which differ between the two destinations. */
    EXPECT(call(0, 0, expected[0]) == 0 && call(1, 0, expected[1]) == 0, "serial calls failed");
    EXPECT(strcmp(expected[0], expected[1]) != 0, "the two destinations should be judged differently");
    EXPECT(strstr(expected[1], "network.missing") != NULL, "dst-all-wrong: %s", expected[1]);

    struct worker workers[THREADS];
    pthread_t threads[THREADS], invalidator;
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){.id = i};
        EXPECT(pthread_create(&threads[i], NULL, work, &workers[i]) == 0, "pthread_create");
    }
    EXPECT(pthread_create(&invalidator, NULL, invalidate, NULL) == 0, "pthread_create");
    struct timespec span = {seconds, 0};
    nanosleep(&span, NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    long calls = 0, mismatches = 0, failures = 0, foreign = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        calls += workers[i].calls;
        mismatches += workers[i].mismatches;
        failures += workers[i].failures;
        foreign += workers[i].foreign_errors;
        EXPECT(workers[i].calls > 0, "thread %d made no call", i);
    }
    pthread_join(invalidator, NULL);
    printf("check_threads: %d threads, %d s, %ld checks, %ld differed from the serial run, %ld failed, "
           "%ld saw another call's error\n", THREADS, seconds, calls, mismatches, failures, foreign);
    EXPECT(mismatches == 0 && failures == 0 && foreign == 0, "see above");

    virMigrationCheckCacheInvalidate(NULL);
    virDomainFree(dom);
    virConnectClose(dsts[1]);
    virConnectClose(dsts[0]);
    virConnectClose(src);
    return finish("check_threads");
}
