package dev.rseq.alloc.bench.cli;

import dev.rseq.alloc.bench.Main;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the project version the jar's manifest carries, and the JVM running it. */
public final class ManifestVersion implements IVersionProvider {

    /** The Implementation-Version of the jar Main was loaded from, or null outside the jar (tests, IDE). */
    public static String projectVersion() {
        return Main.class.getPackage().getImplementationVersion();
    }

    @Override
    public String[] getVersion() {
        String version = projectVersion();
        return new String[] {
            "allocator-bench " + (version != null ? version : "(version unknown: not run from allocator-bench.jar)"),
            "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version()
        };
    }
}
