package dev.rseq.alloc.rseq;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Child main of {@link CoexistenceScenariosTest}: attaches, prints its rseq report, then runs
 * {@link Churn} on platform threads (each prints its own report), virtual threads and,
 * with {@code --foreign}, one platform thread whose rseq a foreign component took first.
 * Then checks the accounting and exits 1 on any error. Output lines (one JSON object each):
 * <pre>
 *   REPORT name {...}    RseqReport of thread "name" (main, worker-i, foreign, virtual)
 *   FOREIGN {...}        result of foreign_rseq_register on the foreign thread
 *   OWNREG {...}         registrations of short-lived threads (strategy own: each registers
 *                        with refcount 1 and unregisters at exit)
 *   MODES {...}          allocator.stats().threadCachesByMode() while every worker is alive
 *   FENCE {...}          RseqNative.fence results: 0 membarrier, 1 migration fallback
 *   OWNEXIT {...}        own registrations dropped when the workers exited
 *   STATS {...}          counts and accounting after the workload
 *   OK | ERROR text
 * </pre>
 * Options: {@code --foreign}, {@code --platform N} (4), {@code --virtual N} (100), {@code --ops N} (15000).
 */
public final class CoexistenceWorkload {
    private static final int LIFECYCLE_THREADS = 3;
    private static final long WAIT_MILLIS = 10_000;

    private CoexistenceWorkload() {}

