/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every bad input to the C API: -1 with a clear error code and message, *results NULL, no
 * crash, no leak, reference counts unchanged.
 * Usage: check_bad_input HOSTS_DIR DAEMON_DIR DAEMON_PID
 * (a libvirtd from tests/libvirtd-session.sh, which this test kills to close a connection) */
#define _POSIX_C_SOURCE 200809L
#include <libvirt-migration-check.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>

#include "check_table.h"
#include "testutil.h"

/* Waits until a killed process is dead: gone, or a zombie (its sockets closed). */
static void wait_dead(const char *pid)
{
    char path[64], stat[512];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    for (int i = 0; i < 2000; i++) {
        FILE *f = fopen(path, "r");
        if (!f)
            return;
        size_t n = fread(stat, 1, sizeof(stat) - 1, f);
        fclose(f);
        stat[n] = '\0';
        char *end = strrchr(stat, ')');
        if (end && end[1] == ' ' && end[2] == 'Z')
            return;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void expect_failure(const char *what, int rc, virMigrationCheckResultPtr *results,
                           int code, const char *needle)
{
    const char *msg = virMigrationCheckGetLastErrorMessage();
    EXPECT(rc == -1, "%s: returned %d", what, rc);
    EXPECT(results == NULL, "%s: *results not NULL", what);
    EXPECT(virMigrationCheckGetLastErrorCode() == code, "%s: error code %d, expected %d", what,
           virMigrationCheckGetLastErrorCode(), code);
    EXPECT(msg && strstr(msg, needle), "%s: message '%s' lacks '%s'", what, msg ? msg : "(null)", needle);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOSTS_DIR DAEMON_DIR DAEMON_PID\n", argv[0]);
        return 2;
    }
    require_loaded_libvirt();
    virSetErrorFunc(NULL, quiet);
    /* As libvirt asks of every client program: a dead peer must be EPIPE, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    virConnectPtr src = open_host(argv[1], "src");
    virConnectPtr dst = open_host(argv[1], "dst-ok");
    virConnectPtr other = open_host(argv[1], "src");
    if (!src || !dst || !other) {
        fprintf(stderr, "cannot open the test-driver hosts in %s\n", argv[1]);
        return 2;
    }
    virDomainPtr dom = virDomainLookupByName(src, "web1");
    virDomainPtr foreign = virDomainLookupByName(other, "web1");
    virMigrationCheckResultPtr *results;
    int rc;

#define TRY(call) (results = (virMigrationCheckResultPtr *)1, rc = (call))
    TRY(virMigrationCheck(NULL, dst, dom, 0, &results));
    expect_failure("NULL conn", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "conn is NULL");
    TRY(virMigrationCheck(src, NULL, dom, 0, &results));
    expect_failure("NULL dconn", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "dconn is NULL");
    TRY(virMigrationCheck(src, dst, NULL, 0, &results));
    expect_failure("NULL dom", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "dom is NULL");
    rc = virMigrationCheck(src, dst, dom, 0, NULL);
    EXPECT(rc == -1 && virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "NULL results");
    /* Every selection bit no check has yet is reserved: an error. */
    for (unsigned int reserved = TEST_SELECTION_BITS & ~TEST_EVERY_CHECK; reserved; reserved &= reserved - 1) {
        TRY(virMigrationCheck(src, dst, dom, reserved & -reserved, &results));
        expect_failure("reserved bit", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unsupported flags");
    }
    TRY(virMigrationCheck(src, dst, dom, TEST_NEVER_ASSIGNED, &results));
    expect_failure("bit never assigned", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unsupported flags");
    TRY(virMigrationCheck(src, dst, dom, 1u << 31, &results));
    expect_failure("unknown bit 31", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "0x80000000");
    TRY(virMigrationCheck(src, dst, dom, 0xffffffffu, &results));
    expect_failure("every bit", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unsupported flags");
    /* Selecting a check this build does not implement (while any is left) is an error. */
    unsigned int supported = 0;
    virMigrationCheckGetSupported(&supported);
    unsigned int unimplemented = ~supported & TEST_EVERY_CHECK;
    if (unimplemented) {
        unsigned int bit = unimplemented & -unimplemented;
        TRY(virMigrationCheck(src, dst, dom, bit, &results));
        expect_failure("unimplemented check", rc, results, VIR_MIGRATION_CHECK_ERR_UNSUPPORTED, "not implemented");
    }
    TRY(virMigrationCheck(src, dst, foreign, 0, &results));
    expect_failure("domain of another connection", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG,
                   "does not belong");

    /* Snapshots and offline checks. */
    char *xml = (char *)1;
    EXPECT(virMigrationHostSnapshot(src, 0, NULL) == -1, "snapshot into NULL");
    EXPECT(virMigrationHostSnapshot(NULL, 0, &xml) == -1 && xml == NULL, "snapshot of NULL");
    xml = (char *)1;
    EXPECT(virMigrationHostSnapshot(src, 1, &xml) == -1 && xml == NULL, "snapshot flags");
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "snapshot flags code");
    char *snap = NULL;
    EXPECT(virMigrationHostSnapshot(dst, 0, &snap) == 0 && snap, "snapshot");
    char *domain_xml = virDomainGetXMLDesc(dom, 0);
    TRY(virMigrationCheckXML(NULL, NULL, snap, 0, &results));
    expect_failure("NULL domainXML", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "domainXML is NULL");
    TRY(virMigrationCheckXML(domain_xml, NULL, NULL, 0, &results));
    expect_failure("NULL dstHostXML", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "dstHostXML is NULL");
    EXPECT(virMigrationCheckXML(domain_xml, NULL, snap, 0, NULL) == -1, "NULL results");
    TRY(virMigrationCheckXML("<domain><name>\xff\xfe</name></domain>", NULL, snap, 0, &results));
    expect_failure("not UTF-8", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "UTF-8");
    TRY(virMigrationCheckXML("<domain><name>x", NULL, snap, 0, &results));
    expect_failure("truncated domain", rc, results, VIR_MIGRATION_CHECK_ERR_XML, "domain XML");
    snap[strlen(snap) / 2] = '\0';
    TRY(virMigrationCheckXML(domain_xml, NULL, snap, 0, &results));
    expect_failure("truncated snapshot", rc, results, VIR_MIGRATION_CHECK_ERR_XML, "destination snapshot");
    TRY(virMigrationCheckXML(domain_xml, "<hostSnapshot version='7'><uri/></hostSnapshot>", "<x/>", 0, &results));
    expect_failure("bad destination", rc, results, VIR_MIGRATION_CHECK_ERR_XML, "destination snapshot");
    TRY(virMigrationCheckXML(domain_xml, NULL, snap, TEST_NEVER_ASSIGNED, &results));
    expect_failure("offline flags", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unsupported flags");
    free(domain_xml);
    free(snap);

    /* Typed parameters: unknown names, wrong types, repeats, NULL with a count. */
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, "weather", "sunny");
    TRY(virMigrationCheckParams(src, dst, dom, params, nparams, 0, &results));
    expect_failure("unknown parameter", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unknown parameter 'weather'");
    virTypedParamsFree(params, nparams);
    params = NULL; nparams = maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, "lots");
    TRY(virMigrationCheckParams(src, dst, dom, params, nparams, 0, &results));
    expect_failure("wrong type", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "wrong type");
    virTypedParamsFree(params, nparams);
    params = NULL; nparams = maxparams = 0;
    virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, 1);
    virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, 2);
    TRY(virMigrationCheckParams(src, dst, dom, params, nparams, 0, &results));
    expect_failure("repeated parameter", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "twice");
    virTypedParamsFree(params, nparams);
    TRY(virMigrationCheckParams(src, dst, dom, NULL, 2, 0, &results));
    expect_failure("NULL params", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "params");
    TRY(virMigrationCheckParams(src, dst, dom, NULL, 0, TEST_NEVER_ASSIGNED, &results));
    expect_failure("params flags", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "unsupported flags");
    params = NULL; nparams = maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_CPU_MAP, "/nonexistent");
    results = NULL;
    rc = virMigrationCheckParams(src, dst, dom, params, nparams, VIR_MIGRATION_CHECK_CPU_FLAGS, &results);
    EXPECT(rc == 1 && results[0]->severity == VIR_MIGRATION_CHECK_SEVERITY_OK, "cpu_map param: web1 has no CPU model: %d", rc);
    virMigrationCheckResultListFree(results);
    virTypedParamsFree(params, nparams);

    /* Baselines. */
    char *out = (char *)1;
    virConnectPtr hosts[] = {src, dst};
    EXPECT(virMigrationBaseline(NULL, 2, 0, &out) == -1 && out == NULL, "baseline of NULL");
    out = (char *)1;
    EXPECT(virMigrationBaseline(hosts, 0, 0, &out) == -1 && out == NULL, "baseline of none");
    EXPECT(virMigrationBaseline(hosts, 2, 0, NULL) == -1, "baseline into NULL");
    out = (char *)1;
    EXPECT(virMigrationBaseline(hosts, 2, 1u << 5, &out) == -1 && out == NULL, "baseline flags");
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "baseline flags code");
    virConnectPtr with_null[] = {src, NULL};
    EXPECT(virMigrationBaseline(with_null, 2, 0, &out) == -1 && out == NULL, "baseline with a NULL connection");
    const char *bad_snaps[] = {"<hostSnapshot version='1'><uri>x</uri></hostSnapshot>", "<hostSnapshot"};
    EXPECT(virMigrationBaselineXML(bad_snaps, 2, 0, &out) == -1 && out == NULL, "baseline of a truncated snapshot");
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_XML, "truncated snapshot code");
    EXPECT(strstr(virMigrationCheckGetLastErrorMessage(), "host snapshot #2") != NULL, "names the snapshot: %s",
           virMigrationCheckGetLastErrorMessage());
    EXPECT(virMigrationBaselineXML(NULL, 1, 0, &out) == -1, "baseline of NULL snapshots");
    EXPECT(virMigrationBaselineApply("<domain/>", NULL, 0, &out) == -1 && out == NULL, "apply NULL baseline");
    EXPECT(virMigrationBaselineApply("<domain><name>x</name></domain>", "<migrationBaseline version='9'/>", 0, &out) == -1,
           "apply a future baseline");
    EXPECT(virMigrationBaselineApply("<domain><name>x</name></domain>", "<migrationBaseline version='1'/>", 4, &out) == -1,
           "apply flags");

    /* Matrices. */
    virMigrationCheckMatrixPtr matrix = (virMigrationCheckMatrixPtr)1;
    virDomainPtr doms[] = {dom};
    virConnectPtr dests[] = {dst};
    EXPECT(virMigrationCheckMatrix(src, doms, 1, dests, 1, 0, NULL) == -1, "matrix into NULL");
    EXPECT(virMigrationCheckMatrix(src, NULL, 1, dests, 1, 0, &matrix) == -1 && matrix == NULL, "matrix without domains");
    matrix = (virMigrationCheckMatrixPtr)1;
    EXPECT(virMigrationCheckMatrix(src, doms, 1, dests, 0, 0, &matrix) == -1 && matrix == NULL, "matrix without hosts");
    virDomainPtr foreign_doms[] = {foreign};
    EXPECT(virMigrationCheckMatrix(src, foreign_doms, 1, dests, 1, 0, &matrix) == -1, "matrix with a foreign domain");
    EXPECT(strstr(virMigrationCheckGetLastErrorMessage(), "does not belong") != NULL, "foreign domain message");
    EXPECT(virMigrationCheckMatrix(src, doms, 1, dests, 1, TEST_NEVER_ASSIGNED, &matrix) == -1, "matrix flags");
    virMigrationCheckCacheInvalidate(NULL);

    EXPECT(virMigrationCheckGetVersion(NULL) == -1, "GetVersion(NULL)");
    EXPECT(virMigrationCheckGetSupported(NULL) == -1, "GetSupported(NULL)");
    virMigrationCheckResultListFree(NULL);

    /* A success resets the error. */
    results = NULL;
    rc = virMigrationCheck(src, dst, dom, VIR_MIGRATION_CHECK_HOST, &results);
    EXPECT(rc == 1, "valid call returned %d", rc);
    EXPECT(virMigrationCheckGetLastErrorCode() == 0 && virMigrationCheckGetLastErrorMessage() == NULL,
           "error not reset");
    virMigrationCheckResultListFree(results);

    /* A destination whose daemon dies: the first call finds out while gathering, the next one
     * up front; both are -1 with a reason, never a crash or a report of guesses. */
    char uri[4096];
    snprintf(uri, sizeof(uri), "test+unix://%s/hosts/dst-ok.xml?socket=%s/sock/libvirt-sock", argv[2], argv[2]);
    virConnectPtr remote = virConnectOpenReadOnly(uri);
    EXPECT(remote != NULL, "cannot open %s", uri);
    if (remote) {
        results = NULL;
        rc = virMigrationCheck(src, remote, dom, 0, &results);
        EXPECT(rc > 0, "check over the daemon returned %d: %s", rc, virMigrationCheckGetLastErrorMessage());
        virMigrationCheckResultListFree(results);

        /* The daemon stops answering (SIGSTOP): the call returns at its deadline, not never. */
        virTypedParameter timeout;
        memset(&timeout, 0, sizeof(timeout));
        snprintf(timeout.field, sizeof(timeout.field), "%s", VIR_MIGRATION_CHECK_PARAM_TIMEOUT);
        timeout.type = VIR_TYPED_PARAM_UINT;
        timeout.value.ui = 1000;
        EXPECT(kill((pid_t)atol(argv[3]), SIGSTOP) == 0, "cannot stop libvirtd %s", argv[3]);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        TRY(virMigrationCheckParams(src, remote, dom, &timeout, 1, 0, &results));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        expect_failure("stopped daemon", rc, results, VIR_MIGRATION_CHECK_ERR_TIMEOUT, "(deadline 1000 ms) got no answer in time");
        EXPECT(waited >= 1.0 && waited < 5.0, "stopped daemon: returned after %.2f s", waited);
        /* It continues: the abandoned worker finishes, and the connection serves the next call. */
        EXPECT(kill((pid_t)atol(argv[3]), SIGCONT) == 0, "cannot continue libvirtd %s", argv[3]);
        results = NULL;
        rc = virMigrationCheck(src, remote, dom, 0, &results);
        EXPECT(rc > 0, "check after SIGCONT returned %d: %s", rc, virMigrationCheckGetLastErrorMessage());
        virMigrationCheckResultListFree(results);
        struct timespec settle = {2, 0}; /* the worker releases its references as it ends */
        nanosleep(&settle, NULL);

        EXPECT(kill((pid_t)atol(argv[3]), SIGKILL) == 0, "cannot kill libvirtd %s", argv[3]);
        wait_dead(argv[3]);
        TRY(virMigrationCheck(src, remote, dom, 0, &results));
        EXPECT(rc == -1 && results == NULL, "dead daemon: rc %d", rc);
        EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_LIBVIRT ||
               virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG,
               "dead daemon: code %d", virMigrationCheckGetLastErrorCode());
        TRY(virMigrationCheck(src, remote, dom, 0, &results));
        expect_failure("closed connection", rc, results, VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "closed");

        /* In a matrix, the dead host costs its column only, its cell saying why with a code. */
        virConnectPtr live_and_dead[] = {dst, remote};
        matrix = NULL;
        rc = virMigrationCheckMatrix(src, doms, 1, live_and_dead, 2, VIR_MIGRATION_CHECK_HOST, &matrix);
        EXPECT(rc == 2 && matrix != NULL, "matrix with a dead host: %d %s", rc,
               virMigrationCheckGetLastErrorMessage() ? virMigrationCheckGetLastErrorMessage() : "");
        if (matrix) {
            virMigrationCheckMatrixCell *live = &matrix->cells[0], *dead = &matrix->cells[1];
            EXPECT(live->nresults == 1 && live->error == NULL && live->error_code == VIR_MIGRATION_CHECK_ERR_NONE,
                   "live cell: %d results, code %d", live->nresults, live->error_code);
            EXPECT(dead->nresults == -1 && dead->results == NULL && dead->verdict == -1, "dead cell: %d", dead->nresults);
            EXPECT(dead->error_code == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "dead cell code: %d", dead->error_code);
            EXPECT(dead->error != NULL && strstr(dead->error, "closed") != NULL, "dead cell: %s",
                   dead->error ? dead->error : "(null)");
        }
        virMigrationCheckMatrixFree(matrix);
        EXPECT(virConnectClose(remote) == 0, "remote still referenced");
    }

    EXPECT(virDomainFree(foreign) == 0, "foreign domain");
    EXPECT(virDomainFree(dom) == 0, "domain");
    EXPECT(virConnectClose(other) == 0, "other still referenced");
    EXPECT(virConnectClose(dst) == 0, "dst still referenced");
    EXPECT(virConnectClose(src) == 0, "src still referenced");
    return finish("check_bad_input");
}
