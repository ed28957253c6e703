package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.cli.ManifestVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code doctor}: the command line of {@link Doctor}, which writes the report. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        description = {
            "This thread's rseq mode and why.",
            "",
            "Reports the calling thread's rseq mode (rseq-glibc, rseq-librseq, rseq-own,"
                    + " cas-owned-elsewhere, cas-unregistered, cas-unavailable, cas-forced), why the allocator"
                    + " chose it, and the process facts behind it: where librseqalloc was loaded from (or why"
                    + " not), strategy, glibc's __rseq_size and its fix-up, the kernel's rseq feature size,"
                    + " mm_cid and the region index, membarrier, librseq, self-registration, and warnings.",
            ""
        },
        footer = {
            "",
            "Scenarios (docs/coexistence.md):",
            "  GLIBC_TUNABLES=glibc.pthread.rseq=0 java ... doctor    the library registers its own area",
            "  RSEQALLOC_FORCE_CAS=1 java ... doctor                   forced CAS mode",
            "  java -Drseqalloc.index=cpu_id ... doctor                index regions by cpu_id, not mm_cid",
            "  seccomp-no-rseq [--block-membarrier] java ... doctor   rseq (and membarrier) fail with ENOSYS",
            "  LD_PRELOAD=librseq.so GLIBC_TUNABLES=glibc.pthread.rseq=0 java ... doctor   librseq owns rseq",
            "  java -Drseqalloc.native.disable=true ... doctor        no native library: CAS caches",
            "",
            "Exit status: 0 ok, 1 self-test failed, 2 bad usage."
        })
public final class DoctorCommand implements Callable<Integer> {

    @Option(
            names = "--json",
            description = "print exactly one JSON object on one line, nothing else: every fact"
                    + " and sentence of the text report (mode, reason, why, librseq, warnings, ...) and the self-test"
                    + " (selfTest*)")
    boolean json;

    @Option(
            names = "--foreign",
            description = "before the allocator looks at this thread, register a foreign rseq"
                    + " area on it (test helper libforeignrseq.so from allocator-native's tests jar: it unregisters glibc's area first when glibc owns rseq,"
                    + " then registers its own area with another signature), so the report shows how the allocator treats"
                    + " a thread whose rseq belongs to someone else: cas-owned-elsewhere")
    boolean foreign;

    @Override
    public Integer call() {
        return Doctor.run(json, foreign);
    }
}
