/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory stays flat over 100,000 calls from C: live checks on libvirt's test driver, host
 * snapshots, and checks from snapshots, each result freed as documented. valgrind proves the
 * absence of leaks on short runs (check_results, check_bad_input); this proves that nothing
 * grows over a long one (a cache, an error string, a per-thread buffer).
 *   check_memory HOSTS_DIR [CALLS] */
#include <libvirt-migration-check.h>
#include <libvirt/virterror.h>
#include <stdlib.h>

#include "testutil.h"

/* Resident set size in KiB, from /proc/self/status. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    if (f)
        fclose(f);
    return kib;
}

/* One round: a live check, a snapshot of the destination, a check from snapshots, and a bad
 * call that sets the thread's error. Returns the number of results seen, or -1. */
static int round_trip(virConnectPtr src, virConnectPtr dst, virDomainPtr dom, const char *domain_xml,
                      const char *src_snapshot)
{
    virMigrationCheckResultPtr *results = NULL;
    int n = virMigrationCheck(src, dst, dom, 0, &results);
    if (n < 0)
        return -1;
    virMigrationCheckResultListFree(results);

    char *dst_snapshot = NULL;
    if (virMigrationHostSnapshot(dst, 0, &dst_snapshot) != 0)
        return -1;
    int m = virMigrationCheckXML(domain_xml, src_snapshot, dst_snapshot, 0, &results);
    free(dst_snapshot);
    if (m < 0)
        return -1;
    virMigrationCheckResultListFree(results);

    if (virMigrationCheck(NULL, dst, dom, 0, &results) != -1 || results != NULL)
        return -1;
    return n + m;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOSTS_DIR [CALLS]\n", argv[0]);
        return 2;
    }
    long calls = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    require_loaded_libvirt();
    virSetErrorFunc(NULL, quiet);
    virConnectPtr src = open_host(argv[1], "src");
    virConnectPtr dst = open_host(argv[1], "dst-all-wrong");
    virDomainPtr dom = src ? virDomainLookupByName(src, "web1") : NULL;
    if (!src || !dst || !dom) {
        fprintf(stderr, "cannot open the test-driver hosts in %s\n", argv[1]);
        return 2;
    }
    char *domain_xml = virDomainGetXMLDesc(dom, 0);
    char *src_snapshot = NULL;
    EXPECT(domain_xml && virMigrationHostSnapshot(src, 0, &src_snapshot) == 0, "setup failed");

    /* Each round makes 4 calls; the first tenth warms up allocator pools and lazy statics. */
    long rounds = calls / 4, warmup = rounds / 10, bad = 0;
    long warm_kib = 0;
    for (long i = 0; i < rounds; i++) {
        if (i == warmup)
            warm_kib = rss_kib();
        if (round_trip(src, dst, dom, domain_xml, src_snapshot) <= 0)
            bad++;
    }
    long end_kib = rss_kib();
    printf("check_memory: %ld calls, RSS %ld KiB after warm-up, %ld KiB at the end (%+ld KiB)\n", rounds * 4,
           warm_kib, end_kib, end_kib - warm_kib);
    EXPECT(bad == 0, "%ld rounds failed", bad);
    EXPECT(warm_kib > 0 && end_kib - warm_kib < 2048, "RSS grew by %ld KiB", end_kib - warm_kib);

    free(src_snapshot);
    free(domain_xml);
    virDomainFree(dom);
    virConnectClose(dst);
    virConnectClose(src);
    return finish("check_memory");
}
