package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The slab critical sections through the real FFM path, under forced preemption and
 * migration (see {@link NativeOpStress}), once per family of sections: mm_cid-indexed
 * (the default here) and cpu_id-indexed.
 */
class NativeOpStressTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void mmCidSectionsConserveEveryTokenUnderMigration() throws Exception {
        Map<String, String> s = stress(ChildJvm.of(NativeOpStress.class, "--seconds", "5"));
        String expected = "true".equals(s.get("mmCidAvailable")) ? "mm_cid" : "cpu_id";
        assertEquals(expected, s.get("indexedBy"), "mm_cid is the default where the kernel (6.3+) offers it: " + s);
    }

    @Test
    void cpuIdSectionsConserveEveryTokenUnderMigration() throws Exception {
        Map<String, String> s =
                stress(ChildJvm.of(NativeOpStress.class, "--seconds", "5").jvmArg("-Drseqalloc.index=cpu_id"));
        assertEquals("cpu_id", s.get("indexedBy"), s.toString());
    }

    private static Map<String, String> stress(ChildJvm child) throws Exception {
        ChildJvm.Result r = child.jvmArg("-Drseqalloc.native.variant=inject").run(TIMEOUT);
        System.out.println("[stress] " + r.elapsed().toMillis() + " ms: "
                + r.line("STRESS").orElse("?"));
        if (r.exitCode() != 0 || !r.lines().contains("OK")) {
            fail("native stress failed\n" + r.diagnostics());
        }
        Map<String, String> s = Json.parse(r.line("STRESS").orElseThrow());
        assertEquals(s.get("tokens"), s.get("found"), "every token exactly once: " + s);
        assertTrue(Long.parseLong(s.get("aborts")) > 0, "aborts grew: " + s);
        assertTrue(Long.parseLong(s.get("repins")) > 0, "workers were moved between cpus: " + s);
        assertTrue(Long.parseLong(s.get("drains")) > 0, "regions were drained remotely: " + s);
        assertTrue(Long.parseLong(s.get("tokensMoved")) > Long.parseLong(s.get("tokens")), "tokens circulated: " + s);
        return s;
    }
}
