package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.stress.StressConfig;
import dev.rseq.alloc.stress.StressMode;
import dev.rseq.alloc.stress.StressResult;
import dev.rseq.alloc.stress.StressRun;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Short in-process stress runs (a few seconds each): every mode alone, all modes at once,
 * and each fault injector. Each run must end with 0 lost, 0 duplicated, 0 corrupted blocks
 * and exact accounting; the injector runs also check that the injector really acted.
 */
class StressSuiteTest {
    private static final Duration SHORT = Duration.ofMillis(2500);
    /** More threads than the 2 cores CI has. */
    private static final int THREADS = 6;

    static StressResult run(StressConfig config) {
        StressResult r = StressRun.run(config.duration(SHORT).threads(THREADS).seed(System.nanoTime()));
        System.out.print(r.summary());
        assertTrue(r.passed(), () -> r.violation().report());
        assertTrue(r.operations() > 0, "no operations ran");
        return r;
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void eachModeAlone(StressMode mode) {
        StressResult r = run(StressConfig.of(mode));
        if (mode == StressMode.CAS) {
            assertTrue(r.casOperations() > 0, "forced-CAS instance served no CAS operation");
        }
    }

    @Test
    void allModesAtOnceOnSeparateInstances() {
        StressResult r = run(StressConfig.of(StressMode.values()));
        assertTrue(r.casOperations() > 0, "the cas lane served no CAS operation");
        assertTrue(r.lanes().size() == 4);
    }

    @Test
    void continuousMigration() {
        StressResult r =
                run(StressConfig.of(StressMode.THREAD_CACHE, StressMode.DIRECT).migrate(true));
        assertTrue(r.repins() > 0, "the migrator never re-pinned a worker");
    }

    @Test
    void threadChurnLeavesNothingInDeadThreadCaches() {
        StressResult r =
                run(StressConfig.of(StressMode.THREAD_CACHE, StressMode.CHECKED).churn(true));
        assertTrue(r.churnedThreads() > 0, "no worker retired");
    }

    @Test
    void memoryPressure() {
        StressResult r = run(StressConfig.of(StressMode.THREAD_CACHE, StressMode.DIRECT, StressMode.CAS)
                .pressure(true));
        assertTrue(r.releases() > 0, "releaseMemory() never ran");
    }

    @Test
    void arenaCloseRacingWithUse() {
        StressResult r =
                run(StressConfig.of(StressMode.DIRECT, StressMode.CHECKED).arenas(true));
        assertTrue(r.arenaRounds() > 0, "no arena round completed");
        assertTrue(r.arenaRejections() > 0, "no access was rejected after close");
    }

    @Test
    void virtualThreadsAlongsideWorkers() {
        StressResult r =
                run(StressConfig.of(StressMode.THREAD_CACHE, StressMode.CAS).virtualThreads(true));
        assertTrue(r.virtualThreads() > 0, "no virtual thread ran");
    }

    @Test
    void everythingAtOnce() {
        StressResult r = run(StressConfig.of(StressMode.values()).hostile());
        assertTrue(r.repins() > 0 && r.releases() > 0 && r.virtualThreads() > 0, r::summary);
        assertTrue(r.badFreesRejected() > 0, "hostile runs make bad frees, and each must be refused");
        assertTrue(List.of(StressMode.values()).size() == r.lanes().size());
    }
}