    public static void main(String[] args) throws Exception {
        boolean foreign = List.of(args).contains("--foreign");
        int platform = intOption(args, "--platform", 4);
        int virtuals = intOption(args, "--virtual", 100);
        int ops = intOption(args, "--ops", 15_000);
        List<String> errors = Collections.synchronizedList(new ArrayList<>());

        RseqReport main = RseqReport.ofCurrentThread();
        out("REPORT main " + main.toJson());
        boolean own = "own".equals(main.strategy());
        if (own) {
            registrationLifecycle(errors);
        }
        long ownUnregisteredBefore = DoctorReport.ProcessFacts.current().ownUnregistrations();

        PerCpuAllocator allocator = PerCpuAllocator.builder()
                .maintenanceInterval(Duration.ofMillis(5))
                .build();
        Churn churn = new Churn(allocator, errors);
        CountDownLatch churned = new CountDownLatch(platform + (foreign ? 1 : 0));
        CountDownLatch exitGate = new CountDownLatch(1);
        AtomicInteger ownWorkers = new AtomicInteger(); // workers that registered our area
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < platform; i++) {
            String name = "worker-" + i;
            long seed = i;
            threads.add(Thread.ofPlatform().name(name).start(guarded(errors, name, () -> {
                if (platformWorker(name, churn, ops, seed, errors) == RseqMode.RSEQ_OWN) {
                    ownWorkers.incrementAndGet();
                }
                churned.countDown();
                exitGate.await();
            })));
        }
        if (foreign) {
            threads.add(Thread.ofPlatform().name("foreign").start(guarded(errors, "foreign", () -> {
                int rc = ForeignRseq.register(); // before anything attaches this thread
                out("FOREIGN {\"rc\":" + rc + ",\"foreignCpuId\":" + ForeignRseq.cpuId() + "}");
                if (rc != 0) {
                    errors.add("foreign_rseq_register failed: errno " + (-rc));
                }
                platformWorker("foreign", churn, ops, 99, errors);
                churned.countDown();
                exitGate.await();
            })));
        }
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int v = 0; v < virtuals; v++) {
                int id = v;
                vts.submit(guarded(errors, "virtual-" + v, () -> {
                    if (id == 0) {
                        out("REPORT virtual " + RseqReport.ofCurrentThread().toJson()); // its carrier's mode
                    }
                    churn.run(Math.max(1, ops / 30), 1000 + id, true);
                }));
            }
        }
        if (!churned.await(WAIT_MILLIS * 6, TimeUnit.MILLISECONDS)) {
            errors.add("platform workers did not finish");
        }
        // Thread caches of live threads keep their owners' modes; look at their modes before the workers exit.
        out("MODES " + json(allocator.stats().threadCachesByMode()));
        exitGate.countDown();
        for (Thread t : threads) {
            t.join();
        }
        churn.drainExchange();
        // The cross-CPU fence directly: 0 by membarrier, 1 by the migration fallback (membarrier blocked).
        out("FENCE {\"all\":" + RseqNative.fence(-1) + ",\"region0\":" + RseqNative.fence(0) + "}");
        if (own) {
            int registeredWorkers = ownWorkers.get();
            long dropped = waitForUnregistrations(ownUnregisteredBefore + registeredWorkers) - ownUnregisteredBefore;
            out("OWNEXIT {\"workers\":" + platform + ",\"registeredWorkers\":" + registeredWorkers
                    + ",\"unregistered\":" + dropped + "}");
        }
        checkAccounting(allocator, churn, errors);
        allocator.close();

        if (errors.isEmpty()) {
            out("OK");
            System.exit(0);
        }
        errors.forEach(e -> out("ERROR " + e));
        System.exit(1);
    }

    /** A platform thread's part: report its mode, churn, and check the mode did not change. */
    private static RseqMode platformWorker(String name, Churn churn, int ops, long seed, List<String> errors) {
        RseqReport r = RseqReport.ofCurrentThread();
        out("REPORT " + name + " " + r.toJson());
        churn.run(ops, seed, false);
        RseqMode after = RseqNative.attachCurrentThread();
        if (after != r.mode()) {
            errors.add(name + " changed mode from " + r.mode() + " to " + after);
        }
        return r.mode();
    }

    /**
     * Strategy own: short-lived threads each register our area (refcount 1) and must
     * unregister it when they exit. Runs before the allocator exists, so no other thread
     * registers meanwhile.
     */
    private static void registrationLifecycle(List<String> errors) throws InterruptedException {
        DoctorReport.ProcessFacts before = DoctorReport.ProcessFacts.current();
        long[] refcounts = new long[LIFECYCLE_THREADS];
        String[] modes = new String[LIFECYCLE_THREADS];
        for (int i = 0; i < LIFECYCLE_THREADS; i++) {
            int k = i;
            Thread t = Thread.ofPlatform().start(guarded(errors, "lifecycle-" + i, () -> {
                RseqReport r = RseqReport.ofCurrentThread();
                refcounts[k] = r.refcount();
                modes[k] = r.mode().label();
            }));
            t.join();
        }
        long registered = DoctorReport.ProcessFacts.current().ownRegistrations() - before.ownRegistrations();
        long unregistered = waitForUnregistrations(before.ownUnregistrations() + registered);
        out("OWNREG {\"threads\":" + LIFECYCLE_THREADS
                + ",\"registered\":" + registered
                + ",\"unregistered\":" + (unregistered - before.ownUnregistrations())
                + ",\"refcounts\":\"" + join(refcounts) + "\",\"modes\":\"" + String.join(",", modes) + "\"}");
    }

    /**
     * Unregistration runs in a pthread key destructor, after Thread.join() has returned, so
     * the count catches up a little later: poll until it reaches {@code target} (or give up).
     */
    private static long waitForUnregistrations(long target) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        long n;
        while ((n = DoctorReport.ProcessFacts.current().ownUnregistrations()) < target
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        return n;
    }

    /** After every block came back: nothing in use, and after a full release nothing cached. */
    private static void checkAccounting(PerCpuAllocator allocator, Churn churn, List<String> errors) {
        long allocations = churn.allocations.sum();
        long frees = churn.frees.sum();
        if (allocations != frees) {
            errors.add(allocations + " allocations but " + frees + " frees");
        }
        allocator.releaseMemory();
        AllocatorStats s = allocator.stats();
        boolean heapBalanced = s.heapMappedBytes() == s.heapInUseBytes() + s.heapFreeBytes() + s.heapUnbackedBytes();
        out("STATS {\"allocations\":" + allocations + ",\"frees\":" + frees
                + ",\"crossThreadFrees\":" + churn.crossThreadFrees.sum()
                + ",\"crossModeFrees\":" + churn.crossModeFrees.sum() + ",\"largeBlocks\":" + churn.largeBlocks.sum()
                + ",\"objectsInUse\":" + s.objectsInUse() + ",\"bytesInUse\":" + s.bytesInUse()
                + ",\"largeBytesInUse\":" + s.largeBytesInUse() + ",\"cachedBytes\":" + s.cachedBytes()
                + ",\"casOperations\":" + s.casOperations() + ",\"rseqAborts\":" + s.rseqAborts()
                + ",\"indexedBy\":\"" + s.indexedBy() + "\",\"heapBalanced\":" + heapBalanced
                + ",\"ownRegistrations\":" + DoctorReport.ProcessFacts.current().ownRegistrations() + "}");
        if (s.objectsInUse() != 0 || s.bytesInUse() != 0 || s.largeBytesInUse() != 0) {
            errors.add("accounting: everything was freed but stats say " + s);
        }
        if (s.cachedBytes() != 0) {
            errors.add("accounting: releaseMemory() left " + s.cachedBytes() + " B cached: " + s);
        }
        if (!heapBalanced) {
            errors.add("page heap unbalanced: " + s);
        }
    }

    private static Runnable guarded(List<String> errors, String name, Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                t.printStackTrace();
                errors.add(name + ": " + t);
            }
        };
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private static String json(Map<String, Integer> counts) {
        return counts.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static String join(long[] values) {
        StringBuilder s = new StringBuilder();
        for (long v : values) {
            s.append(s.isEmpty() ? "" : ",").append(v);
        }
        return s.toString();
    }

    private static int intOption(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    private static synchronized void out(String line) {
        System.out.println(line);
    }
}
