/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check: will this live migration succeed? The C API's smallest real caller.
 *
 *   check SRC_URI DST_URI DOMAIN
 *
 * Opens both hosts, looks the guest up on the source, runs every check and prints each result
 * (most severe first) with its hint and, for network findings, the network it names.
 * Exit status: 0 when nothing stops the migration, 1 when a result is an ERROR, 2 when the
 * check could not run.
 *
 * Build:  cc examples/check.c $(pkg-config --cflags --libs libvirt-migration-check)
 * Try:    ./a.out test://$PWD/tests/data/hosts/src.xml test://$PWD/tests/data/hosts/dst-ok.xml web1
 */
#include <signal.h>
#include <stdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libvirt-migration-check.h>

static const char *severity_name(int severity)
{
    switch (severity) {
    case VIR_MIGRATION_CHECK_SEVERITY_OK: return "OK";
    case VIR_MIGRATION_CHECK_SEVERITY_INFO: return "INFO";
    case VIR_MIGRATION_CHECK_SEVERITY_WARNING: return "WARNING";
    case VIR_MIGRATION_CHECK_SEVERITY_ERROR: return "ERROR";
    case VIR_MIGRATION_CHECK_SEVERITY_SKIPPED: return "SKIPPED";
    default: return "?"; /* a severity added after this program was written */
    }
}

/* libvirt's default error handler prints every error on stderr, including those of the
 * library's own probes that it answers itself (a driver without domain capabilities): the
 * program owns that process-wide setting, and reports the errors it cares about below. */
static void quiet(void *opaque, virErrorPtr error)
{
    (void)opaque;
    (void)error;
}

/* Read-write where we may (libvirt answers some of the checks' questions only there: the
 * domain capabilities, the hypervisor's CPU comparison), read-only where we may not. */
static virConnectPtr open_host(const char *uri)
{
    virConnectPtr conn = virConnectOpen(uri);
    if (!conn)
        conn = virConnectOpenReadOnly(uri);
    if (!conn)
        fprintf(stderr, "failed to connect to '%s': %s\n", uri, virGetLastErrorMessage());
    return conn;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s SRC_URI DST_URI DOMAIN\n", argv[0]);
        return 2;
    }
    /* As libvirt asks of every client: a destination daemon dying mid-check is then an error
     * of the call, not a signal that kills the program. (The library never touches signals.) */
    signal(SIGPIPE, SIG_IGN);
    virSetErrorFunc(NULL, quiet);

    int status = 2;
    virConnectPtr src = open_host(argv[1]);
    virConnectPtr dst = src ? open_host(argv[2]) : NULL;
    virDomainPtr dom = dst ? virDomainLookupByName(src, argv[3]) : NULL;
    if (dst && !dom)
        fprintf(stderr, "failed to get domain '%s': %s\n", argv[3], virGetLastErrorMessage());
    if (!dom)
        goto out;

    virMigrationCheckResultPtr *results = NULL;
    int n = virMigrationCheck(src, dst, dom, 0 /* every check */, &results);
    if (n < 0) {
        fprintf(stderr, "cannot check: %s\n", virMigrationCheckGetLastErrorMessage());
        goto out;
    }
    int errors = 0;
    for (int i = 0; i < n; i++) { /* most severe first */
        virMigrationCheckResultPtr r = results[i];
        if (r->severity == VIR_MIGRATION_CHECK_SEVERITY_ERROR)
            errors++;
        printf("%-7s %s: %s\n", severity_name(r->severity), r->code, r->message);
        if (r->hint)
            printf("        hint: %s\n", r->hint);
        const char *network = NULL; /* details are libvirt typed parameters */
        if (virTypedParamsGetString(r->params, r->nparams, "network", &network) == 1)
            printf("        network: %s\n", network);
    }
    printf("%d result(s), %d show-stopper(s)\n", n, errors);
    virMigrationCheckResultListFree(results); /* frees every result, string and parameter */
    status = errors ? 1 : 0;

out:
    /* The library borrowed the handles: their reference counts are ours to drop. */
    if (dom)
        virDomainFree(dom);
    if (dst)
        virConnectClose(dst);
    if (src)
        virConnectClose(src);
    return status;
}
