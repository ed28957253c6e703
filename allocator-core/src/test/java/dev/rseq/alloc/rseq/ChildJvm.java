package dev.rseq.alloc.rseq;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this test folder in a fresh JVM. Every coexistence scenario needs
 * its own process: the strategy (glibc's area, our own, forced CAS) is chosen once per
 * process, and seccomp filters or GLIBC_TUNABLES apply from exec on. Public for the
 * reliability suite's subprocess runs too.
 */
public final class ChildJvm {
    /** Variables that select a scenario; cleared unless a test sets them, so children are hermetic. */
    private static final List<String> SCENARIO_ENV = List.of(
            "GLIBC_TUNABLES",
            "LD_PRELOAD",
            "RSEQALLOC_FORCE_CAS",
            "RSEQALLOC_INDEX",
            "RSEQALLOC_SELF_REGISTER",
            "RSEQALLOC_LIBRSEQ_REGISTER",
            "RSEQALLOC_NATIVE_DISABLE",
            "RSEQALLOC_NATIVE_PATH",
            "RSEQALLOC_NATIVE_EXTRACT_DIR",
            "RSEQALLOC_NATIVE_TOOLS",
            "RSEQALLOC_NATIVE_VARIANT");

    private final List<String> launcher = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private final String mainClass;
    private final List<String> args;

    private ChildJvm(Class<?> mainClass, List<String> args) {
        this.mainClass = mainClass.getName();
        this.args = args;
    }

    public static ChildJvm of(Class<?> mainClass, String... args) {
        return new ChildJvm(mainClass, List.of(args));
    }

    public ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public ChildJvm jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** A program that execs the java command after it (the seccomp launcher). */
    public ChildJvm launcher(String... prefix) {
        launcher.addAll(List.of(prefix));
        return this;
    }

    List<String> command() {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xss1m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    public Result run(Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true);
        SCENARIO_ENV.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        reader.join();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        String text;
        synchronized (out) {
            text = out.toString();
        }
        return new Result(describe(), finished ? p.exitValue() : -1, text, elapsed, !finished);
    }

    private String describe() {
        StringBuilder s = new StringBuilder();
        env.forEach((k, v) -> s.append(k).append('=').append(v).append(' '));
        return s.append(String.join(" ", command())).toString();
    }

    private static void drain(InputStream in, StringBuilder out) {
        try (in) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (out) {
                    out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A finished child: exit code, merged stdout/stderr, wall time. */
    public record Result(String command, int exitCode, String output, Duration elapsed, boolean timedOut) {
        public List<String> lines() {
            return output.lines().toList();
        }

        /** The rest of the first line starting with {@code prefix + " "}. */
        public Optional<String> line(String prefix) {
            return lines().stream()
                    .filter(l -> l.startsWith(prefix + " "))
                    .findFirst()
                    .map(l -> l.substring(prefix.length() + 1));
        }

        /** The rest of every line starting with {@code prefix + " "}. */
        public List<String> all(String prefix) {
            return lines().stream()
                    .filter(l -> l.startsWith(prefix + " "))
                    .map(l -> l.substring(prefix.length() + 1))
                    .toList();
        }

        /** For assertion messages: what ran and what it said. */
        public String diagnostics() {
            return "command: " + command + "\nexit " + exitCode + (timedOut ? " (timed out)" : "") + " after "
                    + elapsed.toMillis() + " ms; output:\n" + output;
        }
    }
}
