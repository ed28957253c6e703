package dev.rseq.alloc.coexist;

import dev.rseq.alloc.rseq.DoctorReport;
import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.rseq.RseqReport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The doctor's text for the situations it must explain. Synthetic reports cover machines
 * we do not have (old kernels, other glibc releases); one real report checks the text
 * agrees with this JVM's own attach.
 */
class DoctorReportTest {
    private static final DoctorReport.ProcessFacts FACTS = new DoctorReport.ProcessFacts(null, 0, 0, 2, false);

    private static RseqReport report(RseqMode mode, String errno, String strategy, long rseqSize, long featureSize,
                                     long usable, int cpuId, long membarrierErrno) {
        boolean mmCid = usable >= 28;
        return new RseqReport(mode, errno, strategy, strategy.equals("glibc") ? 2336 : -192, rseqSize, featureSize,
                usable, cpuId, mmCid && cpuId >= 0 ? 0 : -1, mmCid, mmCid ? "mm_cid" : "cpu_id", membarrierErrno,
                strategy.equals("own") && cpuId >= 0 ? 1 : 0, "2.36", "6.18.0", 0);
    }

    @Test
    void glibcExporting20GetsTheFixUpToTheKernelFeatureSize() {
        String text = DoctorReport.text(report(RseqMode.RSEQ_GLIBC, null, "glibc", 20, 28, 28, 1, 0), FACTS);
        assertTrue(text.contains("rseq-glibc"), text);
        assertTrue(text.contains("usable = min(32, feature size 28) = 28"), text);
        assertTrue(text.contains("mm_cid (the default when mm_cid is available"), text);
        assertTrue(text.contains("registered: a cross-CPU drain aborts"), text);
    }

    @Test
    void glibcExporting32OnAnOldKernelHasNoMmCid() {
        String text = DoctorReport.text(report(RseqMode.RSEQ_GLIBC, null, "glibc", 32, 0, 20, 1, 0), FACTS);
        assertTrue(text.contains("glibc exports 32"), text);
        assertTrue(text.contains("min(32, feature size 20) = 20"), text);
        assertTrue(text.contains("kernel before 6.3"), text);
        assertTrue(text.contains("not available: the kernel's feature size 0"), text);
        assertTrue(text.contains("cpu_id (mm_cid is not available)"), text);
    }

    @Test
    void newerGlibcNeedsNoFixUp() {
        String text = DoctorReport.text(report(RseqMode.RSEQ_GLIBC, null, "glibc", 28, 28, 28, 0, 0), FACTS);
        assertTrue(text.contains("none needed"), text);
    }

    @Test
    void ownStrategyShowsTheReferenceAndRegistrationCounts() {
        DoctorReport.ProcessFacts facts = new DoctorReport.ProcessFacts(null, 5, 4, 2, false);
        String text = DoctorReport.text(report(RseqMode.RSEQ_OWN, null, "own", 0, 28, 28, 1, 0), facts);
        assertTrue(text.contains("glibc did not register"), text);
        assertTrue(text.contains("holds the shared __rseq_abi registration"), text);
        assertTrue(text.contains("5 thread(s) registered by this library, 4 unregistered again at thread exit"), text);
        assertFalse(text.contains("size fix-up"), "the fix-up concerns glibc's area only:\n" + text);
    }

    @Test
    void seccompExplainsEnosysAndTheFenceFallback() {
        String text = DoctorReport.text(report(RseqMode.CAS_UNAVAILABLE, "ENOSYS", "own", 0, 28, 28, -1, 38), FACTS);
        assertTrue(text.contains("rseq() failed with ENOSYS"), text);
        assertTrue(text.contains("RSEQ_CPU_ID_UNINITIALIZED"), text);
        assertTrue(text.contains("unavailable (ENOSYS): cross-CPU drains fall back"), text);
        assertTrue(text.contains("unused by this thread, which runs the CAS caches"), text);
    }

    @Test
    void glibcRegistrationFailureIsNamed() {
        String text = DoctorReport.text(report(RseqMode.CAS_UNAVAILABLE, null, "glibc", 20, 28, 28, -2, 0), FACTS);
        assertTrue(text.contains("RSEQ_CPU_ID_REGISTRATION_FAILED"), text);
        assertTrue(text.contains("glibc's own registration failed"), text);
    }

    @Test
    void forcedCasAndAnExplicitIndexAreExplained() {
        String forced = DoctorReport.text(report(RseqMode.CAS_FORCED, null, "forced-cas", 20, 28, 0, -1, 0), FACTS);
        assertTrue(forced.contains("CAS mode was forced"), forced);
        assertTrue(forced.contains("0 bytes (nothing is read in forced CAS mode)"), forced);
        assertTrue(forced.contains("irrelevant: no slab is used in forced CAS mode"), forced);

        RseqReport r = report(RseqMode.RSEQ_GLIBC, null, "glibc", 20, 28, 28, 1, 0);
        RseqReport byCpu = new RseqReport(r.mode(), null, "glibc", 2336, 20, 28, 28, 1, 0, true, "cpu_id", 0, 0,
                "2.36", "6.18.0", 0);
        String text = DoctorReport.text(byCpu, new DoctorReport.ProcessFacts("cpu_id", 0, 0, 2, false));
        assertTrue(text.contains("cpu_id (asked for with rseqalloc.index=cpu_id)"), text);
    }

    @Test
    void realReportOfThisThreadAgreesWithItsMode() {
        RseqReport r = RseqReport.ofCurrentThread();
        String text = DoctorReport.text(r);
        assertTrue(text.contains("mode                " + r.mode().label()), text);
        assertTrue(text.contains("usable size         " + r.usableSize()), text);
        assertEquals(1, r.toJson().lines().count(), "JSON is one line");
    }
}
