package dev.rseq.alloc.stress;

import dev.rseq.alloc.rseq.RseqNative;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** State shared by every thread of one run: the stop flag, the live set, the first violation. */
final class RunContext {
    final StressConfig config;
    final List<Lane> lanes;
    final LiveSet live = new LiveSet();
    final LongAdder ops = new LongAdder();
    final LongAdder churned = new LongAdder();
    /** Bad frees made by workers, every one rejected with an exception (an accepted one is a violation). */
    final LongAdder badFreesRejected = new LongAdder();
    /** Memory that is no block of any lane: the target of foreign bad frees (freed by the run). */
    final java.lang.foreign.Arena foreign = java.lang.foreign.Arena.ofShared();

    final long foreignBlock = foreign.allocate(4096, 64).address();
    /** rseq modes seen on worker threads (glibc, own, cas-...). */
    final Set<String> threadModes = ConcurrentHashMap.newKeySet();
    /** Kernel thread ids of running workers, for the migrator. */
    final Set<Integer> workerTids = ConcurrentHashMap.newKeySet();

    private final ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Violation> first = new AtomicReference<>();
    private volatile boolean stop;

    RunContext(StressConfig config, List<Lane> lanes) {
        this.config = config;
        this.lanes = lanes;
    }

    boolean running() {
        return !stop;
    }

    void stop() {
        stop = true;
    }

    /** Records a violation (only the first is kept) and stops the run. */
    void violation(Violation v) {
        first.compareAndSet(null, v);
        stop = true;
    }

    Violation firstViolation() {
        return first.get();
    }

    /** Starts a platform thread that the run will join before its final accounting. */
    Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    /** Every thread started so far, including churn replacements started while joining. */
    Iterable<Thread> threads() {
        return threads;
    }

    int threadCount() {
        return threads.size();
    }

    static String threadMode() {
        try {
            return RseqNative.attachCurrentThread().label();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
