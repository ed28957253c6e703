package dev.rseq.alloc.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.cli.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EchoCommandTest {

    private static EchoOptions parse(String... args) {
        EchoCommand command = new EchoCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    @Test
    void defaultsAndHelp() {
        EchoOptions o = parse();
        assertEquals(NettyAllocators.IDS, o.allocators());
        assertEquals(List.of(256, 8192), o.sizes());
        assertEquals(8, o.connections());
        assertFalse(o.inProcess());
        assertEquals(0, Cli.run("echo", "--help"));
        assertEquals(2, Cli.run("echo", "--allocators", "jemalloc"));
        assertEquals(2, Cli.run("echo", "--connections", "0"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--connections", "0"));
    }

    @Test
    void childGetsTheSameOptionsForItsOneAllocator() {
        EchoOptions o = parse(
                "--sizes",
                "64,4096",
                "--connections",
                "3",
                "--warmup",
                "1500ms",
                "--duration",
                "2s",
                "--server-threads",
                "2");
        List<String> child = o.childArgs("pooled", Path.of("/tmp/x"));
        assertEquals("echo", child.getFirst());
        EchoOptions c = parse(child.subList(1, child.size()).toArray(String[]::new));
        assertEquals(
                new EchoOptions(
                        List.of("pooled"),
                        o.sizes(),
                        3,
                        2,
                        1,
                        Duration.ofMillis(1500),
                        Duration.ofSeconds(2),
                        false,
                        Path.of("/tmp/x")),
                c);
    }

    @Test
    void resultCrossesAsOneLine() {
        EchoResult r = new EchoResult("percpu", 256, 8, 1000, 2_000_000_000L, 50_000, 90_000, 120_000, 300_000);
        assertEquals(r, EchoResult.parse(r.toLine()));
        assertEquals(500.0, r.requestsPerSecond());
        assertEquals(List.of("percpu", "256", "500", "50.0", "90.0", "120.0", "300.0"), r.row());
    }

    @Test
    void everyAllocatorEchoesOverLoopback() throws InterruptedException {
        EchoOptions o = new EchoOptions(
                NettyAllocators.IDS,
                List.of(1000),
                2,
                1,
                1,
                Duration.ofMillis(100),
                Duration.ofMillis(300),
                true,
                null);
        for (String id : NettyAllocators.IDS) {
            EchoResult r = EchoRun.run(id, 1000, o);
            assertTrue(r.requests() > 0, id + " completed no round trip");
            assertTrue(r.p50() > 0 && r.p50() <= r.p99() && r.p99() <= r.max(), r.toString());
        }
    }
}
