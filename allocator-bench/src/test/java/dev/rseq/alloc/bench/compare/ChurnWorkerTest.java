package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.SizeDistribution;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The churn's bookkeeping, against a fake allocator that checks every free matches a live block. */
class ChurnWorkerTest {

    static final class Ledger implements BenchAllocator {
        final Map<Integer, long[]> live = new HashMap<>();
        long nextAddress = 0x1000;
        long allocations;

        @Override
        public String name() {
            return "ledger";
        }

        @Override
        public long allocate(int slot, long size) {
            if (live.containsKey(slot)) {
                throw new AssertionError("slot " + slot + " already live");
            }
            long address = nextAddress;
            nextAddress += size;
            live.put(slot, new long[]{address, size});
            allocations++;
            return address;
        }

        @Override
        public void free(int slot, long address, long size) {
            long[] block = live.remove(slot);
            if (block == null || block[0] != address || block[1] != size) {
                throw new AssertionError("free of a block that is not live in slot " + slot);
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void everyPhaseKeepsTheWorkingSetAndFreesExactlyWhatWasAllocated() {
        Ledger ledger = new Ledger();
        long[] sizes = SizeDistribution.parse("mixed").sample(1, 1 << 10);
        ChurnWorker w = new ChurnWorker(ledger, 100, 50, sizes, 5);
        w.fill();
        assertEquals(50, ledger.live.size());
        assertTrue(ledger.live.keySet().stream().allMatch(s -> s >= 100 && s < 150));

        long now = System.nanoTime();
        w.timed(now);
        assertEquals(ChurnWorker.CHUNK, w.allocLatency.getTotalCount(), "one chunk at least");
        assertEquals(w.allocLatency.getTotalCount(), w.freeLatency.getTotalCount());
        long ops = w.untimed(System.nanoTime());
        assertEquals(2L * ChurnWorker.CHUNK, ops);
        w.resetHistograms();
        long start = System.nanoTime();
        w.paced(start, 1000, start + 2_000_000);
        assertTrue(w.allocLatency.getTotalCount() > 0);
        assertEquals(50, ledger.live.size());

        w.drain();
        assertTrue(ledger.live.isEmpty());
    }
}
