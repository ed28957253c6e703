package dev.rseq.alloc.bench.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.StressCommandAccess;
import dev.rseq.alloc.bench.cli.Cli;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StressOptionsTest {

    private static StressOptions parse(String... args) {
        List<String> all = new ArrayList<>(List.of("stress"));
        all.addAll(List.of(args));
        return StressCommandAccess.options(Cli.commandLine().parseArgs(all.toArray(String[]::new)));
    }

    @Test
    void modesMakeRuns() {
        assertEquals(5, parse().runs().size(), "all: four modes, then mixed");
        assertEquals(1, parse("--mode", "mixed").runs().size());
        assertEquals(1, parse("--mode", "cas").runs().size());
        assertThrows(
                IllegalArgumentException.class,
                () -> parse("--mode", "sideways").runs());
    }

    @Test
    void hostileSetsEveryDisturbanceAndArgumentsRoundTrip() {
        StressOptions o = parse(
                "--hostile",
                "--seconds",
                "3",
                "--threads",
                "5",
                "--mode",
                "direct",
                "--seed",
                "77",
                "--inject-delay",
                "200",
                "--progress",
                "2");
        assertTrue(o.migrate() && o.vthreads() && o.churn() && o.pressure() && o.arenas());
        assertEquals(o, parse(o.args().toArray(String[]::new)), "what a re-launched JVM gets means the same");
        assertEquals(4 * Runtime.getRuntime().availableProcessors(), parse().threads());
    }
}
