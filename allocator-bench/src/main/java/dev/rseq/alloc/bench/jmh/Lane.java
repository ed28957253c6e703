package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.SizeDistribution;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/** A benchmark thread's own slots, block table and pre-drawn mixed sizes. */
@State(Scope.Thread)
public class Lane {
    private static final int SIZE_TABLE = 1 << 12;

    public int base;
    public long[] address;
    public long[] sizes;
    private int next;

    @Setup(Level.Trial)
    public void setup(ThreadParams thread) {
        if (thread.getThreadIndex() >= AllocatorState.MAX_THREADS) {
            throw new IllegalStateException("at most " + AllocatorState.MAX_THREADS + " threads");
        }
        base = thread.getThreadIndex() * AllocatorState.LANE;
        address = new long[AllocatorState.LANE];
        // Same seed per thread index for every allocator: identical size sequences.
        sizes = SizeDistribution.parse("mixed").sample(1000 + thread.getThreadIndex(), SIZE_TABLE);
    }

    /** The next size of the mixed distribution. */
    public long nextSize() {
        return sizes[next++ & (SIZE_TABLE - 1)];
    }
}
