package dev.rseq.alloc.rseq;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Finds librseqalloc and the test helpers that allocator-native packages as jar resources,
 * copies them to a private temporary directory once, and opens the library.
 *
 * <p>The library is opened in the global arena and never closed: it is linked with
 * {@code -z nodelete} because the kernel keeps pointers into its TLS area and its
 * {@code struct rseq_cs} descriptors for every registered thread.
 *
 * <p>System properties: {@code rseqalloc.native.path} loads a library from that file
 * instead; {@code rseqalloc.native.variant=inject} loads the delay-injecting test build.
 */
public final class NativeLibrary {
    private static final String RESOURCE_DIR = "/dev/rseq/alloc/native/linux-x86_64/";
    private static final Path EXTRACT_DIR = createExtractDir();
    private static final SymbolLookup LOOKUP = open();

    private NativeLibrary() {
    }

    /** Symbols of librseqalloc. */
    public static SymbolLookup lookup() {
        return LOOKUP;
    }

    /** True when the loaded library is the delay-injecting test build. */
    public static boolean isInjectVariant() {
        return "inject".equals(System.getProperty("rseqalloc.native.variant"));
    }

    /**
     * Copies a packaged native file (a library or the {@code seccomp-no-rseq} launcher)
     * out of the jar and returns its path; executables are made executable.
     */
    public static Path extract(String name) {
        Path target = EXTRACT_DIR.resolve(name);
        if (Files.exists(target)) {
            return target;
        }
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("native resource " + RESOURCE_DIR + name
                        + " is not on the class path (is allocator-native built for "
                        + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + "?)");
            }
            Path tmp = Files.createTempFile(EXTRACT_DIR, name, ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().setExecutable(true, true);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            target.toFile().deleteOnExit();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + name, e);
        }
    }

    private static Path createExtractDir() {
        try {
            Path dir = Files.createTempDirectory("rseqalloc-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SymbolLookup open() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException("librseqalloc is built for linux/x86-64 only, not "
                    + os + "/" + arch);
        }
        String explicit = System.getProperty("rseqalloc.native.path");
        Path path = explicit != null ? Path.of(explicit)
                : extract(isInjectVariant() ? "librseqalloc-inject.so" : "librseqalloc.so");
        return SymbolLookup.libraryLookup(path, Arena.global());
    }
}
