package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.PerCpuAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Child main of {@link NativeLoadingTest}: loads (or fails to load) librseqalloc under the
 * settings the test gives, then calls every public method of {@link RseqNative} and prints
 * what came back, so the test can check each one is safe without the library:
 * <pre>
 *   LOAD {...}     availability, reason, source and every method's answer
 *   DOCTOR {...}   doctor --json of this thread
 *   ALLOC ok | ALLOC failed: ...   a round of allocate/write/read/free through PerCpuAllocator
 *   OK
 * </pre>
 * {@code --sleep}: prints {@code DIR <extraction directory>} once loaded, then sleeps (to be killed).
 */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--sleep")) {
            String source = String.valueOf(RseqNative.librarySource());
            System.out.println(
                    "DIR " + Path.of(source.substring(source.indexOf('/'))).getParent());
            System.out.flush();
            Thread.sleep(600_000);
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", RseqNative.available());
        m.put("reason", RseqNative.unavailableReason());
        m.put("source", RseqNative.librarySource());
        m.put("mode", RseqNative.attachCurrentThread().label());
        m.put("why", RseqNative.currentReason().label());
        m.put("strategy", RseqNative.strategy());
        m.put("useMmCid", RseqNative.USE_MM_CID);
        m.put("regions", RseqNative.regionCount());
        m.put("currentRegion", RseqNative.currentRegion());
        m.put("aborts", RseqNative.aborts());
        m.put("noop", RseqNative.noop());
        try (Arena arena = Arena.ofConfined()) {
            // A zeroed slab: every class empty with no capacity, so a working library answers 0.
            MemorySegment slab = arena.allocate(4096L * RseqNative.regionCount(), 4096);
            long base = slab.address();
            long[] buf = new long[4];
            m.put("pop", RseqNative.pop(base, 4096, 0));
            m.put("push", RseqNative.push(base, 4096, 0, 0x1230));
            m.put("popBatch", RseqNative.popBatch(base, 4096, 0, buf, 0, 4));
            m.put("pushBatch", RseqNative.pushBatch(base, 4096, 0, buf, 0, 4));
            m.put("popBatchSegment", RseqNative.popBatch(base, 4096, 0, arena.allocate(JAVA_LONG, 4), 4));
            m.put("pushBatchSegment", RseqNative.pushBatch(base, 4096, 0, arena.allocate(JAVA_LONG, 4), 4));
            m.put("grow", RseqNative.grow(base, 4096, 0, 1, 1));
            m.put("shrink", RseqNative.shrink(base, 4096, 0, 1));
        }
        m.put("fenceAll", RseqNative.fence(-1));
        m.put("fence0", RseqNative.fence(0));
        RseqNative.setInjectDelay(0);
        m.put("rescan", RseqNative.rescanLibrseq());
        m.put("librseqPath", RseqNative.librseqPath());
        try {
            m.put("rdtscp", RseqNative.rdtscp() > 0 ? "positive" : "not positive");
        } catch (RuntimeException e) {
            m.put("rdtscp", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        m.put("contractEntries", NativeContract.nativeValues().size());
        m.put("settingWarnings", RseqNative.settingWarnings());
        System.out.println("LOAD " + JsonText.object(m));
        RseqReport r = RseqReport.ofCurrentThread();
        System.out.println("DOCTOR " + DoctorReport.json(r, DoctorReport.ProcessFacts.current(), Map.of()));
        System.out.println("TEXT " + DoctorReport.text(r).replace('\n', '|'));
        System.out.println(allocate());
        System.out.println("OK");
    }

    private static String allocate() {
        try (PerCpuAllocator a =
                PerCpuAllocator.builder().maintenanceInterval(null).build()) {
            for (int i = 0; i < 2000; i++) {
                long p = a.allocate(64);
                MemorySegment.ofAddress(p).reinterpret(8).set(JAVA_LONG, 0, p);
                if (MemorySegment.ofAddress(p).reinterpret(8).get(JAVA_LONG, 0) != p) {
                    return "ALLOC failed: lost contents";
                }
                a.free(p, 64);
            }
            return "ALLOC ok " + a.stats().threadCachesByMode();
        } catch (Throwable t) {
            return "ALLOC failed: " + t;
        }
    }
}
