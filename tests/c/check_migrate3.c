/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virMigrationCheck3() from C on libvirt's test driver: the migration given as the arguments of
 * virDomainMigrate3() (VIR_MIGRATE_* flags, VIR_MIGRATE_PARAM_* typed parameters), its errors,
 * libvirt's refusals, and reference counts left as they were.
 * Usage: check_migrate3 HOSTS_DIR [ignored...] (tests/data/hosts) */
#include <libvirt-migration-check.h>
#include <libvirt/virterror.h>
#include <stdlib.h>

#include "check_table.h"
#include "testutil.h"

static virMigrationCheckResultPtr find(virMigrationCheckResultPtr *results, const char *code)
{
    for (size_t i = 0; results && results[i]; i++)
        if (strcmp(results[i]->code, code) == 0)
            return results[i];
    return NULL;
}

static const char *detail(virMigrationCheckResultPtr r, const char *name)
{
    const char *value = NULL;
    if (!r || virTypedParamsGetString(r->params, r->nparams, name, &value) != 1)
        return NULL;
    return value;
}

static int last_error_contains(const char *text)
{
    const char *message = virMigrationCheckGetLastErrorMessage();
    return message && strstr(message, text) != NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOSTS_DIR\n", argv[0]);
        return 2;
    }
    require_loaded_libvirt();
    virSetErrorFunc(NULL, quiet);
    virConnectPtr src = open_host(argv[1], "src");
    virConnectPtr bad = open_host(argv[1], "dst-all-wrong");
    virConnectPtr ok = open_host(argv[1], "dst-ok");
    virConnectPtr missing = open_host(argv[1], "dst-missing-volume");
    if (!src || !bad || !ok || !missing) {
        fprintf(stderr, "cannot open the test-driver hosts in %s\n", argv[1]);
        return 2;
    }
    virDomainPtr dom = virDomainLookupByName(src, "web1");
    EXPECT(dom != NULL, "web1 not found");
    virMigrationCheckResultPtr *results = NULL;

    /* The measured case: these flags no longer select checks; every check runs. */
    unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST;
    int n = virMigrationCheck3(dom, bad, NULL, 0, flags, 0, &results);
    EXPECT(n > 3, "n = %d", n);
    unsigned int ran = 0;
    for (int i = 0; i < n; i++)
        ran |= results[i]->check;
    unsigned int supported = 0;
    virMigrationCheckGetSupported(&supported);
    EXPECT(ran == supported, "ran 0x%x, supported 0x%x", ran, supported);
    EXPECT(find(results, "host.name-clash") && find(results, "network.missing"), "problems missing");
    virMigrationCheckResultListFree(results);

    /* Unknown VIR_MIGRATE_* bits, our migration modifiers in checks. */
    results = (virMigrationCheckResultPtr *)1;
    EXPECT(virMigrationCheck3(dom, ok, NULL, 0, 1u << 21, 0, &results) == -1 && results == NULL, "unknown flag");
    EXPECT(virMigrationCheckGetLastErrorCode() == VIR_MIGRATION_CHECK_ERR_INVALID_ARG, "code");
    EXPECT(last_error_contains("unsupported flags (0x200000)"), "%s", virMigrationCheckGetLastErrorMessage());
    EXPECT(virMigrationCheck3(dom, ok, NULL, 0, VIR_MIGRATE_LIVE, VIR_MIGRATION_CHECK_UNSAFE, &results) == -1,
           "UNSAFE in checks");
    EXPECT(virMigrationCheck3(dom, ok, NULL, 0, VIR_MIGRATE_LIVE, VIR_MIGRATION_CHECK_OFFLINE, &results) == -1,
           "OFFLINE in checks");
    EXPECT(virMigrationCheck3(NULL, ok, NULL, 0, VIR_MIGRATE_LIVE, 0, &results) == -1, "NULL dom");
    EXPECT(virMigrationCheck3(dom, ok, NULL, 1, VIR_MIGRATE_LIVE, 0, &results) == -1, "NULL params");

    /* Unknown and wrong-typed parameters are named; repeats only where libvirt allows them. */
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, "weather", "sunny");
    EXPECT(virMigrationCheck3(dom, ok, params, nparams, VIR_MIGRATE_LIVE, 0, &results) == -1 &&
               last_error_contains("parameter 'weather' not supported"),
           "%s", virMigrationCheckGetLastErrorMessage());
    virTypedParamsFree(params, nparams);
    params = NULL, nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_BANDWIDTH, "fast");
    EXPECT(virMigrationCheck3(dom, ok, params, nparams, VIR_MIGRATE_LIVE, 0, &results) == -1 &&
               last_error_contains("invalid type 'string' for parameter 'bandwidth', expected 'ullong'"),
           "%s", virMigrationCheckGetLastErrorMessage());
    virTypedParamsFree(params, nparams);
    params = NULL, nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_DEST_NAME, "a");
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_DEST_NAME, "b");
    EXPECT(virMigrationCheck3(dom, ok, params, nparams, VIR_MIGRATE_LIVE, 0, &results) == -1 &&
               last_error_contains("occurs multiple times"),
           "%s", virMigrationCheckGetLastErrorMessage());
    virTypedParamsFree(params, nparams);

    /* libvirt's own and our parameters together: MIGRATE_DISKS leaves vda (missing on the
     * destination) out of the copy, so it must be shared; the error names the flag that
     * clears it. */
    params = NULL, nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_MIGRATE_DISKS, "vdb");
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_DEST_XML, "<domain/>");
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_PERSIST_XML, "<domain/>");
    virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_BANDWIDTH, 100);
    virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_MEMORY_HEADROOM, 1024);
    n = virMigrationCheck3(dom, missing, params, nparams, VIR_MIGRATE_LIVE | VIR_MIGRATE_NON_SHARED_DISK,
                           VIR_MIGRATION_CHECK_DISK, &results);
    EXPECT(n >= 1, "n = %d: %s", n, virMigrationCheckGetLastErrorMessage());
    virMigrationCheckResultPtr r = find(results, "disk.volume-missing");
    EXPECT(r && r->severity == VIR_MIGRATION_CHECK_SEVERITY_ERROR, "no disk.volume-missing");
    const char *cleared = detail(r, "cleared_by");
    EXPECT(cleared && strcmp(cleared, "VIR_MIGRATE_NON_SHARED_DISK") == 0, "cleared_by %s", cleared ? cleared : "NULL");
    virMigrationCheckResultListFree(results);
    virTypedParamsFree(params, nparams);

    /* Our repeatable parameter: one directory per occurrence, accepted beside libvirt's own;
     * a relative directory is refused. */
    params = NULL, nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, "/srv/nfs");
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, "/var/lib");
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_MIGRATE_DISKS, "vdb");
    n = virMigrationCheck3(dom, ok, params, nparams, VIR_MIGRATE_LIVE, VIR_MIGRATION_CHECK_DEVICES, &results);
    EXPECT(n >= 1, "two shared_filesystems: n = %d: %s", n, virMigrationCheckGetLastErrorMessage());
    virMigrationCheckResultListFree(results);
    virTypedParamsFree(params, nparams);
    params = NULL, nparams = 0, maxparams = 0;
    virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATION_CHECK_PARAM_SHARED_FILESYSTEMS, "srv/nfs");
    EXPECT(virMigrationCheck3(dom, ok, params, nparams, VIR_MIGRATE_LIVE, 0, &results) == -1 &&
               last_error_contains("absolute directory"),
           "%s", virMigrationCheckGetLastErrorMessage());
    virTypedParamsFree(params, nparams);

    /* A combination libvirt refuses, in libvirt's words. */
    n = virMigrationCheck3(dom, ok, NULL, 0, VIR_MIGRATE_LIVE | VIR_MIGRATE_TUNNELLED, VIR_MIGRATION_CHECK_HOST,
                           &results);
    r = find(results, "host.tunnelled-without-p2p");
    EXPECT(n >= 1 && r && r->severity == VIR_MIGRATION_CHECK_SEVERITY_ERROR, "no host.tunnelled-without-p2p");
    const char *words = detail(r, "libvirt_error");
    EXPECT(words && strcmp(words, "cannot perform tunnelled migration without using peer2peer flag") == 0, "%s",
           words ? words : "NULL");
    virMigrationCheckResultListFree(results);

    virDomainFree(dom);
    virConnectClose(missing);
    virConnectClose(ok);
    virConnectClose(bad);
    /* Our references were all dropped: the source closes cleanly (0: no reference left). */
    EXPECT(virConnectClose(src) == 0, "a reference to the source leaked");
    return finish("check_migrate3");
}
