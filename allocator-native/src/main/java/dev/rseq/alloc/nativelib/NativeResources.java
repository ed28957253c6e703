package dev.rseq.alloc.nativelib;

import java.io.InputStream;

/**
 * Serves the native library this jar carries. The look-up runs from a class of this jar,
 * so it finds the resource in this jar's own module: on the class path, and on the module
 * path, where a class of another module (allocator-core) would search only its own.
 */
public final class NativeResources {
    /** Directory of the files for this platform, relative to this class. */
    public static final String PLATFORM_DIR = "linux-x86_64";
    /** Where the tests jar (classifier {@code tests}) keeps its test and tool helpers. */
    public static final String TOOLS_DIR = "dev/rseq/alloc/nativelib/tools/linux-x86_64/";

    private NativeResources() {}

    /**
     * Opens a file this jar carries.
     *
     * @param name the file's name, such as {@code librseqalloc.so}
     * @return the file's contents, or null when this jar lacks it
     */
    public static InputStream open(String name) {
        return NativeResources.class.getResourceAsStream(PLATFORM_DIR + "/" + name);
    }
}
