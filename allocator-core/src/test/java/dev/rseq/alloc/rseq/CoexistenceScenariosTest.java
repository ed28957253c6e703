package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The coexistence protocol (DESIGN 3, docs/coexistence.md) end to end: each scenario is a
 * fresh JVM running {@link CoexistenceWorkload}, and each asserts the mode every thread
 * reported and that the allocator workload verified and balanced.
 *
 * <p>Written for the project's machines (glibc 2.35+, which registers rseq, on a kernel with
 * rseq): the default scenario expects glibc's registration.
 */
class CoexistenceScenariosTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String TUNABLE_OFF = "glibc.pthread.rseq=0";
    private static final int WORKERS = 4;

    @Test
    void defaultUsesGlibcsRegistrationAndMmCid() throws Exception {
        Scenario s = Scenario.run(ChildJvm.of(CoexistenceWorkload.class));
        Map<String, String> main = s.report("main");
        assertEquals("rseq-glibc", main.get("mode"), s.diagnostics());
        assertEquals("glibc", main.get("strategy"));
        assertNull(main.get("errno"));
        assertUsableSizeRule(main);
        assertEquals(
                main.get("mmCidAvailable").equals("true") ? "mm_cid" : "cpu_id",
                main.get("indexedBy"),
                "the default index is mm_cid whenever it is available");
        s.assertEveryThread("rseq-glibc");
        assertEquals(Map.of("rseq-glibc", "" + WORKERS), s.json("MODES"));
        assertEquals("0", s.stats().get("casOperations"), "no thread may have fallen back to CAS");
        assertEquals("0", s.stats().get("ownRegistrations"), "under glibc's ownership the library never calls rseq()");
        assertEquals("0", s.json("FENCE").get("all"), "membarrier is available here");
    }

    @Test
    void tunableOffMakesTheLibraryRegisterAndUnregisterItsOwnArea() throws Exception {
        Scenario s = Scenario.run(ChildJvm.of(CoexistenceWorkload.class).env("GLIBC_TUNABLES", TUNABLE_OFF));
        Map<String, String> main = s.report("main");
        assertEquals("rseq-own", main.get("mode"), s.diagnostics());
        assertEquals("own", main.get("strategy"));
        assertEquals("0", main.get("rseqSize"), "glibc exports __rseq_size 0 when it did not register");
        assertEquals("1", main.get("refcount"));
        s.assertEveryThread("rseq-own");
        for (String name : s.platformThreads()) {
            assertEquals("1", s.report(name).get("refcount"), name + " holds one reference on __rseq_abi");
        }
        Map<String, String> lifecycle = s.json("OWNREG");
        assertEquals("3", lifecycle.get("registered"), "each short-lived thread registers once: " + lifecycle);
        assertEquals("3", lifecycle.get("unregistered"), "and unregisters at exit: " + lifecycle);
        assertEquals("1,1,1", lifecycle.get("refcounts"));
        Map<String, String> exit = s.json("OWNEXIT");
        assertEquals("" + WORKERS, exit.get("registeredWorkers"), exit.toString());
        assertTrue(
                Long.parseLong(exit.get("unregistered")) >= WORKERS,
                "every exited worker dropped its registration: " + exit);
        assertEquals(Map.of("rseq-own", "" + WORKERS), s.json("MODES"));
        assertEquals("0", s.stats().get("casOperations"));
    }

    @Test
    void foreignRegistrationUnderGlibcMakesOnlyThatThreadCas() throws Exception {
        Scenario s = Scenario.run(ChildJvm.of(CoexistenceWorkload.class, "--foreign"));
        assertEquals("glibc", s.report("main").get("strategy"), s.diagnostics());
        Map<String, String> foreign = s.report("foreign");
        assertEquals("cas-owned-elsewhere", foreign.get("mode"));
        // The foreign user dropped glibc's registration: glibc's area reads UNINITIALIZED and no
        // rseq() call of ours failed, so there is no errno.
        assertNull(foreign.get("errno"));
        assertEquals("-1", foreign.get("cpuId"));
        assertMixed(s, "rseq-glibc");
    }

    @Test
    void foreignRegistrationUnderOwnStrategyFailsOursWithEinval() throws Exception {
        Scenario s =
                Scenario.run(ChildJvm.of(CoexistenceWorkload.class, "--foreign").env("GLIBC_TUNABLES", TUNABLE_OFF));
        assertEquals("own", s.report("main").get("strategy"), s.diagnostics());
        Map<String, String> foreign = s.report("foreign");
        assertEquals("cas-owned-elsewhere", foreign.get("mode"));
        assertEquals("EINVAL", foreign.get("errno"), "rseq() with another area while one is registered");
        assertEquals("0", foreign.get("refcount"), "a failed registration keeps no reference");
        assertMixed(s, "rseq-own");
    }

    @Test
    void seccompEnosysMakesEveryThreadCasUnavailable() throws Exception {
        Scenario s = Scenario.run(ChildJvm.of(CoexistenceWorkload.class).launcher(seccompLauncher()));
        assertUnavailable(s);
        assertEquals("0", s.report("main").get("membarrierErrno"));
        assertEquals("0", s.json("FENCE").get("all"), "membarrier still works: only rseq is blocked");
    }

    @Test
    void seccompWithMembarrierBlockedStaysCorrectAndFencesByMigration() throws Exception {
        Scenario s =
                Scenario.run(ChildJvm.of(CoexistenceWorkload.class).launcher(seccompLauncher(), "--block-membarrier"));
        assertUnavailable(s);
        assertEquals("38", s.report("main").get("membarrierErrno"), "ENOSYS from the filter");
        assertEquals(Map.of("all", "1", "region0", "1"), s.json("FENCE"), "the migration fallback fenced");
    }

    @Test
    void forceCasPropertyMakesEveryThreadCasForced() throws Exception {
        assertForced(Scenario.run(ChildJvm.of(CoexistenceWorkload.class).jvmArg("-Drseqalloc.forceCas=true")));
    }

    @Test
    void forceCasEnvironmentMakesEveryThreadCasForced() throws Exception {
        assertForced(Scenario.run(ChildJvm.of(CoexistenceWorkload.class).env("RSEQALLOC_FORCE_CAS", "1")));
    }

    @Test
    void cpuIdIndexIsCorrectToo() throws Exception {
        Scenario s = Scenario.run(ChildJvm.of(CoexistenceWorkload.class).jvmArg("-Drseqalloc.index=cpu_id"));
        assertEquals("cpu_id", s.report("main").get("indexedBy"), s.diagnostics());
        assertEquals("cpu_id", s.stats().get("indexedBy"));
        s.assertEveryThread("rseq-glibc");
        assertEquals("0", s.stats().get("casOperations"));
    }

    /** One foreign CAS thread among rseq threads, exchanging blocks both ways. */
    private static void assertMixed(Scenario s, String rseqMode) {
        Map<String, String> result = s.json("FOREIGN");
        assertEquals("0", result.get("rc"), "foreign_rseq_register: " + result);
        assertTrue(Integer.parseInt(result.get("foreignCpuId")) >= 0, "the foreign area is live: " + result);
        assertEquals(rseqMode, s.report("main").get("mode"));
        assertEquals(rseqMode, s.report("virtual").get("mode"), "carriers keep their own registration");
        for (String name : s.platformThreads()) {
            if (!name.equals("foreign")) {
                assertEquals(rseqMode, s.report(name).get("mode"), name);
            }
        }
        assertEquals(Map.of(rseqMode, "" + WORKERS, "cas-owned-elsewhere", "1"), s.json("MODES"));
        assertTrue(Long.parseLong(s.stats().get("casOperations")) > 0, "the foreign thread used the CAS caches");
        assertTrue(
                Long.parseLong(s.stats().get("crossModeFrees")) > 0,
                "blocks moved between the CAS thread and rseq threads: " + s.stats());
    }

    private static void assertUnavailable(Scenario s) {
        Map<String, String> main = s.report("main");
        assertEquals("cas-unavailable", main.get("mode"), s.diagnostics());
        assertEquals("ENOSYS", main.get("errno"));
        assertEquals("0", main.get("rseqSize"), "glibc's own registration failed too");
        s.assertEveryThread("cas-unavailable");
        for (String name : s.platformThreads()) {
            assertEquals("ENOSYS", s.report(name).get("errno"), name);
        }
        assertEquals("0", s.json("OWNREG").get("registered"), "nothing could register");
        assertEquals("0", s.json("OWNEXIT").get("registeredWorkers"));
        assertEquals(Map.of("cas-unavailable", "" + WORKERS), s.json("MODES"));
        assertTrue(Long.parseLong(s.stats().get("casOperations")) > 0);
        assertEquals("0", s.stats().get("rseqAborts"), "no critical section can have run");
    }

    private static void assertForced(Scenario s) {
        Map<String, String> main = s.report("main");
        assertEquals("cas-forced", main.get("mode"), s.diagnostics());
        assertEquals("forced-cas", main.get("strategy"));
        s.assertEveryThread("cas-forced");
        assertEquals(Map.of("cas-forced", "" + WORKERS), s.json("MODES"));
        assertTrue(Long.parseLong(s.stats().get("casOperations")) > 0);
        assertEquals("0", s.stats().get("ownRegistrations"));
    }

    /** usable = min(registered, kernel feature size), with glibc's 20/32 meaning "32 registered". */
    private static void assertUsableSizeRule(Map<String, String> r) {
        long rseqSize = Long.parseLong(r.get("rseqSize"));
        long feature = Long.parseLong(r.get("featureSize"));
        long kernel = feature == 0 ? 20 : feature;
        long registered = rseqSize == 20 || rseqSize == 32 ? 32 : rseqSize;
        assertEquals(Math.min(registered, kernel), Long.parseLong(r.get("usableSize")), r.toString());
    }

    private static String seccompLauncher() {
        return NativeLibrary.extract("seccomp-no-rseq").toString();
    }

    /** A finished, successful workload child and its parsed lines. */
    private record Scenario(ChildJvm.Result result) {
        static Scenario run(ChildJvm child) throws Exception {
            ChildJvm.Result r = child.run(TIMEOUT);
            System.out.println("[coexist] " + r.elapsed().toMillis() + " ms: " + r.command());
            if (r.exitCode() != 0 || !r.lines().contains("OK")) {
                fail("scenario failed\n" + r.diagnostics());
            }
            return new Scenario(r);
        }

        Map<String, String> report(String thread) {
            return json("REPORT " + thread);
        }

        Map<String, String> json(String prefix) {
            return Json.parse(result.line(prefix)
                    .orElseThrow(() -> new AssertionError("no " + prefix + " line\n" + diagnostics())));
        }

        Map<String, String> stats() {
            return json("STATS");
        }

        /** Names of the platform threads that reported (workers and the foreign thread). */
        List<String> platformThreads() {
            return result.all("REPORT").stream()
                    .map(l -> l.substring(0, l.indexOf(' ')))
                    .filter(n -> n.startsWith("worker-") || n.equals("foreign"))
                    .toList();
        }

        void assertEveryThread(String mode) {
            List<String> names = platformThreads();
            assertFalse(names.isEmpty(), diagnostics());
            assertEquals(
                    WORKERS, names.stream().filter(n -> n.startsWith("worker-")).count());
            for (String name : names) {
                assertEquals(mode, report(name).get("mode"), name + "\n" + diagnostics());
            }
            assertEquals(mode, report("virtual").get("mode"), "a virtual thread's carrier");
            assertEquals(mode, report("main").get("mode"));
        }

        String diagnostics() {
            return result.diagnostics();
        }
    }
}
