package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.timer.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One logical thread of a workload: its blocks, its random state, its latency histograms
 * and its operation count. Usually one thread runs a lane from start to end; a larson lane
 * passes from thread to thread (each start is a happens-before edge, so the plain fields
 * need no synchronisation).
 *
 * <p>Work is done in chunks of a few hundred steps so the JIT compiles the chunk methods as
 * ordinary methods, and so the clock is read only between chunks.
 */
public abstract class Lane {
    /** What {@link #runPhases} returns. */
    public enum Exit {
        /** The timeline is over. */
        FINISHED,
        /** This lane wants a new thread to continue on (larson). */
        HANDOFF
    }

    static final int CHUNK_STEPS = 256;
    /** Longest latency the histograms track; far beyond anything a sane run produces. */
    static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    protected final BenchAllocator allocator;
    protected final Clock clock;
    private final double nsPerTick;

    final Histogram allocLatency = newHistogram();
    final Histogram freeLatency = newHistogram();
    /** With {@link #timedBatch} above 1: each batch's mean time per op, weighted by its op count. */
    final Histogram batchLatency = newHistogram();
    /** Steps timed together as one reading; 1 times every allocate and free on its own. */
    int timedBatch = 1;
    /** Set when the lane failed mid-step; it is then not drained. */
    boolean broken;
    /** Where this lane is in the {@link Timeline}, and how many chunks it has run there. */
    private int phase = Timeline.TIMED_WARMUP;

    private int chunksInPhase;
    long countedOps;
    private long countStart = -1;
    private long countEnd;

    protected Lane(BenchAllocator allocator, Clock clock, double nsPerTick) {
        this.allocator = allocator;
        this.clock = clock;
        this.nsPerTick = nsPerTick;
    }

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_NS, 3);
    }

    /** Allocates the initial working set (before the timeline starts). */
    abstract void fill();

    /**
     * Up to {@code n} steps, each allocate and free timed on its own; returns the operations
     * done (1 op = one allocate or one free).
     */
    abstract int timedSteps(int n);

    /** Up to {@code n} steps without timer reads; returns the operations done. */
    abstract int steps(int n);

    /** Steps in the next chunk. */
    int chunkSteps() {
        return CHUNK_STEPS;
    }

    int timedChunk() {
        int n = chunkSteps();
        return timedBatch == 1 ? timedSteps(n) : batchedSteps(n);
    }

    int untimedChunk() {
        return steps(chunkSteps());
    }

    /**
     * Timer readings around batches of {@link #timedBatch} untimed steps: the floor of the
     * timer is spread over the batch, at the price of seeing means of a few ops rather than
     * single ops (a slow op shows diluted), and of including the harness's per-step work.
     */
    private int batchedSteps(int n) {
        int total = 0;
        for (int done = 0; done < n; done += timedBatch) {
            long t0 = clock.ticks();
            int ops = steps(Math.min(timedBatch, n - done));
            long t1 = clock.ticks();
            if (ops > 0) {
                batchLatency.recordValueWithCount(Math.max(0, (long) ((t1 - t0) * nsPerTick / ops)), ops);
                total += ops;
            }
        }
        return total;
    }

    /** What the latency phase runs: {@link #timedChunk} unless the lane is paced. */
    int latencyChunk() {
        return timedChunk();
    }

    /** After the timeline, failed or not: e.g. a producer tells its consumer no more blocks come. */
    void stop() {}

    /** After the timeline, before {@link #drain}: e.g. a consumer empties its queue. */
    void finishPhases() {}

    /** Frees every block this lane still holds. */
    abstract void drain();

    /** Checked after every chunk: true asks for a new thread. */
    boolean handoffDue() {
        return false;
    }

    /** Called on the old thread just before a successor takes the lane over. */
    void handedOff() {}

    /** Called after every chunk on the lane's thread (a virtual thread yields here). */
    void afterChunk() {}

    /** Records a timed operation; a reading that went backwards (another CPU's TSC) counts as 0. */
    protected final void record(Histogram h, long ticks) {
        h.recordValue(Math.max(0, (long) (ticks * nsPerTick)));
    }

    /** Runs chunks, choosing by the clock what each does, until the timeline ends or a handoff is due. */
    final Exit runPhases(Timeline t) {
        while (true) {
            long now = System.nanoTime();
            if (t.phaseAt(now) > phase && chunksInPhase > 0) {
                phase++;
                chunksInPhase = 0;
                if (phase == Timeline.LATENCY) {
                    allocLatency.reset();
                    freeLatency.reset();
                    batchLatency.reset();
                }
            }
            switch (phase) {
                case Timeline.TIMED_WARMUP -> timedChunk();
                case Timeline.UNTIMED_WARMUP -> untimedChunk();
                case Timeline.LATENCY -> latencyChunk();
                case Timeline.COUNTED -> {
                    if (countStart < 0) {
                        countStart = now;
                    }
                    countedOps += untimedChunk();
                    countEnd = System.nanoTime();
                }
                default -> {
                    return Exit.FINISHED;
                }
            }
            chunksInPhase++;
            if (handoffDue()) {
                return Exit.HANDOFF;
            }
            afterChunk();
        }
    }

    /**
     * All lanes' counted operations per second of wall time, from the first counted chunk's
     * start to the last one's end (handoffs, yields and waits inside count as time spent).
     */
    static double opsPerSecond(List<Lane> lanes) {
        long ops = 0;
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (Lane lane : lanes) {
            if (lane.countStart >= 0) {
                ops += lane.countedOps;
                start = Math.min(start, lane.countStart);
                end = Math.max(end, lane.countEnd);
            }
        }
        return end <= start ? 0 : ops * 1e9 / (end - start);
    }

    /** xorshift64: cheap, and good enough to pick victims. */
    static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
