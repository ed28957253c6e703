package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.rseq.alloc.rseq.NativeLibrary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stress runs whose conditions are fixed at process start, so each gets its own JVM: our
 * own rseq registration (glibc's disabled by tunable), no rseq at all (seccomp makes the
 * syscall fail with ENOSYS), and the delay-injecting library with migration, which must
 * abort critical sections.
 */
class StressSubprocessTest {
    private static final List<String> ARGS = List.of("2.5", "6", "magazine,direct,cas,checked");

    private static Subprocess.Outcome passing(Subprocess.Outcome o) {
        System.out.print(o.output());
        assertEquals(0, o.exitCode(), o.output());
        assertEquals("true", o.field("passed"), o.output());
        assertTrue(Long.parseLong(o.field("ops")) > 0, o.output());
        return o;
    }

    @Test
    void ownRegistrationWhenGlibcDoesNotRegister() throws Exception {
        Subprocess.Outcome o = passing(Subprocess.run(
                List.of(), Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0"), List.of(), concat(ARGS, "hostile"), 120));
        assertTrue(o.field("modes").contains("rseq-own"), o.output());
    }

    @Test
    void casFallbackWhenSeccompBlocksRseq() throws Exception {
        String launcher = NativeLibrary.extract("seccomp-no-rseq").toString();
        Subprocess.Outcome raw = Subprocess.run(List.of(launcher), Map.of(), List.of(), concat(ARGS, "hostile"), 120);
        assumeFalse(raw.output().contains("prctl(PR_SET_SECCOMP)"), "seccomp filters are not allowed here");
        Subprocess.Outcome o = passing(raw);
        assertEquals("cas-unavailable", o.field("modes"), o.output());
        assertTrue(Long.parseLong(o.field("casOps")) > 0, o.output());
        assertEquals("0", o.field("aborts"), "no critical section can run, so none can abort");
    }

    @Test
    void injectedDelayAndMigrationAbortCriticalSections() throws Exception {
        Subprocess.Outcome o = passing(Subprocess.run(
                List.of(),
                Map.of(),
                List.of("rseqalloc.native.variant=inject"),
                List.of("2.5", "6", "direct,magazine,checked", "migrate", "inject=200"),
                120));
        assertTrue(Long.parseLong(o.field("aborts")) > 0, "no rseq abort with injected delays:\n" + o.output());
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
