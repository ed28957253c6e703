package dev.rseq.alloc.bench;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.rseq.DoctorReport;
import dev.rseq.alloc.rseq.NativeLibrary;
import dev.rseq.alloc.rseq.RseqReport;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code doctor}: what rseq looks like from the calling thread and why. The text comes from
 * {@link DoctorReport}; this class parses options, optionally plays a foreign rseq user,
 * and runs a short allocate/free self-test.
 */
public final class Doctor {
    static final String USAGE = """
            usage: java --enable-native-access=ALL-UNNAMED -jar allocator-bench.jar doctor [--json] [--foreign]

            Reports the calling thread's rseq mode (rseq-glibc, rseq-own, cas-owned-elsewhere,
            cas-unavailable, cas-forced), why the allocator chose it, and the process facts
            behind it: strategy, glibc's __rseq_size and its fix-up, the kernel's rseq feature
            size, mm_cid and the region index, membarrier and what it means for cross-CPU fences.

              --json      print exactly one JSON object on one line (RseqReport.toJson), nothing else
              --foreign   before the allocator looks at this thread, register a foreign rseq area on
                          it (test helper libforeignrseq.so: it unregisters glibc's area first when
                          glibc owns rseq, then registers its own area with another signature), so the
                          report shows how the allocator treats a thread whose rseq belongs to someone
                          else: cas-owned-elsewhere
              --help      this text

            Scenarios (docs/coexistence.md):
              GLIBC_TUNABLES=glibc.pthread.rseq=0 java ... doctor    the library registers its own area
              RSEQALLOC_FORCE_CAS=1 java ... doctor                   forced CAS mode
              java -Drseqalloc.index=cpu_id ... doctor                index regions by cpu_id, not mm_cid
              seccomp-no-rseq [--block-membarrier] java ... doctor   rseq (and membarrier) fail with ENOSYS
            """;

    private static final int SELF_TEST_PAIRS = 20_000;

    private Doctor() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command; returns the exit status (0 ok, 1 self-test failed, 2 usage). */
    public static int run(String[] args) {
        boolean json = false;
        boolean foreign = false;
        for (String a : args) {
            switch (a) {
                case "--json" -> json = true;
                case "--foreign" -> foreign = true;
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> {
                    System.err.println("doctor: unknown option '" + a + "'");
                    System.err.print(USAGE);
                    return 2;
                }
            }
        }
        String foreignNote = foreign ? registerForeign() : null;
        RseqReport report = RseqReport.ofCurrentThread();
        if (json) {
            if (foreignNote != null && !foreignNote.startsWith("registered")) {
                System.err.println("doctor: --foreign: " + foreignNote);
            }
            System.out.println(report.toJson());
            return 0;
        }
        System.out.print(DoctorReport.text(report));
        if (foreignNote != null) {
            System.out.printf("  %-19s %s%n", "--foreign", foreignNote);
        }
        return selfTest(report);
    }

    /**
     * Calls {@code foreign_rseq_register} on this thread. It must run before anything
     * attaches the thread: the allocator decides a thread's mode once.
     */
    private static String registerForeign() {
        try {
            Linker linker = Linker.nativeLinker();
            // Global arena: the registered area is that library's TLS, so it must never unload.
            SymbolLookup lib = SymbolLookup.libraryLookup(NativeLibrary.extract("libforeignrseq.so"), Arena.global());
            MethodHandle register = linker.downcallHandle(lib.find("foreign_rseq_register").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT));
            MethodHandle cpu = linker.downcallHandle(lib.find("foreign_rseq_cpu_id").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT));
            int rc = (int) register.invokeExact();
            if (rc != 0) {
                return "foreign registration failed with errno " + (-rc) + " (the report shows this thread unchanged)";
            }
            return "registered a foreign rseq area on this thread first (its cpu_id reads " + (int) cpu.invokeExact()
                    + "); glibc's registration, if any, was dropped";
        } catch (Throwable t) {
            return "foreign registration unavailable: " + t;
        }
    }

    /**
     * Allocates, writes, reads back and frees blocks on this thread through a private
     * allocator, and says which tier served them: proof that the mode above works here.
     */
    private static int selfTest(RseqReport report) {
        try (PerCpuAllocator a = PerCpuAllocator.builder().maintenanceInterval(null).build()) {
            long[] held = new long[64];
            for (int i = 0; i < SELF_TEST_PAIRS; i++) {
                int k = i % held.length;
                if (held[k] != 0) {
                    if (MemorySegment.ofAddress(held[k]).reinterpret(8).get(JAVA_LONG, 0) != held[k]) {
                        System.out.println("  self-test           FAILED: block 0x" + Long.toHexString(held[k])
                                + " lost its contents");
                        return 1;
                    }
                    a.free(held[k], 48);
                }
                held[k] = a.allocate(48);
                MemorySegment.ofAddress(held[k]).reinterpret(8).set(JAVA_LONG, 0, held[k]);
            }
            for (long p : held) {
                a.free(p, 48);
            }
            AllocatorStats s = a.stats();
            String tier = report.mode().usesRseq() ? "magazine + rseq per-CPU slab" : "magazine + CAS caches";
            System.out.printf("  %-19s ok: %,d allocate/write/read/free rounds of 48 B via %s%n", "self-test",
                    SELF_TEST_PAIRS, tier);
            System.out.printf("  %-19s %s; cas operations %,d; per-cpu bytes %,d; aborts %,d%n", "",
                    s.threadsByMode(), s.casOperations(), s.perCpuBytes(), s.rseqAborts());
            return 0;
        } catch (RuntimeException e) {
            System.out.println("  self-test           FAILED: " + e);
            return 1;
        }
    }
}
