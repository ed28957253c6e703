package dev.rseq.alloc.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.timer.NanoClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every workload against the {@link Ledger}: what it allocates it writes and frees, with the
 * threads, sizes and hand-overs the workload promises. No timing is asserted.
 */
class CellRunTest {
    /** Long enough that every lane gets each phase even when other processes hold the cores for a while. */
    private static final Phases SHORT = new Phases(Duration.ofMillis(80), Duration.ofMillis(80), Duration.ofMillis(80));

    private static WorkloadParams params(int threads, long handoffOps, int timedBatch) {
        return new WorkloadParams(
                threads, 42, SizeDistribution.parse("mixed"), 64, handoffOps, 0, NanoClock.INSTANCE, 1.0, timedBatch);
    }

    private static CellOutcome run(Workload w, Ledger ledger, WorkloadParams p) throws InterruptedException {
        CellOutcome out = CellRun.run(w, ledger, p, SHORT);
        assertTrue(ledger.allocations.get() > 0, "it allocated");
        assertEquals(ledger.allocations.get(), ledger.frees.get(), "everything allocated was freed");
        assertTrue(ledger.live() == 0, "nothing left live");
        assertTrue(out.opsPerSecond() > 0, w + " " + out + " allocs " + ledger.allocations.get());
        assertTrue(
                out.alloc().getTotalCount()
                                + out.free().getTotalCount()
                                + out.batched().getTotalCount()
                        > 0,
                "latencies recorded: " + w + " " + out + " allocs " + ledger.allocations.get());
        return out;
    }

    @ParameterizedTest
    @EnumSource(Workload.class)
    void everyWorkloadFreesWhatItAllocatedAndWritesEveryBlock(Workload w) throws Exception {
        WorkloadParams p = params(2, 1000, 1);
        try (Ledger ledger = new Ledger(w.slots(p))) {
            run(w, ledger, p);
        }
    }

    @ParameterizedTest
    @EnumSource(Workload.class)
    void timedBatchesRecordMeansAndKeepTheBooks(Workload w) throws Exception {
        WorkloadParams p = params(2, 1000, 8);
        try (Ledger ledger = new Ledger(w.slots(p))) {
            CellOutcome out = run(w, ledger, p);
            assertTrue(out.batched().getTotalCount() > 0);
            assertEquals(0, out.alloc().getTotalCount() + out.free().getTotalCount(), "no single-op readings");
        }
    }

    @Test
    void moreThreadsThanCores() throws Exception {
        int threads = 4 * Runtime.getRuntime().availableProcessors();
        WorkloadParams p = params(threads, 1000, 1);
        try (Ledger ledger = new Ledger(Workload.CHURN.slots(p))) {
            run(Workload.CHURN, ledger, p);
            assertEquals(threads, ledger.allocatingThreads.size());
        }
    }

    @Test
    void larsonReplacesThreadsAndSuccessorsFreeTheirPredecessorsBlocks() throws Exception {
        WorkloadParams p = params(2, 500, 1);
        try (Ledger ledger = new Ledger(Workload.LARSON.slots(p))) {
            CellOutcome out = run(Workload.LARSON, ledger, p);
            assertTrue(out.threadsStarted() > 2, "threads were replaced: " + out.threadsStarted());
            // A successor started just as the timeline ends may only free; all the others allocate too.
            assertTrue(
                    ledger.allocatingThreads.size() > 2 && ledger.allocatingThreads.size() <= out.threadsStarted(),
                    ledger.allocatingThreads.size() + " allocating threads of " + out.threadsStarted());
            assertTrue(ledger.allocatingThreads.stream().noneMatch(Thread::isVirtual), "platform threads");
            assertTrue(ledger.crossThreadFrees.get() > 0, "blocks allocated by one thread were freed by another");
            assertTrue(ledger.sizesSeen.stream().allMatch(s -> s >= 8 && s <= 1000), "8-1,000 B");
        }
    }

    @Test
    void larsonHandsOverAfterExactlyTheQuota() {
        long[] sizes = SizeDistribution.uniform(8, 1000).sample(1, 64);
        try (Ledger ledger = new Ledger(Workload.LARSON_SLOTS)) {
            LarsonLane lane = new LarsonLane(ledger, NanoClock.INSTANCE, 1.0, 0, Workload.LARSON_SLOTS, sizes, 1, 1000);
            lane.fill();
            int ops = 0;
            while (!lane.handoffDue()) {
                ops += lane.untimedChunk();
            }
            assertEquals(1000, ops);
            lane.handedOff();
            assertFalse(lane.handoffDue());
            assertEquals(1, lane.handoffs());
            lane.drain();
            assertTrue(ledger.live() == 0);
        }
    }

    @Test
    void vthreadsRunsSixtyFourVirtualThreads() throws Exception {
        WorkloadParams p = params(1, 1000, 1);
        try (Ledger ledger = new Ledger(Workload.VTHREADS.slots(p))) {
            run(Workload.VTHREADS, ledger, p);
            assertEquals(Workload.VIRTUAL_THREADS, ledger.allocatingThreads.size());
            assertTrue(ledger.allocatingThreads.stream().allMatch(Thread::isVirtual));
            assertTrue(ledger.sizesSeen.stream().allMatch(s -> s >= 16 && s <= 32 * 1024));
        }
    }

    @Test
    void producerConsumerFreesEveryBlockOnTheOtherThread() throws Exception {
        WorkloadParams p = params(2, 1000, 1);
        try (Ledger ledger = new Ledger(Workload.PRODUCER_CONSUMER.slots(p))) {
            CellOutcome out = run(Workload.PRODUCER_CONSUMER, ledger, p);
            assertEquals(ledger.frees.get(), ledger.crossThreadFrees.get(), "no block freed by its producer");
            assertEquals(2, ledger.allocatingThreads.size(), "two producers");
            assertTrue(out.alloc().getTotalCount() > 0 && out.free().getTotalCount() > 0);
            assertTrue(ledger.sizesSeen.stream().allMatch(s -> s >= 16 && s <= 256));
        }
    }

    @Test
    void pairUsesOneSixtyFourByteBlockPerThread() throws Exception {
        WorkloadParams p = params(3, 1000, 1);
        try (Ledger ledger = new Ledger(Workload.PAIR.slots(p))) {
            run(Workload.PAIR, ledger, p);
            assertEquals(java.util.Set.of(64L), ledger.sizesSeen);
            assertEquals(3, ledger.allocatingThreads.size());
            assertEquals(0, ledger.crossThreadFrees.get());
        }
    }

    @Test
    void confinedAllocatorsAreRefusedByCrossThreadWorkloads() {
        try (Ledger confined = new Ledger(4096, false)) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> CellRun.run(Workload.LARSON, confined, params(1, 1000, 1), SHORT));
        }
    }

    @Test
    void aFailingAllocatorEndsTheCellWithItsErrorInsteadOfHanging() {
        WorkloadParams p = params(2, 1000, 1);
        try (Ledger ledger = new Ledger(Workload.CHURN.slots(p)) {
            @Override
            public long allocate(int slot, long size) {
                if (allocations.get() >= 500) {
                    throw new IllegalStateException("out of memory, pretend");
                }
                return super.allocate(slot, size);
            }
        }) {
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> CellRun.run(Workload.CHURN, ledger, p, SHORT));
            assertTrue(e.getMessage().contains("pretend"), e.getMessage());
        }
    }
}
