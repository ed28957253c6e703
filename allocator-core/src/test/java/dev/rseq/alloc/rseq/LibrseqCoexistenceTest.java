package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every cell of the who-first table in docs/coexistence.md ("librseq"), each in its own JVM
 * running {@link LibrseqWorkload} with the librseq-like registrant (allocator-native's
 * librseq_like.c, which aborts like librseq does). Under glibc's registration and with it
 * off; with the registrant LD_PRELOADed (present before the allocator starts) and loaded
 * RTLD_LOCAL afterwards. Two cells end in librseq's abort by design: they pin down what
 * the opt-in {@code rseqalloc.librseqRegister=true} and the default
 * {@code rseqalloc.selfRegister=true} risk, which the table documents.
 */
class LibrseqCoexistenceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String TUNABLE_OFF = "glibc.pthread.rseq=0";
    private static final int SIGABRT_EXIT = 134;
    private static final int EINVAL = 22;

    private static Path lib;

    @BeforeAll
    static void registrant() {
        lib = LibrseqLike.path();
    }

    private static ChildJvm child(String scenario, String... flags) {
        String[] args = new String[flags.length + 2];
        args[0] = scenario;
        args[1] = lib.toString();
        System.arraycopy(flags, 0, args, 2, flags.length);
        ChildJvm c = ChildJvm.of(LibrseqWorkload.class, args);
        return scenario.equals("preloaded") ? c.env("LD_PRELOAD", lib.toString()) : c;
    }

    // ---- glibc registers: librseq defers to it, one area for everyone --------------------

    @Test
    void glibcFirstLibrseqPreloadedBothOrdersShareGlibcsArea() throws Exception {
        Run r = Run.ok(child("preloaded"));
        for (String step : List.of("main", "librseq-first", "ours-only", "ours-first-before", "ours-first-after")) {
            r.mode(step, "rseq-glibc", "glibc-registered");
        }
        r.registered("librseq-first", 0, 0);
        r.registered("ours-first", 0, 0);
        r.sameArea();
        r.slabWorks("librseq-first", "ours-only", "ours-first");
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("glibc", doctor.get("strategy"));
        assertEquals("true", doctor.get("librseqPresent"), "doctor names the librseq it found");
        assertTrue(doctor.get("librseqNote").contains("share glibc's area"), doctor.get("librseqNote"));
    }

    @Test
    void glibcFirstLibrseqLoadedLaterSharesGlibcsArea() throws Exception {
        Run r = Run.ok(child("late", "--early-librseq-last"));
        for (String step : List.of("main-before", "early-before", "after-before", "after-after", "early-after")) {
            r.mode(step, "rseq-glibc", "glibc-registered");
        }
        r.registered("after", 0, 0);
        r.registered("early", 0, 0);
        r.sameArea();
        r.slabWorks("early", "after");
    }

    // ---- glibc off, librseq there before the allocator starts ----------------------------

    @Test
    void librseqPreloadedOwnsRegistrationInBothOrders() throws Exception {
        Run r = Run.ok(child("preloaded").env("GLIBC_TUNABLES", TUNABLE_OFF));
        r.mode("librseq-first", "rseq-librseq", "librseq-registered");
        r.registered("librseq-first", 0, 0);
        // ours first: we attach, do not register, and librseq's later call succeeds
        r.mode("ours-first-before", "cas-unregistered", "librseq-pending");
        r.registered("ours-first", 0, 0);
        r.mode("ours-first-after", "rseq-librseq", "librseq-registered");
        r.mode("ours-only", "cas-unregistered", "librseq-pending");
        r.mode("main", "cas-unregistered", "librseq-pending");
        r.sameArea();
        r.slabWorks("librseq-first", "ours-first");
        r.slabRefuses("ours-only");
        assertEquals(
                Map.of("rseq-librseq", "2", "cas-unregistered", "1"),
                r.json("MODES"),
                "the allocator runs rseq on every thread librseq registered");
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("librseq", doctor.get("strategy"));
        assertEquals("adopted", doctor.get("librseqState"));
        assertEquals("0", doctor.get("ownRegistrations"), "we registered nothing ourselves");
        assertTrue(doctor.get("why").contains("has not registered this thread"), doctor.get("why"));
    }

    @Test
    void librseqRegisterSettingRegistersEveryThreadThroughLibrseq() throws Exception {
        Run r = Run.ok(
                child("preloaded").env("GLIBC_TUNABLES", TUNABLE_OFF).jvmArg("-Drseqalloc.librseqRegister=true"));
        r.mode("main", "rseq-librseq", "librseq-delegated");
        r.mode("librseq-first", "rseq-librseq", "librseq-registered");
        r.mode("ours-only", "rseq-librseq", "librseq-delegated");
        r.sameArea();
        r.slabWorks("librseq-first", "ours-only");
        assertEquals(Map.of("rseq-librseq", "2"), r.json("MODES"));
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("2", doctor.get("librseqDelegated"), "main and ours-only");
        assertEquals("true", doctor.get("librseqRegister"));
    }

    @Test
    void librseqRegisterSettingThenLibrseqsUserRegisteringAbortsWhichIsWhyItIsOptIn() throws Exception {
        ChildJvm.Result r = child("preloaded", "--ours-first-too")
                .env("GLIBC_TUNABLES", TUNABLE_OFF)
                .jvmArg("-Drseqalloc.librseqRegister=true")
                .run(TIMEOUT);
        assertEquals(
                SIGABRT_EXIT,
                r.exitCode(),
                "librseq aborts on its second registration of a thread\n" + r.diagnostics());
        Map<String, String> before =
                Json.parse(r.line("REPORT ours-first-before").orElseThrow(() -> new AssertionError(r.diagnostics())));
        assertEquals("librseq-delegated", before.get("reason"), "we had registered it through librseq");
        assertTrue(r.line("REGISTER ours-first").isEmpty(), "the call never returned\n" + r.diagnostics());
    }

    // ---- glibc off, librseq loaded after the allocator started ---------------------------

    @Test
    void librseqLoadedLaterIsAdoptedWhenNoThreadRunsOnOurRegistration() throws Exception {
        Run r = Run.ok(child("late", "--no-early").env("GLIBC_TUNABLES", TUNABLE_OFF));
        r.mode("after-before", "cas-unregistered", "librseq-pending");
        r.registered("after", 0, 0);
        r.mode("after-after", "rseq-librseq", "librseq-registered");
        r.sameArea();
        r.slabWorks("after");
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("librseq", doctor.get("strategy"), "found RTLD_LOCAL, outside the global scope");
        assertEquals("adopted-late", doctor.get("librseqState"));
    }

    @Test
    void selfRegisterFalseLetsALibrseqLoadedLaterTakeEveryThread() throws Exception {
        Run r = Run.ok(child("late", "--early-librseq-first")
                .env("GLIBC_TUNABLES", TUNABLE_OFF)
                .env("RSEQALLOC_SELF_REGISTER", "false"));
        r.mode("main-before", "cas-unregistered", "self-register-off");
        r.mode("early-before", "cas-unregistered", "self-register-off");
        r.registered("early", 0, 0);
        r.mode("after-before", "cas-unregistered", "librseq-pending");
        r.registered("after", 0, 0);
        r.mode("after-after", "rseq-librseq", "librseq-registered");
        r.mode("early-after", "rseq-librseq", "librseq-registered");
        r.sameArea();
        r.slabWorks("early", "after");
        assertEquals(Map.of("rseq-librseq", "2"), r.json("MODES"));
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("adopted-late", doctor.get("librseqState"));
        assertEquals("false", doctor.get("selfRegister"));
        assertEquals("0", doctor.get("ownRegistrations"));
        assertTrue(
                Json.list(doctor.get("warnings")).stream().noneMatch(w -> w.contains("selfRegister=false")),
                "nothing to warn about: " + doctor.get("warnings"));
    }

    @Test
    void librseqLoadedLaterFailsWithEinvalOnAThreadWeRegisteredAndDoctorWarns() throws Exception {
        Run r = Run.ok(child("late", "--early-librseq-first").env("GLIBC_TUNABLES", TUNABLE_OFF));
        r.mode("main-before", "rseq-own", "own-registered");
        r.mode("early-before", "rseq-own", "own-registered");
        r.registered("early", -1, EINVAL); // librseq's first registration: it returns -1, no abort yet
        r.mode("early-after", "rseq-own", "own-registered");
        // a new thread: we no longer register, so librseq can
        r.mode("after-before", "cas-unregistered", "librseq-late");
        r.registered("after", 0, 0);
        r.mode("after-after", "cas-unregistered", "librseq-late");
        r.slabWorks("early");
        r.slabRefuses("after");
        Map<String, String> doctor = r.json("DOCTOR");
        assertEquals("own", doctor.get("strategy"));
        assertEquals("blocked", doctor.get("librseqState"));
        assertTrue(Long.parseLong(doctor.get("ownLive")) >= 1, doctor.toString());
        assertTrue(
                Json.list(doctor.get("warnings")).stream().anyMatch(w -> w.contains("-Drseqalloc.selfRegister=false")),
                "doctor tells the user what to do: " + doctor.get("warnings"));
    }

    @Test
    void librseqLoadedLaterAbortsOnAThreadWeRegisteredOnceItRegisteredAnother() throws Exception {
        ChildJvm.Result r = child("late", "--early-librseq-last")
                .env("GLIBC_TUNABLES", TUNABLE_OFF)
                .run(TIMEOUT);
        assertEquals(SIGABRT_EXIT, r.exitCode(), "the cell selfRegister=false exists for\n" + r.diagnostics());
        assertEquals(
                "0",
                Json.parse(r.line("REGISTER after").orElseThrow(() -> new AssertionError(r.diagnostics())))
                        .get("rc"));
        assertTrue(r.line("REGISTER early").isEmpty(), r.diagnostics());
    }

    /** A finished, successful child and its lines. */
    private record Run(ChildJvm.Result result) {
        static Run ok(ChildJvm child) throws Exception {
            ChildJvm.Result r = child.run(TIMEOUT);
            System.out.println("[librseq] " + r.elapsed().toMillis() + " ms: " + r.command());
            if (r.exitCode() != 0 || !r.lines().contains("OK")) {
                fail("scenario failed\n" + r.diagnostics());
            }
            return new Run(r);
        }

        Map<String, String> json(String prefix) {
            return Json.parse(result.line(prefix)
                    .orElseThrow(() -> new AssertionError("no " + prefix + " line\n" + result.diagnostics())));
        }

        void mode(String step, String mode, String reason) {
            Map<String, String> r = json("REPORT " + step);
            assertEquals(mode, r.get("mode"), step + "\n" + result.diagnostics());
            assertEquals(reason, r.get("reason"), step + "\n" + result.diagnostics());
        }

        void registered(String actor, int rc, int errno) {
            Map<String, String> r = json("REGISTER " + actor);
            assertEquals("" + rc, r.get("rc"), actor + ": " + r);
            assertEquals("" + errno, r.get("errno"), actor + ": " + r);
        }

        /** Our sections read the very area librseq registers. */
        void sameArea() {
            Map<String, String> area = json("AREA");
            assertEquals(area.get("librseq"), area.get("ours"), area.toString());
        }

        void slabWorks(String... actors) {
            for (String a : actors) {
                Map<String, String> s = json("SLAB " + a);
                assertEquals("1", s.get("push"), a + " ran a critical section: " + s);
                assertEquals("" + 0x1230, s.get("pop"), a + ": " + s);
            }
        }

        void slabRefuses(String... actors) {
            for (String a : actors) {
                Map<String, String> s = json("SLAB " + a);
                assertEquals("" + RseqNative.NOT_REGISTERED, s.get("push"), a + " has no usable registration: " + s);
                assertEquals("" + RseqNative.NOT_REGISTERED, s.get("pop"), a + ": " + s);
            }
            assertFalse(result.output().contains("ERROR"), result.diagnostics());
        }
    }

    @Test
    void theRegistrantIsNotInTheProductionJarButIsFound() {
        assertTrue(lib.toFile().isFile(), lib.toString());
        assertNull(
                dev.rseq.alloc.nativelib.NativeResources.open("librseqlike.so"),
                "test helpers stay out of the production jar");
    }
}
