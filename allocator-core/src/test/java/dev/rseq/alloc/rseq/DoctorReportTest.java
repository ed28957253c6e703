package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The doctor's text and JSON for the situations it must explain. Synthetic reports cover
 * machines and processes we do not have (old kernels, other glibc releases, librseq in
 * each state, no library at all); one real report checks the text agrees with this JVM's
 * own attach. Every text line must reach the JSON.
 */
class DoctorReportTest {
    private static final DoctorReport.ProcessFacts FACTS = DoctorReport.ProcessFacts.plain(null, 0, 0, 2, false);

    private static RseqReport report(
            RseqMode mode,
            RseqReason reason,
            String errno,
            String strategy,
            long rseqSize,
            long featureSize,
            long usable,
            int cpuId,
            long membarrierErrno) {
        boolean mmCid = usable >= 28;
        return new RseqReport(
                mode,
                reason,
                errno,
                strategy,
                strategy.equals("glibc") ? 2336 : -192,
                rseqSize,
                featureSize,
                usable,
                cpuId,
                mmCid && cpuId >= 0 ? 0 : -1,
                mmCid,
                mmCid ? "mm_cid" : "cpu_id",
                membarrierErrno,
                strategy.equals("own") && cpuId >= 0 ? 1 : 0,
                "2.36",
                "6.18.0",
                0);
    }

    private static DoctorReport.ProcessFacts librseq(int state, boolean present, long ownLive, boolean register) {
        return new DoctorReport.ProcessFacts(
                null,
                ownLive,
                0,
                2,
                false,
                ownLive,
                32,
                state,
                present,
                present ? "/usr/lib/librseq.so.0" : null,
                state == 0 ? -1 : 28,
                register ? 3 : 0,
                true,
                register,
                "extracted to /tmp/x/librseqalloc.so",
                null,
                List.of());
    }

    @Test
    void glibcExporting20GetsTheFixUpToTheKernelFeatureSize() {
        String text = DoctorReport.text(
                report(RseqMode.RSEQ_GLIBC, RseqReason.GLIBC_REGISTERED, null, "glibc", 20, 28, 28, 1, 0), FACTS);
        assertTrue(text.contains("rseq-glibc"), text);
        assertTrue(text.contains("usable = min(32, feature size 28) = 28"), text);
        assertTrue(text.contains("mm_cid (the default when mm_cid is available"), text);
        assertTrue(text.contains("registered: a cross-CPU drain aborts"), text);
        assertTrue(text.contains("librseq             not loaded"), text);
    }

    @Test
    void glibcExporting32OnAnOldKernelHasNoMmCid() {
        String text = DoctorReport.text(
                report(RseqMode.RSEQ_GLIBC, RseqReason.GLIBC_REGISTERED, null, "glibc", 32, 0, 20, 1, 0), FACTS);
        assertTrue(text.contains("glibc exports 32"), text);
        assertTrue(text.contains("min(32, feature size 20) = 20"), text);
        assertTrue(text.contains("kernel before 6.3"), text);
        assertTrue(text.contains("not available: the kernel's feature size 0"), text);
        assertTrue(text.contains("cpu_id (mm_cid is not available)"), text);
    }

    @Test
    void newerGlibcNeedsNoFixUp() {
        String text = DoctorReport.text(
                report(RseqMode.RSEQ_GLIBC, RseqReason.GLIBC_REGISTERED, null, "glibc", 28, 28, 28, 0, 0), FACTS);
        assertTrue(text.contains("none needed"), text);
    }

    @Test
    void ownStrategyShowsTheReferenceAndRegistrationCounts() {
        DoctorReport.ProcessFacts facts = DoctorReport.ProcessFacts.plain(null, 5, 4, 2, false);
        String text = DoctorReport.text(
                report(RseqMode.RSEQ_OWN, RseqReason.OWN_REGISTERED, null, "own", 0, 28, 28, 1, 0), facts);
        assertTrue(text.contains("glibc did not register"), text);
        assertTrue(text.contains("holds the shared __rseq_abi registration"), text);
        assertTrue(
                text.contains("5 thread(s) registered by this library, 4 unregistered again at thread exit, 1 running"),
                text);
        assertFalse(text.contains("size fix-up"), "the fix-up concerns a registrant's exported size only:\n" + text);
        assertFalse(text.contains("warning"), "nothing to warn about:\n" + text);
    }

