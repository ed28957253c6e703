package dev.rseq.alloc.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CasCacheTest {
    private final SizeClasses sizes = new SizeClasses();
    private final SlabLayout layout = new SlabLayout(sizes);

    @Test
    void batchesAreLifoAndBounded() {
        CasCache cache = new CasCache(layout, 1);
        int c = SizeClasses.classOf(64);
        int cap = layout.casCapacity(c);
        long[] in = new long[cap + 10];
        for (int i = 0; i < in.length; i++) {
            in[i] = 16L * (i + 1);
        }
        assertEquals(cap, cache.pushBatch(c, in, 0, in.length), "stops at capacity");
        assertFalse(cache.push(c, 8));
        long[] out = new long[4];
        assertEquals(4, cache.popBatch(c, out, 0, 4));
        // pushed in[len-1], in[len-2], ... so the newest is in[10]
        assertEquals(in[10], out[0]);
        assertEquals(in[13], out[3]);
        assertEquals(cap - 4, cache.cached(c));
    }

    @Test
    void concurrentThreadsNeitherLoseNorDuplicate() throws Exception {
        CasCache cache = new CasCache(layout, 2);
        int c = SizeClasses.classOf(32);
        int threads = 8;
        int tokensPerThread = 300;
        List<long[]> held = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        int[] counts = new int[threads];
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[threads * tokensPerThread];
            for (int i = 0; i < tokensPerThread; i++) {
                mine[i] = ((long) (t + 1) << 32) | (i + 1L) << 4;
            }
            counts[t] = tokensPerThread;
            held.add(mine);
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(id);
                long[] h = held.get(id);
                for (int it = 0; it < 200_000; it++) {
                    int n = 1 + random.nextInt(16);
                    if (random.nextBoolean() && counts[id] >= n) {
                        counts[id] -= cache.pushBatch(c, h, counts[id] - n, n); // taken from the end of the range
                    } else if (counts[id] + n <= h.length) {
                        counts[id] += cache.popBatch(c, h, counts[id], n);
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        List<Long> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < counts[t]; i++) {
                all.add(held.get(t)[i]);
            }
        }
        cache.drain((cls, ptrs, n) -> {
            for (int i = 0; i < n; i++) {
                all.add(ptrs[i]);
            }
        });
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        assertEquals(threads * tokensPerThread, sorted.length, "nothing lost");
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(sorted[i] != sorted[i - 1], "duplicate " + sorted[i]);
        }
        assertEquals(0, Arrays.stream(sorted).filter(v -> v == 0).count());
    }
}
