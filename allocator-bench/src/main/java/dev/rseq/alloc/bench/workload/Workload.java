package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.SizeDistribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The workloads of {@code compare}. Each builds its lanes for a thread count T; every
 * allocated block is written (8 bytes) in every workload, and every lane frees what it holds
 * at the end.
 */
public enum Workload {
    CHURN(
            "churn",
            "each of T threads keeps --working-set live blocks (default 1,024) of --sizes"
                    + " (default mixed); each step frees a random one and allocates a new one in its place") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            return churnLanes(a, p, p.workingSet(), p.sizes(), p.rate());
        }

        @Override
        public int slots(WorkloadParams p) {
            return p.threads() * p.workingSet();
        }
    },
    LOGUNIFORM(
            "loguniform",
            "churn with 4,096 live blocks per thread, sizes log-uniform 16 B-32 KiB"
                    + " (a working set of ~17 MiB per thread: far larger than L2)") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            return churnLanes(a, p, LOGUNIFORM_BLOCKS, LOG_SIZES, p.rate());
        }

        @Override
        public int slots(WorkloadParams p) {
            return p.threads() * LOGUNIFORM_BLOCKS;
        }
    },
    LARSON(
            "larson",
            "T threads, 1,000 slots of 8-1,000 B each; a random slot is freed and refilled;"
                    + " every --handoff-ops operations the thread ends and a new platform thread inherits its"
                    + " slots (the successor frees what its predecessor allocated)") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            List<Lane> lanes = new ArrayList<>();
            for (int t = 0; t < p.threads(); t++) {
                lanes.add(new LarsonLane(
                        a,
                        p.clock(),
                        p.nsPerTick(),
                        t * LARSON_SLOTS,
                        LARSON_SLOTS,
                        LARSON_SIZES.sample(p.seed() * 31 + t, SIZE_TABLE),
                        p.seed() * 17 + t,
                        p.handoffOps()));
            }
            return lanes;
        }

        @Override
        public int slots(WorkloadParams p) {
            return p.threads() * LARSON_SLOTS;
        }

        @Override
        public boolean crossThreadFree() {
            return true;
        }
    },
    VTHREADS(
            "vthreads",
            "64 virtual threads, 256 blocks each, sizes log-uniform 16 B-32 KiB; each"
                    + " yields (Thread.yield) every 1,000 operations; T is the number of carrier threads"
                    + " (jdk.virtualThreadScheduler.parallelism of the child JVM)") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            List<Lane> lanes = new ArrayList<>();
            for (int v = 0; v < VIRTUAL_THREADS; v++) {
                lanes.add(new ChurnLane(
                        a,
                        p.clock(),
                        p.nsPerTick(),
                        v * VIRTUAL_BLOCKS,
                        VIRTUAL_BLOCKS,
                        LOG_SIZES.sample(p.seed() * 31 + v, SIZE_TABLE),
                        p.seed() * 17 + v,
                        YIELD_EVERY_OPS / 2,
                        true,
                        0));
            }
            return lanes;
        }

        @Override
        public int slots(WorkloadParams p) {
            return VIRTUAL_THREADS * VIRTUAL_BLOCKS;
        }

        @Override
        public boolean virtualThreads() {
            return true;
        }

        @Override
        public int runningThreads(int threads) {
            return Math.min(threads, VIRTUAL_THREADS);
        }
    },
    PAIR(
            "pair",
            "each of T fresh platform threads allocates one 64 B block, writes it and frees it,"
                    + " in a loop, through a small static helper (the fast path of every allocator)") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            List<Lane> lanes = new ArrayList<>();
            for (int t = 0; t < p.threads(); t++) {
                lanes.add(new PairLane(a, p.clock(), p.nsPerTick(), t));
            }
            return lanes;
        }

        @Override
        public int slots(WorkloadParams p) {
            return p.threads();
        }
    },
    PRODUCER_CONSUMER(
            "producer-consumer",
            "T producer/consumer pairs (2T threads): the producer allocates"
                    + " 16-256 B blocks, writes them and queues them (SPSC ring of 1,024); its consumer frees them on"
                    + " its own thread") {
        @Override
        List<Lane> lanes(BenchAllocator a, WorkloadParams p) {
            List<Lane> lanes = new ArrayList<>();
            for (int t = 0; t < p.threads(); t++) {
                Channel channel = new Channel(t * Channel.CAPACITY);
                lanes.add(new ProducerLane(
                        a, p.clock(), p.nsPerTick(), channel, PC_SIZES.sample(p.seed() * 31 + t, SIZE_TABLE)));
                lanes.add(new ConsumerLane(a, p.clock(), p.nsPerTick(), channel));
            }
            return lanes;
        }

        @Override
        public int slots(WorkloadParams p) {
            return p.threads() * Channel.CAPACITY;
        }

        @Override
        public boolean crossThreadFree() {
            return true;
        }

        @Override
        public int runningThreads(int threads) {
            return 2 * threads;
        }
    };

    static final int SIZE_TABLE = 1 << 12;
    static final int LOGUNIFORM_BLOCKS = 4096;
    static final int LARSON_SLOTS = 1000;
    static final int VIRTUAL_THREADS = 64;
    static final int VIRTUAL_BLOCKS = 256;
    static final int YIELD_EVERY_OPS = 1000;
    static final SizeDistribution LOG_SIZES = SizeDistribution.logUniform(16, 32 * 1024);
    static final SizeDistribution LARSON_SIZES = SizeDistribution.uniform(8, 1000);
    static final SizeDistribution PC_SIZES = SizeDistribution.uniform(16, 256);

    private final String id;
    private final String description;

    Workload(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** The lanes of one cell; each runs on its own thread. */
    abstract List<Lane> lanes(BenchAllocator a, WorkloadParams p);

    /** Slots the allocator must have room for. */
    public abstract int slots(WorkloadParams p);

    /** True when blocks are freed on a thread other than the one that allocated them. */
    public boolean crossThreadFree() {
        return false;
    }

    public boolean virtualThreads() {
        return false;
    }

    /** Threads that run at once for a cell of {@code threads}: what divides ops/s into per-thread time. */
    public int runningThreads(int threads) {
        return threads;
    }

    private static List<Lane> churnLanes(
            BenchAllocator a, WorkloadParams p, int workingSet, SizeDistribution sizes, long rate) {
        List<Lane> lanes = new ArrayList<>();
        for (int t = 0; t < p.threads(); t++) {
            // Seeds depend only on the lane index: every allocator replays the same sizes and victims.
            lanes.add(new ChurnLane(
                    a,
                    p.clock(),
                    p.nsPerTick(),
                    t * workingSet,
                    workingSet,
                    sizes.sample(p.seed() * 31 + t, SIZE_TABLE),
                    p.seed() * 17 + t,
                    Lane.CHUNK_STEPS,
                    false,
                    rate));
        }
        return lanes;
    }

    public static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return w;
            }
        }
        throw new IllegalArgumentException(
                "unknown workload '" + id + "'; known: " + String.join(", ", ids()) + ", all");
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Workload::id).toList();
    }
}
