package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.PerCpuAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Child main of {@link LibrseqCoexistenceTest}: one cell of the who-first table of
 * docs/coexistence.md per run. Named platform threads ("actors") run scripted steps in a
 * fixed order: register through the librseq-like registrant, attach (take a report), run
 * the allocator, push and pop a private slab directly. Output lines:
 * <pre>
 *   REPORT step {...}     RseqReport of the actor at that step
 *   REGISTER actor {...}  rseq_register_current_thread(): rc and errno
 *   SLAB actor {...}      one push and one pop on a private slab: 1 and the pointer under rseq,
 *                         -1 (NOT_REGISTERED) each on a thread without a usable registration
 *   AREA {...}            our area offset and librseq's rseq_offset
 *   MODES {...}           allocator.stats().threadCachesByMode() while the actors live
 *   DOCTOR {...}          doctor --json of the main thread at the end
 *   OK | ERROR text
 * </pre>
 * Scenarios: {@code preloaded LIB} (the registrant is LD_PRELOADed: librseq-first,
 * ours-first and ours-only actors), {@code late LIB} (loaded RTLD_LOCAL after the allocator
 * started: actors early, before the load, and after). Flags: {@code --ours-first-too}
 * (preloaded with rseqalloc.librseqRegister=true: the cell where librseq aborts),
 * {@code --no-early} (late: nothing attaches before the load), {@code --early-librseq-first},
 * {@code --early-librseq-last} (late: when the early actor calls librseq).
 */
public final class LibrseqWorkload {
    private static final int OPS = 3000;
    private static final List<String> ERRORS = Collections.synchronizedList(new ArrayList<>());

