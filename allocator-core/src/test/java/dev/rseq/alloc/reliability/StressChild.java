package dev.rseq.alloc.reliability;

import dev.rseq.alloc.rseq.RseqReport;
import dev.rseq.alloc.stress.StressConfig;
import dev.rseq.alloc.stress.StressMode;
import dev.rseq.alloc.stress.StressResult;
import dev.rseq.alloc.stress.StressRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Main class of the subprocess stress runs: {@code StressChild SECONDS THREADS MODE[,MODE...]
 * [migrate] [inject=LOOPS] [hostile]}. Prints the main thread's rseq report, the run's
 * summary and its STRESS-RESULT line; exits 0 on pass, 1 on a violation.
 */
public final class StressChild {
    private StressChild() {}

    public static void main(String[] args) {
        StressConfig config = new StressConfig()
                .duration(Duration.ofMillis((long) (Double.parseDouble(args[0]) * 1000)))
                .threads(Integer.parseInt(args[1]))
                .seed(System.nanoTime());
        List<StressMode> modes = new ArrayList<>();
        for (String m : args[2].split(",")) {
            modes.add(StressMode.parse(m));
        }
        config.modes(modes);
        for (int i = 3; i < args.length; i++) {
            if (args[i].equals("migrate")) {
                config.migrate(true);
            } else if (args[i].equals("hostile")) {
                config.hostile();
            } else if (args[i].startsWith("inject=")) {
                config.injectDelay(Long.parseLong(args[i].substring(7)));
            } else {
                throw new IllegalArgumentException(args[i]);
            }
        }
        System.out.println("main thread: " + RseqReport.ofCurrentThread().toJson());
        StressResult r = StressRun.run(config);
        System.out.print(r.summary());
        System.out.println(r.line());
        System.out.flush();
        System.exit(r.passed() ? 0 : 1);
    }
}
