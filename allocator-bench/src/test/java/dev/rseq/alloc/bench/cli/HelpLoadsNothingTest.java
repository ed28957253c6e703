package dev.rseq.alloc.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * --help of every command, in a fresh JVM that logs every class and native library it
 * loads: no peer implementation, no Netty, nothing of the allocator's native side, and no
 * allocator library (tcmalloc, mimalloc, jemalloc, librseqalloc) may appear.
 */
class HelpLoadsNothingTest {
    private static final Pattern FORBIDDEN_CLASS = Pattern.compile(
            "\\[class,load] (dev\\.rseq\\.alloc\\.bench\\.peer\\.\\w+Peer[ $]|io\\.netty\\.|dev\\.rseq\\.alloc\\.rseq\\."
                    + "|dev\\.rseq\\.alloc\\.PerCpuAllocator[ $]|dev\\.rseq\\.alloc\\.bench\\.peer\\.NativeSymbols)");
    private static final Pattern FORBIDDEN_LIBRARY =
            Pattern.compile("Loaded library .*(tcmalloc|mimalloc|jemalloc|rseqalloc)");

    @Test
    void helpOfEveryCommandLoadsNoPeer() throws Exception {
        List<String> offending = new ArrayList<>();
        for (List<String> args : List.of(
                List.of("--help"),
                List.of("compare", "--help"),
                List.of("footprint", "--help"),
                List.of("doctor", "--help"),
                List.of("stress", "--help"),
                List.of("hugepages", "--help"),
                List.of("jmh", "--help"),
                List.of("compare", "--bogus"))) {
            String log = runLogged(args);
            assertTrue(log.contains("[class,load] dev.rseq.alloc.bench.Main "), "the log works:\n" + log);
            log.lines()
                    .filter(l -> FORBIDDEN_CLASS.matcher(l).find()
                            || FORBIDDEN_LIBRARY.matcher(l).find())
                    .forEach(l -> offending.add(String.join(" ", args) + ": " + l));
        }
        assertEquals(List.of(), offending);
    }

    private static String runLogged(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ChildJvm.command(List.of("-Xlog:class+load=info,library=info:stdout"), args))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
