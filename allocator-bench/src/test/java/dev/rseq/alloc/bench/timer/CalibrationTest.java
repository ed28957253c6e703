package dev.rseq.alloc.bench.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CalibrationTest {

    /** A clock ticking three times per ns of System.nanoTime. */
    private static final Clock TRIPLE = new Clock() {
        @Override
        public long ticks() {
            return 3 * System.nanoTime();
        }

        @Override
        public String name() {
            return "triple";
        }
    };

    @Test
    void nanoTimeIsOneNsPerTickWithAPositiveFloor() {
        Calibration c = Calibration.measure(NanoClock.INSTANCE);
        assertEquals(1.0, c.nsPerTick());
        assertTrue(c.floorNs() >= 0 && c.resolutionNs() > 0, c.describe());
        assertTrue(c.describe().startsWith("System.nanoTime: floor "), c.describe());
    }

    @Test
    void tickRateIsMeasuredAgainstNanoTime() {
        Calibration c = Calibration.measure(TRIPLE);
        assertEquals(1.0 / 3, c.nsPerTick(), 1e-3);
        assertTrue(c.describe().contains("ns/tick"), c.describe());
    }

    @Test
    void invariantTscIsReadFromCpuFlags() {
        assertNull(Rdtscp.cpuProblem("processor\t: 0\nflags\t\t: fpu tsc constant_tsc rdtscp nonstop_tsc\n"));
        String problem = Rdtscp.cpuProblem("flags\t\t: fpu tsc rdtscp\n");
        assertNotNull(problem);
        assertTrue(problem.contains("constant_tsc") && problem.contains("nonstop_tsc"), problem);
        assertNotNull(Rdtscp.cpuProblem(null));
    }

    @Test
    void choicesFallBackOrRefuse() {
        assertEquals(NanoClock.INSTANCE, TimerChoice.NANOTIME.clock());
        Clock auto = TimerChoice.AUTO.clock();
        if (TscClock.unavailableReason() == null) {
            assertEquals(TscClock.INSTANCE, auto);
            assertEquals(TscClock.INSTANCE, TimerChoice.RDTSCP.clock());
            assertNull(TimerChoice.AUTO.fallbackNote(auto));
        } else {
            assertEquals(NanoClock.INSTANCE, auto);
            assertThrows(IllegalStateException.class, TimerChoice.RDTSCP::clock);
            assertTrue(TimerChoice.AUTO.fallbackNote(auto).contains(TscClock.unavailableReason()));
        }
        assertEquals(TimerChoice.RDTSCP, TimerChoice.parse("RdTscP"));
        assertThrows(IllegalArgumentException.class, () -> TimerChoice.parse("sundial"));
    }

    @Test
    void librseqallocEitherHasTheSymbolOrSaysItLacksIt() {
        String reason = TscClock.unavailableReason();
        if (reason == null) {
            long a = TscClock.INSTANCE.ticks();
            assertTrue(TscClock.INSTANCE.ticks() > a);
        } else {
            assertFalse(reason.isBlank());
        }
    }

    /** The binding itself, against a library built here with the same signature as ra_rdtscp. */
    @Test
    void bindsACriticalDowncallToRaRdtscp(@org.junit.jupiter.api.io.TempDir Path dir) throws Throwable {
        Path source = dir.resolve("rdtscp.c");
        Files.writeString(source, """
                #include <stdint.h>
                int64_t ra_rdtscp(void) {
                    uint32_t lo, hi, aux;
                    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
                    return ((int64_t) hi << 32) | lo;
                }
                """);
        Path library = dir.resolve("librdtscp-test.so");
        assumeTrue(compile(source, library), "no C compiler here");
        try (Arena arena = Arena.ofShared()) {
            MethodHandle rdtscp =
                    Rdtscp.bind(SymbolLookup.libraryLookup(library, arena)).orElseThrow();
            long t0 = (long) rdtscp.invokeExact();
            long n0 = System.nanoTime();
            while (System.nanoTime() - n0 < 5_000_000) {
                Thread.onSpinWait();
            }
            long t1 = (long) rdtscp.invokeExact();
            assertTrue(t1 > t0, "the counter moves forward");
        }
        assertTrue(Rdtscp.bind(name -> java.util.Optional.empty()).isEmpty(), "a library without it: empty");
    }

    private static boolean compile(Path source, Path library) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(
                            System.getenv().getOrDefault("CC", "gcc"),
                            "-O2",
                            "-shared",
                            "-fPIC",
                            "-o",
                            library.toString(),
                            source.toString())
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
