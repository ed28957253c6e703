package dev.rseq.alloc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * A cache's owner growing a class while another cache steals its unused allowance: after
 * both finished, the owner's capacity must still fit its allowance, and no byte may be lost
 * or counted twice between the two. Each round starts both sides together at a barrier.
 */
class CapacityStealRaceTest {
    private static final int C = 5;
    private static final int SIZE = 64;
    private static final int GROWN = 8;
    private static final long NEED = (long) GROWN * SIZE;

    @Test
    void aGrowthRacingWithAStealNeverLeavesCapacityAboveAllowance() throws Exception {
        int rounds = 20_000;
        CyclicBarrier start = new CyclicBarrier(2);
        CyclicBarrier end = new CyclicBarrier(2);
        ThreadCache[] victim = new ThreadCache[1];
        long[] stolen = new long[rounds];
        boolean[] grew = new boolean[rounds];
        Thread owner = new Thread(() -> {
            try {
                victim[0] = new ThreadCache(Thread.currentThread(), SizeClasses.COUNT, null, "test");
                for (int r = 0; r < rounds; r++) {
                    victim[0].addAllowance(NEED - victim[0].allowance());
                    start.await();
                    grew[r] = victim[0].resize(C, GROWN, SIZE);
                    end.await(); // the thief checks the invariant here
                    end.await();
                    if (grew[r]) {
                        victim[0].resize(C, 0, SIZE);
                    }
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        owner.start();
        for (int r = 0; r < rounds; r++) {
            start.await();
            stolen[r] = victim[0].takeUnused(NEED);
            end.await();
            ThreadCache v = victim[0];
            assertTrue(
                    v.capacityBytes <= v.allowance(),
                    "round " + r + ": capacity " + v.capacityBytes + " above allowance " + v.allowance() + " (stolen "
                            + stolen[r] + ")");
            assertEquals(NEED, v.allowance() + stolen[r], "round " + r + ": every byte is either kept or taken");
            end.await();
        }
        owner.join();
        int both = 0;
        for (int r = 0; r < rounds; r++) {
            both += grew[r] && stolen[r] > 0 ? 1 : 0;
        }
        assertEquals(0, both, "a round where both the growth and the steal got the same bytes");
    }
}
