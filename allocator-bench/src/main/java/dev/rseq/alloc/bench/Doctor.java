package dev.rseq.alloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code doctor}: what rseq looks like from the calling thread and why. The text comes from
 * {@link DoctorReport}; this class optionally plays a foreign rseq user and runs a short
 * allocate/free self-test. Its options are parsed by {@link DoctorCommand}.
 */
public final class Doctor {
    private static final int SELF_TEST_PAIRS = 20_000;

    private Doctor() {}

    /** Runs the command; returns the exit status (0 ok, 1 self-test failed). */
    public static int run(boolean json, boolean foreign) {
        String foreignNote = foreign ? registerForeign() : null;
        RseqReport report = RseqReport.ofCurrentThread();
        DoctorReport.ProcessFacts facts = DoctorReport.ProcessFacts.current();
        SelfTest test = selfTest(report);
        if (json) {
            Map<String, Object> extra = new LinkedHashMap<>(test.fields());
            if (foreignNote != null) {
                extra.put("foreign", foreignNote);
            }
            System.out.println(DoctorReport.json(report, facts, extra));
            return test.ok() ? 0 : 1;
        }
        System.out.print(DoctorReport.text(report, facts));
        if (foreignNote != null) {
            System.out.printf("  %-19s %s%n", "--foreign", foreignNote);
        }
        test.print();
        return test.ok() ? 0 : 1;
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
            MethodHandle register = linker.downcallHandle(
                    lib.find("foreign_rseq_register").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            MethodHandle cpu = linker.downcallHandle(
                    lib.find("foreign_rseq_cpu_id").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            int rc = (int) register.invokeExact();
            if (rc != 0) {
                return "foreign registration failed with errno " + -rc + " (the report shows this thread unchanged)";
            }
            return "registered a foreign rseq area on this thread first (its cpu_id reads " + (int) cpu.invokeExact()
                    + "); glibc's registration, if any, was dropped";
        } catch (Throwable t) {
            return "foreign registration unavailable: " + t;
        }
    }

    /** What the self-test found; in the text as two lines, in the JSON as the selfTest* fields. */
    record SelfTest(
            boolean ok,
            String failure,
            String tier,
            String threadsByMode,
            long casOperations,
            long perCpuBytes,
            long aborts) {
        Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("selfTest", ok ? "ok" : "FAILED: " + failure);
            m.put("selfTestRounds", SELF_TEST_PAIRS);
            m.put("selfTestBlockBytes", BLOCK);
            m.put("selfTestTier", tier);
            m.put("selfTestThreadsByMode", threadsByMode);
            m.put("selfTestCasOperations", casOperations);
            m.put("selfTestPerCpuBytes", perCpuBytes);
            m.put("selfTestAborts", aborts);
            return m;
        }

        void print() {
            if (!ok) {
                System.out.println("  self-test           FAILED: " + failure);
                return;
            }
            System.out.printf(
                    "  %-19s ok: %,d allocate/write/read/free rounds of %d B via %s%n",
                    "self-test", SELF_TEST_PAIRS, BLOCK, tier);
            System.out.printf(
                    "  %-19s %s; cas operations %,d; per-cpu bytes %,d; aborts %,d%n",
                    "", threadsByMode, casOperations, perCpuBytes, aborts);
        }
    }

    private static final int BLOCK = 48;

    /**
     * Allocates, writes, reads back and frees blocks on this thread through a private
     * allocator, and says which tier served them: proof that the mode above works here.
     */
    private static SelfTest selfTest(RseqReport report) {
        String tier = report.mode().usesRseq() ? "thread cache + rseq per-CPU slab" : "thread cache + CAS caches";
        try (PerCpuAllocator a =
                PerCpuAllocator.builder().maintenanceInterval(null).build()) {
            long[] held = new long[64];
            for (int i = 0; i < SELF_TEST_PAIRS; i++) {
                int k = i % held.length;
                if (held[k] != 0) {
                    if (MemorySegment.ofAddress(held[k]).reinterpret(8).get(JAVA_LONG, 0) != held[k]) {
                        return new SelfTest(
                                false,
                                "block 0x" + Long.toHexString(held[k]) + " lost its contents",
                                tier,
                                null,
                                0,
                                0,
                                0);
                    }
                    a.free(held[k], BLOCK);
                }
                held[k] = a.allocate(BLOCK);
                MemorySegment.ofAddress(held[k]).reinterpret(8).set(JAVA_LONG, 0, held[k]);
            }
            for (long p : held) {
                a.free(p, BLOCK);
            }
            AllocatorStats s = a.stats();
            return new SelfTest(
                    true,
                    null,
                    tier,
                    String.valueOf(s.threadCachesByMode()),
                    s.casOperations(),
                    s.perCpuBytes(),
                    s.rseqAborts());
        } catch (RuntimeException e) {
            return new SelfTest(false, e.toString(), tier, null, 0, 0, 0);
        }
    }
}
