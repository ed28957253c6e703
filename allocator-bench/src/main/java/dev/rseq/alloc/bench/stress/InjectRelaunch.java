package dev.rseq.alloc.bench.stress;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The delay-injecting native library is chosen when the library loads, by a system
 * property, so a JVM started without it cannot switch: this re-runs the same command in
 * a child JVM that has {@code -Drseqalloc.native.variant=inject}.
 */
final class InjectRelaunch {
    static final String PROPERTY = "rseqalloc.native.variant";

    private InjectRelaunch() {}

    static boolean needed(long injectDelay) {
        return injectDelay > 0 && !"inject".equals(System.getProperty(PROPERTY));
    }

    /** Runs {@code stress args} again in a child JVM with the property; returns its exit status. */
    static int run(List<String> stressArgs) throws IOException, InterruptedException {
        List<String> cmd = command(stressArgs);
        System.out.println("re-running with the delay-injecting library: " + String.join(" ", cmd));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    static List<String> command(List<String> stressArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-D" + PROPERTY + "=") && !arg.startsWith("-agentlib:jdwp")) {
                cmd.add(arg);
            }
        }
        if (cmd.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-D" + PROPERTY + "=inject");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.rseq.alloc.bench.Main");
        cmd.add("stress");
        cmd.addAll(stressArgs);
        return cmd;
    }

    /** What to type when re-running is impossible. */
    static String howTo() {
        return "run the JVM with -D" + PROPERTY + "=inject, e.g.\n  java --enable-native-access=ALL-UNNAMED -D"
                + PROPERTY + "=inject -jar allocator-bench.jar stress --inject-delay 200 ...";
    }
}
