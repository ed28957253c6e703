package dev.rseq.alloc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Starts this program again in a fresh JVM, for measurements that must not share a JIT
 * profile, a heap or a process RSS with another allocator's run. The child gets the same
 * java binary, class path, JVM options and environment (so an LD_PRELOAD carries over).
 */
public final class ChildJvm {
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** Keeps sun.misc.Unsafe's deprecation warning (JDK 24+) out of the output of the unsafe and Netty rows. */
    static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";
    /**
     * What Agrona users pass anyway, and what lets our virtual threads use their carriers'
     * thread caches (the jar's manifest gives the parent the same through Add-Exports);
     * -Drseqalloc.carrierAccess=false measures without it.
     */
    static final String INTERNAL_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private ChildJvm() {}

    /** JVM options every benchmark JVM needs (children and JMH forks). */
    public static List<String> requiredJvmOptions() {
        return List.of(NATIVE_ACCESS, UNSAFE_ALLOW, INTERNAL_MISC);
    }

    public static List<String> command(List<String> mainArgs) {
        return command(List.of(), mainArgs);
    }

    /**
     * The command line of a child JVM running this jar's main class.
     *
     * @param jvmOptions added after the inherited ones (so a -D here wins over the parent's)
     * @param mainArgs the child's program arguments
     * @return the command, starting with this JVM's java launcher
     */
    public static List<String> command(List<String> jvmOptions, List<String> mainArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        List<String> inherited = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger agent would make the child wait for a second debugger.
            if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-Xrunjdwp")) {
                inherited.add(arg);
            }
        }
        cmd.addAll(inherited);
        for (String required : requiredJvmOptions()) {
            String key = required.substring(0, required.indexOf('='));
            if (inherited.stream().noneMatch(a -> a.startsWith(key))) {
                cmd.add(required);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(mainArgs);
        return cmd;
    }

    /** Runs the child with this process's stdin/stdout/stderr and returns its exit status. */
    public static int run(List<String> mainArgs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(mainArgs)).inheritIO().start();
        return p.waitFor();
    }

    /**
     * Runs the child with this process's stdin/stdout/stderr; kills it if it outlives
     * {@code timeout}. Returns its exit status, or empty when it was killed.
     */
    public static OptionalInt run(List<String> jvmOptions, List<String> mainArgs, Duration timeout)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(command(jvmOptions, mainArgs)).inheritIO().start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            return OptionalInt.empty();
        }
        return OptionalInt.of(p.exitValue());
    }

    private static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