    @Test
    void seccompExplainsEnosysAndTheFenceFallback() {
        String text = DoctorReport.text(
                report(
                        RseqMode.CAS_UNAVAILABLE,
                        RseqReason.REGISTRATION_UNAVAILABLE,
                        "ENOSYS",
                        "own",
                        0,
                        28,
                        28,
                        -1,
                        38),
                FACTS);
        assertTrue(text.contains("rseq() failed with ENOSYS"), text);
        assertTrue(text.contains("RSEQ_CPU_ID_UNINITIALIZED"), text);
        assertTrue(text.contains("unavailable (ENOSYS): cross-CPU drains fall back"), text);
        assertTrue(text.contains("unused by this thread, which runs the CAS caches"), text);
    }

    @Test
    void glibcRegistrationFailureIsNamed() {
        String text = DoctorReport.text(
                report(RseqMode.CAS_UNAVAILABLE, RseqReason.GLIBC_FAILED, null, "glibc", 20, 28, 28, -2, 0), FACTS);
        assertTrue(text.contains("RSEQ_CPU_ID_REGISTRATION_FAILED"), text);
        assertTrue(text.contains("glibc tried to register rseq on this thread and failed"), text);
    }

    @Test
    void forcedCasAndAnExplicitIndexAreExplained() {
        String forced = DoctorReport.text(
                report(RseqMode.CAS_FORCED, RseqReason.FORCED, null, "forced-cas", 20, 28, 0, -1, 0), FACTS);
        assertTrue(forced.contains("CAS mode was forced"), forced);
        assertTrue(forced.contains("0 bytes (nothing is read in forced CAS mode)"), forced);
        assertTrue(forced.contains("irrelevant: no slab is used in forced CAS mode"), forced);

        RseqReport byCpu = new RseqReport(
                RseqMode.RSEQ_GLIBC,
                RseqReason.GLIBC_REGISTERED,
                null,
                "glibc",
                2336,
                20,
                28,
                28,
                1,
                0,
                true,
                "cpu_id",
                0,
                0,
                "2.36",
                "6.18.0",
                0);
        String text = DoctorReport.text(byCpu, DoctorReport.ProcessFacts.plain("cpu_id", 0, 0, 2, false));
        assertTrue(text.contains("cpu_id (asked for with rseqalloc.index=cpu_id)"), text);
    }

    @Test
    void librseqOwningRegistrationIsNamedWithItsArea() {
        RseqReport r = report(RseqMode.RSEQ_LIBRSEQ, RseqReason.LIBRSEQ_REGISTERED, null, "librseq", 0, 28, 28, 1, 0);
        String text = DoctorReport.text(r, librseq(RseqNative.LIBRSEQ_ADOPTED, true, 0, false));
        assertTrue(text.contains("rseq-librseq (per-CPU slab through rseq critical sections)"), text);
        assertTrue(text.contains("librseq-registered"), text);
        assertTrue(text.contains("librseq's area at %fs:-192, shared with librseq's users"), text);
        assertTrue(text.contains("owns registration (/usr/lib/librseq.so.0), found at start; rseq_size = 28"), text);
        assertTrue(text.contains("never registers threads through it"), text);
    }

    @Test
    void aPendingLibrseqThreadIsToldHowToGetRseq() {
        RseqReport r = report(RseqMode.CAS_UNREGISTERED, RseqReason.LIBRSEQ_PENDING, null, "librseq", 0, 28, 28, -1, 0);
        String text = DoctorReport.text(r, librseq(RseqNative.LIBRSEQ_ADOPTED, true, 0, false));
        assertTrue(text.contains("cas-unregistered (CAS caches)"), text);
        assertTrue(text.contains("until librseq's user registers it"), text);
        assertTrue(text.contains("warning             this thread waits for librseq's user"), text);
        assertTrue(text.contains("-Drseqalloc.librseqRegister=true"), text);
    }

    @Test
    void librseqLoadedWhileOwnRegistrationsLiveIsAWarning() {
        RseqReport r = report(RseqMode.RSEQ_OWN, RseqReason.OWN_REGISTERED, null, "own", 0, 28, 28, 1, 0);
        String text = DoctorReport.text(r, librseq(RseqNative.LIBRSEQ_BLOCKED, true, 2, false));
        assertTrue(text.contains("loaded after start (/usr/lib/librseq.so.0) while this library ran threads"), text);
        assertTrue(
                text.contains("librseq is loaded while 2 thread(s) run on this library's own rseq registration"), text);
        assertTrue(text.contains("-Drseqalloc.selfRegister=false"), text);
    }

