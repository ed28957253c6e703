package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.Progress;
import dev.rseq.alloc.bench.cli.Durations;
import dev.rseq.alloc.bench.peer.Peer;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Runs one allocator at each thread count, in this JVM: all threads fill their working
 * sets, then move through warmup, the latency phase and the untimed ops/s phase together
 * (a barrier between phases), then free everything.
 */
final class AllocatorRun {
    private static final int SIZE_TABLE = 1 << 16;

    private AllocatorRun() {
    }

    static List<RunResult> run(Peer peer, CompareOptions options, Progress progress) throws InterruptedException {
        int maxThreads = Collections.max(options.threads());
        List<RunResult> results = new ArrayList<>();
        try (BenchAllocator allocator = peer.open(maxThreads * options.workingSet())) {
            for (int threads : options.threads()) {
                results.add(run(peer.id(), allocator, threads, options, progress));
            }
        }
        return results;
    }

    private static RunResult run(String id, BenchAllocator allocator, int threads, CompareOptions o, Progress progress)
            throws InterruptedException {
        ChurnWorker[] workers = new ChurnWorker[threads];
        for (int t = 0; t < threads; t++) {
            // Seeds depend only on the thread index: every allocator replays the same sizes and victims.
            long[] sizes = o.sizes().sample(o.seed() * 31 + t, SIZE_TABLE);
            workers[t] = new ChurnWorker(allocator, t * o.workingSet(), o.workingSet(), sizes, o.seed() * 17 + t);
        }
        String label = allocator.name() + ", " + threads + (threads == 1 ? " thread" : " threads");
        long[] ops = new long[threads];
        long[] elapsed = new long[threads];
        CyclicBarrier barrier = new CyclicBarrier(threads);
        Thread[] runners = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        long startMillis = System.currentTimeMillis();
        for (int t = 0; t < threads; t++) {
            int index = t;
            runners[t] = Thread.ofPlatform().name("churn-" + t).start(() -> {
                try {
                    ChurnWorker w = workers[index];
                    w.fill();
                    barrier.await();
                    if (index == 0) {
                        progress.update(label + ": warmup " + Durations.format(o.warmup()));
                    }
                    long start = System.nanoTime();
                    long half = o.warmup().toNanos() / 2;
                    w.timed(start + half);
                    w.untimed(start + o.warmup().toNanos());
                    w.resetHistograms();
                    barrier.await();
                    if (index == 0) {
                        progress.update(label + ": latency " + Durations.format(o.duration()));
                    }
                    start = System.nanoTime();
                    long deadline = start + o.duration().toNanos();
                    if (o.rate() > 0) {
                        w.paced(start, 1_000_000_000L / o.rate(), deadline);
                    } else {
                        w.timed(deadline);
                    }
                    barrier.await();
                    if (index == 0) {
                        progress.update(label + ": ops/s " + Durations.format(o.throughput()));
                    }
                    start = System.nanoTime();
                    ops[index] = w.untimed(start + o.throughput().toNanos());
                    elapsed[index] = System.nanoTime() - start;
                    w.drain();
                } catch (BrokenBarrierException e) {
                    // Another thread failed; its exception is reported.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                    barrier.reset(); // wakes the others with BrokenBarrierException
                }
            });
        }
        for (Thread r : runners) {
            r.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException(label + " failed: " + failure[0], failure[0]);
        }
        Histogram alloc = ChurnWorker.newHistogram();
        Histogram free = ChurnWorker.newHistogram();
        double opsPerSecond = 0;
        for (int t = 0; t < threads; t++) {
            alloc.add(workers[t].allocLatency);
            free.add(workers[t].freeLatency);
            opsPerSecond += ops[t] * 1e9 / elapsed[t];
        }
        long endMillis = System.currentTimeMillis();
        for (Histogram h : List.of(alloc, free)) {
            h.setStartTimeStamp(startMillis);
            h.setEndTimeStamp(endMillis);
        }
        progress.done(label + ": done");
        return new RunResult(id, allocator.name(), threads, alloc, free, opsPerSecond);
    }
}
