package dev.rseq.alloc.reliability;

import dev.rseq.alloc.rseq.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link StressChild} in a fresh JVM (for what must be decided at process start)
 * through {@link ChildJvm}, which keeps the child's environment hermetic and bounds it
 * by the timeout.
 */
final class Subprocess {
    private Subprocess() {}

    /** Exit status and everything the child printed. */
    record Outcome(int exitCode, String output) {
        /** The value of {@code key=} on the child's STRESS-RESULT line. */
        String field(String key) {
            for (String line : output.split("\n")) {
                if (line.startsWith("STRESS-RESULT ")) {
                    for (String kv : line.split(" ")) {
                        if (kv.startsWith(key + "=")) {
                            return kv.substring(key.length() + 1);
                        }
                    }
                }
            }
            throw new AssertionError("no " + key + " in child output:\n" + output);
        }
    }

    /**
     * @param launcher   commands put before java (e.g. the seccomp launcher), may be empty
     * @param env        extra environment
     * @param properties extra -D options, "key=value"
     * @param childArgs  arguments of StressChild
     */
    static Outcome run(
            List<String> launcher,
            Map<String, String> env,
            List<String> properties,
            List<String> childArgs,
            long timeoutSeconds)
            throws IOException, InterruptedException {
        ChildJvm child = ChildJvm.of(StressChild.class, childArgs.toArray(String[]::new))
                .launcher(launcher.toArray(String[]::new))
                .jvmArg("-Xmx512m");
        env.forEach(child::env);
        properties.forEach(p -> child.jvmArg("-D" + p));
        ChildJvm.Result r = child.run(Duration.ofSeconds(timeoutSeconds));
        if (r.timedOut()) {
            throw new AssertionError("child did not finish in " + timeoutSeconds + " s\n" + r.diagnostics());
        }
        return new Outcome(r.exitCode(), r.output());
    }
}
