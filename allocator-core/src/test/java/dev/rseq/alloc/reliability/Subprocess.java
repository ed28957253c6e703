package dev.rseq.alloc.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@link StressChild} in a fresh JVM: for what must be decided at process start. */
final class Subprocess {
    /** Variables that select an rseq strategy; removed unless a test sets them. */
    private static final List<String> SCENARIO_ENV = List.of("GLIBC_TUNABLES", "RSEQALLOC_FORCE_CAS", "RSEQALLOC_INDEX");

    private Subprocess() {
    }

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

    static String javaBinary() {
        String home = System.getProperty("java.home.for.tests", System.getProperty("java.home"));
        return Path.of(home, "bin", "java").toString();
    }

    /**
     * @param launcher   commands put before java (e.g. the seccomp launcher), may be empty
     * @param env        extra environment
     * @param properties extra -D options, "key=value"
     * @param childArgs  arguments of StressChild
     */
    static Outcome run(List<String> launcher, Map<String, String> env, List<String> properties,
                       List<String> childArgs, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(javaBinary());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx512m");
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StressChild.class.getName());
        cmd.addAll(childArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        SCENARIO_ENV.forEach(pb.environment()::remove); // hermetic: only what the test sets
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Read on another thread so that the timeout below can fire while the child still writes.
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the child was killed; what was read so far is kept
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            throw new AssertionError("child did not finish in " + timeoutSeconds + " s: " + cmd + "\n"
                    + out.toString(StandardCharsets.UTF_8));
        }
        reader.join();
        return new Outcome(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
