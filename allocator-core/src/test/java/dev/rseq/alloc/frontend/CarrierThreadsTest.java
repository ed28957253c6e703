package dev.rseq.alloc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.rseq.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Carrier lookup in a fresh JVM, where {@link CarrierThreads} is initialized by the first
 * allocation: many virtual threads (more than carriers) allocate at once, so every carrier is
 * pinned by a virtual thread waiting for that initialization. The initializer must not need a
 * carrier of its own (an earlier version started a probe virtual thread and stalled 10 s here).
 */
class CarrierThreadsTest {

    /** Child: 64 virtual threads start their first allocation together; prints how long it took and the method. */
    public static void main(String[] args) throws Exception {
        PerCpuAllocator alloc = PerCpuAllocator.builder().build();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] carriersSeen = new long[1];
        for (int i = 0; i < 64; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int k = 0; k < 1000; k++) {
                    alloc.free(alloc.allocate(64), 64);
                }
                Thread carrier = CarrierThreads.current();
                if (carrier != Thread.currentThread() && !carrier.isVirtual()) {
                    synchronized (carriersSeen) {
                        carriersSeen[0]++;
                    }
                }
            }));
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("RESULT " + millis + " " + CarrierThreads.METHOD + " " + carriersSeen[0] + " "
                + alloc.stats().bytesInUse());
        alloc.close();
    }

    @Test
    void firstUseByManyVirtualThreadsDoesNotStall() throws Exception {
        ChildJvm.Result r = ChildJvm.of(CarrierThreadsTest.class)
                .jvmArg("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
                .jvmArg("-Djdk.virtualThreadScheduler.parallelism=2")
                .run(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.diagnostics());
        String[] f = r.line("RESULT")
                .orElseThrow(() -> new AssertionError(r.diagnostics()))
                .split(" ");
        long millis = Long.parseLong(f[0]);
        assertTrue(millis < 5_000, "64 virtual threads × 1,000 pairs took " + millis + " ms: " + r.diagnostics());
        assertEquals("Unsafe", f[1], "the export is given: the carrier is found through Unsafe");
        assertEquals(64, Long.parseLong(f[2]), "every virtual thread saw a platform carrier");
        assertEquals(0, Long.parseLong(f[3]), "everything freed");
    }

    @Test
    void withoutTheExportVirtualThreadsMapToThemselves() throws Exception {
        ChildJvm.Result r = ChildJvm.of(CarrierThreadsTest.class)
                .jvmArg("-Djdk.virtualThreadScheduler.parallelism=2")
                .run(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.diagnostics());
        String[] f = r.line("RESULT")
                .orElseThrow(() -> new AssertionError(r.diagnostics()))
                .split(" ");
        assertTrue(Long.parseLong(f[0]) < 5_000, r.diagnostics());
        assertEquals("none", f[1]);
        assertEquals(0, Long.parseLong(f[2]));
        assertFalse(r.output().contains("Exception"), r.diagnostics());
    }
}