    @Test
    void librseqUnderGlibcSharesGlibcsArea() {
        RseqReport r = report(RseqMode.RSEQ_GLIBC, RseqReason.GLIBC_REGISTERED, null, "glibc", 20, 28, 28, 1, 0);
        String text = DoctorReport.text(r, librseq(RseqNative.LIBRSEQ_NONE, true, 0, false));
        assertTrue(text.contains("it defers to glibc's registration, so it and this library share glibc's area"), text);
        assertFalse(text.contains("warning"), text);
    }

    @Test
    void noLibraryIsSaidFirstAndWarned() {
        RseqReport r = new RseqReport(
                RseqMode.CAS_UNAVAILABLE,
                RseqReason.NO_LIBRARY,
                null,
                "none",
                0,
                -1,
                0,
                0,
                -1,
                -1,
                false,
                "cpu_id",
                -1,
                0,
                "2.36",
                "6.18.0",
                0);
        DoctorReport.ProcessFacts p = new DoctorReport.ProcessFacts(
                null,
                0,
                0,
                2,
                false,
                0,
                0,
                0,
                false,
                null,
                -1,
                0,
                true,
                false,
                null,
                "disabled by -Drseqalloc.native.disable=true",
                List.of());
        String text = DoctorReport.text(r, p);
        assertTrue(
                text.contains("native library      NOT AVAILABLE: disabled by -Drseqalloc.native.disable=true"), text);
        assertTrue(text.contains("none: librseqalloc is not loaded"), text);
        assertTrue(text.contains("warning             librseqalloc is not available"), text);
    }

    @Test
    void everyTextLineReachesTheJson() {
        List<RseqReport> reports = List.of(
                report(RseqMode.RSEQ_GLIBC, RseqReason.GLIBC_REGISTERED, null, "glibc", 20, 28, 28, 1, 0),
                report(RseqMode.CAS_UNREGISTERED, RseqReason.LIBRSEQ_PENDING, null, "librseq", 0, 28, 28, -1, 0),
                report(RseqMode.RSEQ_OWN, RseqReason.OWN_REGISTERED, null, "own", 0, 28, 28, 1, 38),
                report(RseqMode.CAS_FORCED, RseqReason.FORCED, null, "forced-cas", 20, 28, 0, -1, 0));
        List<DoctorReport.ProcessFacts> facts = List.of(
                FACTS,
                librseq(RseqNative.LIBRSEQ_ADOPTED, true, 0, false),
                librseq(RseqNative.LIBRSEQ_BLOCKED, true, 1, true));
        for (RseqReport r : reports) {
            for (DoctorReport.ProcessFacts p : facts) {
                String json = DoctorReport.json(r, p, Map.of("selfTest", "ok"));
                assertEquals(1, json.lines().count(), "one line");
                Map<String, String> m = Json.parse(json);
                int warnings = 0;
                for (DoctorReport.Line l : DoctorReport.lines(r, p)) {
                    if (l.noteKey() != null) {
                        assertEquals(l.text(), m.get(l.noteKey()), l.key() + " as " + l.noteKey() + " in " + json);
                    }
                    for (String raw : l.rawKeys()) {
                        assertTrue(m.containsKey(raw), l.key() + " needs " + raw + " in " + json);
                    }
                    warnings += l.key().equals("warning") ? 1 : 0;
                }
                assertEquals(warnings, Json.list(m.get("warnings")).size(), json);
                assertEquals("ok", m.get("selfTest"));
                assertEquals(r.explanation(), m.get("why"));
            }
        }
    }

    @Test
    void realReportOfThisThreadAgreesWithItsMode() {
        RseqReport r = RseqReport.ofCurrentThread();
        String text = DoctorReport.text(r);
        assertTrue(text.contains("mode                " + r.mode().label()), text);
        assertTrue(text.contains("usable size         " + r.usableSize()), text);
        assertEquals(1, r.toJson().lines().count(), "JSON is one line");
        Map<String, String> json = Json.parse(DoctorReport.json(r, DoctorReport.ProcessFacts.current(), Map.of()));
        assertEquals(r.mode().label(), json.get("mode"));
        assertEquals(r.reason().label(), json.get("reason"));
        assertNotNull(json.get("why"));
        assertEquals("" + RseqNative.regionCount(), json.get("regions"));
    }
}
