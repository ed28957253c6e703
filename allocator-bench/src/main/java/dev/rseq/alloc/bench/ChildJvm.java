package dev.rseq.alloc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts this program again in a fresh JVM, for measurements that must not share a JIT
 * profile, a heap or a process RSS with another allocator's run. The child gets the same
 * java binary, class path, JVM options and environment (so an LD_PRELOAD carries over).
 */
public final class ChildJvm {
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** Keeps sun.misc.Unsafe's deprecation warning (JDK 24+) out of the output of the unsafe and Netty rows. */
    static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";

    private ChildJvm() {
    }

    /** JVM options every benchmark JVM needs (children and JMH forks). */
    public static List<String> requiredJvmOptions() {
        return List.of(NATIVE_ACCESS, UNSAFE_ALLOW);
    }

    public static List<String> command(List<String> mainArgs) {
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

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
