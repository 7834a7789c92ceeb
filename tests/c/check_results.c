/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virMigrationCheck() from C on libvirt's test driver: results, their order and typed
 * parameters, the version macro, and reference counts left as they were.
 * Usage: check_results HOSTS_DIR (tests/data/hosts) */
#include <libvirt-migration-check.h>
#include <libvirt/virterror.h>
#include <stdlib.h>

#include "check_table.h"
#include "testutil.h"

static int rank(int severity)
{
    switch (severity) {
    case VIR_MIGRATION_CHECK_SEVERITY_ERROR: return 0;
    case VIR_MIGRATION_CHECK_SEVERITY_WARNING: return 1;
    case VIR_MIGRATION_CHECK_SEVERITY_SKIPPED: return 2;
    case VIR_MIGRATION_CHECK_SEVERITY_INFO: return 3;
    default: return 4;
    }
}

static virMigrationCheckResultPtr find(virMigrationCheckResultPtr *results, const char *code)
{
    for (size_t i = 0; results && results[i]; i++)
        if (strcmp(results[i]->code, code) == 0)
            return results[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOSTS_DIR\n", argv[0]);
        return 2;
    }
    require_loaded_libvirt();
    virSetErrorFunc(NULL, quiet);

    unsigned long version = 0;
    EXPECT(virMigrationCheckGetVersion(&version) == 0, "GetVersion failed");
    EXPECT(version == LIBVIR_MIGRATION_CHECK_VERSION_NUMBER, "runtime %lu, header %lu", version,
           (unsigned long)LIBVIR_MIGRATION_CHECK_VERSION_NUMBER);

    unsigned int supported = 0;
    EXPECT(virMigrationCheckGetSupported(&supported) == 0, "GetSupported failed");
    unsigned int foundation = VIR_MIGRATION_CHECK_HYPERVISOR | VIR_MIGRATION_CHECK_ARCH |
        VIR_MIGRATION_CHECK_CPU_COUNT | VIR_MIGRATION_CHECK_MEMORY | VIR_MIGRATION_CHECK_NETWORK |
        VIR_MIGRATION_CHECK_DISK | VIR_MIGRATION_CHECK_HOST;
    EXPECT((supported & foundation) == foundation, "supported 0x%x", supported);
    EXPECT((supported & ~TEST_EVERY_CHECK) == 0, "modifier or reserved bit in supported 0x%x", supported);

    virConnectPtr src = open_host(argv[1], "src");
    virConnectPtr ok = open_host(argv[1], "dst-ok");
    virConnectPtr bad = open_host(argv[1], "dst-all-wrong");
    if (!src || !ok || !bad) {
        fprintf(stderr, "cannot open the test-driver hosts in %s\n", argv[1]);
        return 2;
    }
    virDomainPtr dom = virDomainLookupByName(src, "web1");
    EXPECT(dom != NULL, "web1 not found");

    /* A destination where web1 fits: one OK result per supported check. */
    virMigrationCheckResultPtr *results = NULL;
    int n = virMigrationCheck(src, ok, dom, 0, &results);
    EXPECT(n == __builtin_popcount(supported), "%d results for %d checks", n, __builtin_popcount(supported));
    EXPECT(results != NULL && results[n] == NULL, "list not NULL-terminated");
    unsigned int seen = 0;
    for (int i = 0; i < n; i++) {
        /* No domain capabilities (libvirt refuses them on these read-only connections, and
         * the test driver has none before libvirt 9.8) and no known NIC models of the test
         * hypervisor: those two checks are SKIPPED, saying why, on 9.0 and 11.3 alike; every
         * other one is OK. */
        unsigned int skippable = VIR_MIGRATION_CHECK_NETWORK_MODEL | VIR_MIGRATION_CHECK_DISK_MODEL;
        if (results[i]->check & skippable) {
            EXPECT(results[i]->severity == VIR_MIGRATION_CHECK_SEVERITY_SKIPPED && strlen(results[i]->message) > 0,
                   "%s", results[i]->message);
        } else {
            EXPECT(results[i]->severity == VIR_MIGRATION_CHECK_SEVERITY_OK, "%s", results[i]->message);
            EXPECT(strstr(results[i]->code, ".ok") != NULL, "code %s", results[i]->code);
        }
        EXPECT(__builtin_popcount(results[i]->check) == 1, "check 0x%x", results[i]->check);
        seen |= results[i]->check;
    }
    EXPECT(seen == supported, "checks seen 0x%x", seen);
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_NONE, "error after success");
    virMigrationCheckResultListFree(results);

    /* A destination wrong in every way: every problem, most severe first, with details. */
    results = NULL;
    n = virMigrationCheck(src, bad, dom, 0, &results);
    EXPECT(n >= 8, "only %d results", n);
    for (int i = 1; i < n; i++)
        EXPECT(rank(results[i - 1]->severity) <= rank(results[i]->severity), "order at %d", i);
    const char *errors[] = {"network.missing", "network.bridge-missing", "memory.insufficient",
                            "disk.volume-missing", "disk.different-storage", "host.name-clash",
                            "host.uuid-clash"};
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        virMigrationCheckResultPtr r = find(results, errors[i]);
        EXPECT(r && r->severity == VIR_MIGRATION_CHECK_SEVERITY_ERROR, "%s missing", errors[i]);
        EXPECT(r && r->message && r->hint, "%s lacks message or hint", errors[i]);
    }
    virMigrationCheckResultPtr net = find(results, "network.missing");
    if (net) {
        EXPECT(net->check == VIR_MIGRATION_CHECK_NETWORK, "check 0x%x", net->check);
        EXPECT(strstr(net->message, "'prod'") != NULL, "%s", net->message);
        const char *name = NULL;
        EXPECT(virTypedParamsGetString(net->params, net->nparams, "network", &name) == 1, "no network param");
        EXPECT(name && strcmp(name, "prod") == 0, "network param %s", name ? name : "(null)");
    }
    virMigrationCheckResultPtr mem = find(results, "memory.insufficient");
    if (mem) {
        unsigned long long needed = 0, available = 0;
        EXPECT(virTypedParamsGetULLong(mem->params, mem->nparams, "needed_kib", &needed) == 1, "no needed_kib");
        EXPECT(virTypedParamsGetULLong(mem->params, mem->nparams, "available_kib", &available) == 1, "no available_kib");
        EXPECT(needed == 2097152ULL && available == 524288ULL, "needed %llu available %llu", needed, available);
    }
    virMigrationCheckResultPtr cpus = find(results, "cpu_count.vcpus-exceed-pcpus");
    EXPECT(cpus && cpus->severity == VIR_MIGRATION_CHECK_SEVERITY_WARNING, "cpu_count warning missing");
    virMigrationCheckResultListFree(results);

    /* STRICT promotes that warning. */
    results = NULL;
    n = virMigrationCheck(src, bad, dom, VIR_MIGRATION_CHECK_CPU_COUNT | VIR_MIGRATION_CHECK_STRICT, &results);
    EXPECT(n == 1 && results[0]->severity == VIR_MIGRATION_CHECK_SEVERITY_ERROR, "strict: n=%d", n);
    virMigrationCheckResultListFree(results);

    /* Snapshots, and the same check offline from them: the same results. */
    char *src_snapshot = NULL, *dst_snapshot = NULL;
    EXPECT(virMigrationHostSnapshot(src, 0, &src_snapshot) == 0, "snapshot: %s", virMigrationCheckGetLastErrorMessage());
    EXPECT(virMigrationHostSnapshot(bad, 0, &dst_snapshot) == 0, "snapshot: %s", virMigrationCheckGetLastErrorMessage());
    EXPECT(src_snapshot && strstr(src_snapshot, "<hostSnapshot version='1'>") == src_snapshot, "snapshot root");
    char *domain_xml = virDomainGetXMLDesc(dom, 0);
    virMigrationCheckResultPtr *live = NULL, *offline = NULL;
    int nlive = virMigrationCheck(src, bad, dom, 0, &live);
    int noffline = virMigrationCheckXML(domain_xml, src_snapshot, dst_snapshot, 0, &offline);
    EXPECT(nlive > 0 && nlive == noffline, "live %d, offline %d", nlive, noffline);
    for (int i = 0; i < nlive && i < noffline; i++) {
        EXPECT(strcmp(live[i]->code, offline[i]->code) == 0, "%s vs %s", live[i]->code, offline[i]->code);
        EXPECT(strcmp(live[i]->message, offline[i]->message) == 0, "%s", live[i]->message);
    }
    virMigrationCheckResultListFree(live);
    virMigrationCheckResultListFree(offline);
    /* Without a source snapshot, the checks that need the source say so. */
    offline = NULL;
    noffline = virMigrationCheckXML(domain_xml, NULL, dst_snapshot, VIR_MIGRATION_CHECK_HYPERVISOR, &offline);
    EXPECT(noffline == 1 && offline[0]->severity == VIR_MIGRATION_CHECK_SEVERITY_SKIPPED, "no source: %d", noffline);
    virMigrationCheckResultListFree(offline);
    free(domain_xml);
    free(src_snapshot);
    free(dst_snapshot);

    /* Typed parameters: a 15 GiB headroom makes dst-ok's 10 GiB left a warning. */
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    EXPECT(virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM,
                                   15ULL * 1024 * 1024) == 0, "add param");
    results = NULL;
    n = virMigrationCheckParams(src, ok, dom, params, nparams, VIR_MIGRATION_CHECK_MEMORY, &results);
    EXPECT(n == 1 && strcmp(results[0]->code, "memory.low-headroom") == 0, "headroom param: %d %s", n,
           n > 0 ? results[0]->code : virMigrationCheckGetLastErrorMessage());
    virMigrationCheckResultListFree(results);
    results = NULL;
    n = virMigrationCheckParams(src, ok, dom, NULL, 0, VIR_MIGRATION_CHECK_MEMORY, &results);
    EXPECT(n == 1 && strcmp(results[0]->code, "memory.ok") == 0, "no params");
    virMigrationCheckResultListFree(results);
    virTypedParamsFree(params, nparams);

    /* The lowest common denominator, from connections and from snapshots, and a guest
     * rewritten to it. */
    virConnectPtr fleet[] = {src, ok, bad};
    char *baseline = NULL, *baseline2 = NULL, *applied = NULL;
    EXPECT(virMigrationBaseline(fleet, 3, 0, &baseline) == 0, "baseline: %s", virMigrationCheckGetLastErrorMessage());
    EXPECT(baseline && strstr(baseline, "<migrationBaseline version='1'>") && strstr(baseline, "<vcpus>1</vcpus>"),
           "baseline document: %s", baseline ? baseline : "(null)");
    char *snaps[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        EXPECT(virMigrationHostSnapshot(fleet[i], 0, &snaps[i]) == 0, "snapshot %d", i);
    EXPECT(virMigrationBaselineXML((const char **)snaps, 3, 0, &baseline2) == 0, "baseline from snapshots");
    EXPECT(baseline2 && strstr(baseline2, "<vcpus>1</vcpus>"), "baseline from snapshots: %s", baseline2 ? baseline2 : "(null)");
    char *web1_xml = virDomainGetXMLDesc(dom, 0);
    EXPECT(virMigrationBaselineApply(web1_xml, baseline, 0, &applied) == 0, "apply: %s", virMigrationCheckGetLastErrorMessage());
    EXPECT(applied && strstr(applied, "<name>web1</name>"), "applied domain");
    /* For a chosen virt type: the test driver offers "test" only, for i686; KVM is refused,
     * naming the hosts; a baseline for an emulator says so. */
    char *chosen = NULL;
    EXPECT(virMigrationBaselineFor(fleet, 3, NULL, "i686", NULL, "test", 0, &chosen) == 0, "baseline for test: %s",
           virMigrationCheckGetLastErrorMessage());
    EXPECT(chosen && strstr(chosen, "<virtType>test</virtType>"), "names its virt type: %s", chosen ? chosen : "(null)");
    free(chosen);
    chosen = (char *)1;
    EXPECT(virMigrationBaselineXMLFor((const char **)snaps, 3, NULL, NULL, NULL, "kvm", 0, &chosen) == -1 && chosen == NULL,
           "baseline for kvm");
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "baseline for kvm code");
    EXPECT(strstr(virMigrationCheckGetLastErrorMessage(), "virt type 'kvm' for arch 'i686' is not offered by host") != NULL,
           "names the hosts: %s", virMigrationCheckGetLastErrorMessage());
    chosen = NULL;
    EXPECT(virMigrationBaselineXMLFor((const char **)snaps, 3, "/usr/bin/other", NULL, NULL, NULL, 0, &chosen) == 0,
           "baseline for an emulator");
    EXPECT(chosen && strstr(chosen, "<emulator>/usr/bin/other</emulator>"), "names its emulator");
    /* web1 names no emulator of its own: it gets the baseline's hosts' default. */
    free(applied);
    applied = NULL;
    EXPECT(virMigrationBaselineApply(web1_xml, chosen, 0, &applied) == 0, "apply for an emulator: %s",
           virMigrationCheckGetLastErrorMessage());
    free(chosen);
    free(web1_xml);
    free(applied);
    free(baseline);
    free(baseline2);
    for (int i = 0; i < 3; i++)
        free(snaps[i]);

    /* A fleet in one call: web1 against both destinations. */
    virMigrationCheckMatrixPtr matrix = NULL;
    virDomainPtr doms[] = {dom};
    virConnectPtr dests[] = {ok, bad};
    int ncells = virMigrationCheckMatrix(src, doms, 1, dests, 2, 0, &matrix);
    EXPECT(ncells == 2 && matrix && matrix->ndoms == 1 && matrix->ndconns == 2, "matrix: %d %s", ncells,
           virMigrationCheckGetLastErrorMessage() ? virMigrationCheckGetLastErrorMessage() : "");
    if (matrix) {
        /* WARNING, not OK: the test driver cannot answer network_model and disk_model (SKIPPED). */
        EXPECT(matrix->cells[0].verdict == VIR_MIGRATION_CHECK_SEVERITY_WARNING, "web1 on dst-ok: %d", matrix->cells[0].verdict);
        EXPECT(matrix->cells[1].verdict == VIR_MIGRATION_CHECK_SEVERITY_ERROR, "web1 on dst-all-wrong: %d", matrix->cells[1].verdict);
        EXPECT(find(matrix->cells[1].results, "network.missing") != NULL, "matrix cell lacks network.missing");
        EXPECT(matrix->cells[1].error == NULL && matrix->cells[1].nresults > 0, "matrix cell");
        EXPECT(matrix->cells[0].error_code == VIR_MIGRATION_CHECK_ERR_NONE &&
               matrix->cells[1].error_code == VIR_MIGRATION_CHECK_ERR_NONE, "checked cells carry no error code");
    }
    virMigrationCheckMatrixFree(matrix);
    virMigrationCheckMatrixFree(NULL);

    /* A cell whose only non-OK results are SKIPPED (checks that could not run: no domain
     * capabilities on a read-only connection, no NIC model table) is WARNING, never OK; under
     * STRICT it is ERROR while each result stays SKIPPED. */
    for (int strict = 0; strict < 2; strict++) {
        unsigned int models = VIR_MIGRATION_CHECK_DISK_MODEL | VIR_MIGRATION_CHECK_NETWORK_MODEL | VIR_MIGRATION_CHECK_HOST;
        matrix = NULL;
        ncells = virMigrationCheckMatrix(src, doms, 1, dests, 1, models | (strict ? VIR_MIGRATION_CHECK_STRICT : 0), &matrix);
        EXPECT(ncells == 1 && matrix, "skipped matrix: %d", ncells);
        if (matrix) {
            virMigrationCheckMatrixCell *cell = &matrix->cells[0];
            int skipped = 0;
            for (int i = 0; i < cell->nresults; i++) {
                int severity = cell->results[i]->severity;
                EXPECT(severity == VIR_MIGRATION_CHECK_SEVERITY_SKIPPED || severity == VIR_MIGRATION_CHECK_SEVERITY_OK,
                       "skipped matrix result %d: %d", i, severity);
                skipped += severity == VIR_MIGRATION_CHECK_SEVERITY_SKIPPED;
            }
            EXPECT(cell->nresults == 3 && skipped == 2, "skipped matrix: %d results, %d skipped", cell->nresults, skipped);
            int expected = strict ? VIR_MIGRATION_CHECK_SEVERITY_ERROR : VIR_MIGRATION_CHECK_SEVERITY_WARNING;
            EXPECT(cell->verdict == expected, "skipped matrix (strict %d): verdict %d", strict, cell->verdict);
        }
        virMigrationCheckMatrixFree(matrix);
    }

    /* Cached host facts: the same answers, warm. */
    for (int round = 0; round < 2; round++) {
        results = NULL;
        n = virMigrationCheck(src, bad, dom, VIR_MIGRATION_CHECK_CACHE, &results);
        EXPECT(n >= 8 && find(results, "network.missing") && find(results, "disk.different-storage"), "cached round %d: %d", round, n);
        virMigrationCheckResultListFree(results);
    }
    virMigrationCheckCacheInvalidate(bad);
    virMigrationCheckCacheInvalidate(NULL);

    /* Many calls: nothing accumulates (valgrind checks the leaks). */
    for (int i = 0; i < 200; i++) {
        results = NULL;
        n = virMigrationCheck(src, bad, dom, 0, &results);
        if (n < 0) {
            EXPECT(n >= 0, "call %d failed: %s", i, virMigrationCheckGetLastErrorMessage());
            break;
        }
        virMigrationCheckResultListFree(results);
    }

    /* The handles were borrowed: ours are the last references. */
    EXPECT(virDomainFree(dom) == 0, "virDomainFree");
    EXPECT(virConnectClose(bad) == 0, "dst-all-wrong still referenced");
    EXPECT(virConnectClose(ok) == 0, "dst-ok still referenced");
    EXPECT(virConnectClose(src) == 0, "src still referenced");
    return finish("check_results");
}