    private LibrseqWorkload() {}

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        Path lib = Path.of(args[1]);
        Set<String> flags =
                Set.of(args).stream().filter(a -> a.startsWith("--")).collect(Collectors.toSet());
        PerCpuAllocator allocator =
                PerCpuAllocator.builder().maintenanceInterval(null).build();
        List<Actor> actors = new ArrayList<>();
        LibrseqLike librseq;
        if (scenario.equals("preloaded")) {
            librseq = LibrseqLike.open(lib);
            report("main", "main");
            Actor first = actor(actors, "librseq-first");
            first.run(() -> register(librseq, "librseq-first"));
            first.run(() -> report("librseq-first", "librseq-first"));
            Actor ours = actor(actors, "ours-only");
            ours.run(() -> report("ours-only", "ours-only"));
            // With rseqalloc.librseqRegister=true this is the cell where librseq aborts: opt-in only.
            if (!RseqNative.LIBRSEQ_REGISTER || flags.contains("--ours-first-too")) {
                Actor both = actor(actors, "ours-first");
                both.run(() -> report("ours-first", "ours-first-before"));
                both.run(() -> register(librseq, "ours-first"));
                both.run(() -> report("ours-first", "ours-first-after"));
            }
        } else {
            boolean early = !flags.contains("--no-early");
            Actor before = early ? actor(actors, "early") : null;
            if (early) {
                report("main", "main-before");
                before.run(() -> report("early", "early-before"));
            } else {
                out("REGIONS " + RseqNative.regionCount()); // the library starts; nothing attaches
            }
            librseq = LibrseqLike.open(lib);
            out("LOADED {\"rescan\":\"not called\"}");
            if (early && flags.contains("--early-librseq-first")) {
                before.run(() -> register(librseq, "early"));
                before.run(() -> report("early", "early-registered"));
            }
            Actor after = actor(actors, "after");
            after.run(() -> report("after", "after-before"));
            after.run(() -> register(librseq, "after"));
            after.run(() -> report("after", "after-after"));
            if (early && flags.contains("--early-librseq-last")) {
                before.run(() -> register(librseq, "early"));
            }
            if (early) {
                before.run(() -> report("early", "early-after"));
                report("main", "main-after");
            }
        }
        out("AREA {\"ours\":" + RseqNative.query(RseqNative.Q_RSEQ_OFFSET) + ",\"librseq\":" + librseq.rseqOffset()
                + ",\"librseqSize\":" + librseq.rseqSize() + "}");
        for (Actor a : actors) {
            a.run(() -> churn(allocator, a.name));
            a.run(() -> slab(a.name));
        }
        out("MODES " + json(allocator.stats().threadCachesByMode()));
        for (Actor a : actors) {
            a.stop();
        }
        RseqReport main = RseqReport.ofCurrentThread();
        out("DOCTOR " + DoctorReport.json(main, DoctorReport.ProcessFacts.current(), Map.of()));
        allocator.close();
        if (ERRORS.isEmpty()) {
            out("OK");
            System.exit(0);
        }
        ERRORS.forEach(e -> out("ERROR " + e));
        System.exit(1);
    }

    /** A named platform thread that runs the steps given to it, one at a time, in order. */
    private static final class Actor {
        final String name;
        final ExecutorService thread;

        Actor(String name) {
            this.name = name;
            this.thread = Executors.newSingleThreadExecutor(
                    r -> Thread.ofPlatform().name(name).unstarted(r));
        }

        void run(Callable<?> step) throws Exception {
            thread.submit(step).get(60, TimeUnit.SECONDS);
        }

        void run(Runnable step) throws Exception {
            run(() -> {
                step.run();
                return null;
            });
        }

        void stop() throws InterruptedException {
            thread.shutdown();
            thread.awaitTermination(60, TimeUnit.SECONDS);
        }
    }

    private static Actor actor(List<Actor> actors, String name) {
        Actor a = new Actor(name);
        actors.add(a);
        return a;
    }

    private static void report(String actor, String step) {
        out("REPORT " + step + " " + RseqReport.ofCurrentThread().toJson());
    }

    private static void register(LibrseqLike librseq, String actor) {
        int[] r = librseq.register();
        out("REGISTER " + actor + " {\"rc\":" + r[0] + ",\"errno\":" + r[1] + "}");
    }

    /** Blocks of a few sizes, each written and checked before it is freed. */
    private static void churn(PerCpuAllocator allocator, String actor) {
        SplittableRandom random = new SplittableRandom(actor.hashCode());
        long[] held = new long[32];
        int[] sizes = new int[held.length];
        for (int i = 0; i < OPS; i++) {
            int k = random.nextInt(held.length);
            if (held[k] != 0) {
                if (MemorySegment.ofAddress(held[k]).reinterpret(8).get(JAVA_LONG, 0) != held[k]) {
                    ERRORS.add(actor + ": block 0x" + Long.toHexString(held[k]) + " lost its contents");
                }
                allocator.free(held[k], sizes[k]);
            }
            sizes[k] = 16 << random.nextInt(6);
            held[k] = allocator.allocate(sizes[k]);
            MemorySegment.ofAddress(held[k]).reinterpret(8).set(JAVA_LONG, 0, held[k]);
        }
        for (int k = 0; k < held.length; k++) {
            if (held[k] != 0) {
                allocator.free(held[k], sizes[k]);
            }
        }
    }

    /** One push and one pop on a private one-class slab, laid out from the native contract. */
    private static void slab(String actor) {
        long word = NativeContract.nativeValue("RA_SLAB_WORD_BYTES").orElseThrow();
        long first = NativeContract.nativeValue("RA_SLAB_FIRST_HEADER_WORD").orElseThrow();
        long begin = first + 1;
        long header = begin
                        << NativeContract.nativeValue("RA_SLAB_HDR_CURRENT_SHIFT")
                                .orElseThrow()
                | (begin + 4)
                        << NativeContract.nativeValue("RA_SLAB_HDR_END_SHIFT").orElseThrow()
                | begin << NativeContract.nativeValue("RA_SLAB_HDR_BEGIN_SHIFT").orElseThrow();
        long regionSize = 4096;
        int regions = RseqNative.regionCount();
        long push = 0;
        long pop = 0;
        // The thread may change region between the two calls (migration, mm_cid compaction):
        // then the pop finds its own region empty. Try again on a fresh slab.
        for (int attempt = 0;
                attempt < 20 && !(push == 1 && pop == 0x1230) && push != RseqNative.NOT_REGISTERED;
                attempt++) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment slab = arena.allocate(regionSize * regions, 4096);
                for (int r = 0; r < regions; r++) {
                    slab.set(JAVA_LONG, r * regionSize + first * word, header);
                }
                push = RseqNative.push(slab.address(), regionSize, 0, 0x1230);
                pop = RseqNative.pop(slab.address(), regionSize, 0);
            }
        }
        out("SLAB " + actor + " {\"push\":" + push + ",\"pop\":" + pop + "}");
    }

    private static String json(Map<String, Integer> counts) {
        return counts.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static synchronized void out(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
