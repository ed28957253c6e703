package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.config.Setting;
import dev.rseq.alloc.nativelib.NativeResources;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and opens librseqalloc, never throwing: {@link #load()} returns either the opened
 * library or the reason it could not be opened, with every cause kept (the dlopen error
 * text, the errno, the I/O exception).
 *
 * <p>Where it looks, in order (each setting is a system property or the environment
 * variable in brackets):
 * <ol>
 *   <li>{@code rseqalloc.native.disable=true} [{@code RSEQALLOC_NATIVE_DISABLE}]: nowhere; the
 *       allocator runs without rseq.</li>
 *   <li>Not Linux x86-64: nowhere (the critical sections are x86-64 assembly).</li>
 *   <li>{@code rseqalloc.native.path} [{@code RSEQALLOC_NATIVE_PATH}]: that file, and only it.</li>
 *   <li>Every directory of {@code java.library.path}, for {@code System.mapLibraryName("rseqalloc")}.</li>
 *   <li>The copy inside the allocator-native jar, written to a private directory
 *       {@code rseqalloc-<pid>-<random>} under {@code rseqalloc.native.extractDir}
 *       [{@code RSEQALLOC_NATIVE_EXTRACT_DIR}] or else {@code java.io.tmpdir}. That directory
 *       is created only now, and directories that dead processes left behind (a
 *       {@code kill -9}) are removed first: those whose pid is gone and whose lock file
 *       nobody holds.</li>
 *   <li>The same bytes through {@code memfd_create}, when no directory is writable or the
 *       one used is mounted {@code noexec}: nothing touches the disk.</li>
 * </ol>
 * {@code rseqalloc.native.variant=inject} loads the delay-injecting test build instead,
 * from the tests jar of allocator-native (or the {@code rseqalloc.native.tools} directory).
 *
 * <p>The library is opened with {@code dlopen} directly (the JDK's loaders drop dlerror's
 * text) and never closed: it is linked with {@code -z nodelete} because the kernel keeps
 * pointers into its TLS area and its {@code struct rseq_cs} descriptors for every
 * registered thread.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class NativeLibrary {
    public static final String DISABLE = "rseqalloc.native.disable";
    public static final String PATH = "rseqalloc.native.path";
    public static final String EXTRACT_DIR = "rseqalloc.native.extractDir";
    public static final String TOOLS = "rseqalloc.native.tools";
    public static final String VARIANT = "rseqalloc.native.variant";

    private static final String LIBRARY_DIR = "dev/rseq/alloc/nativelib/" + NativeResources.PLATFORM_DIR + "/";
    private static final Pattern OUR_DIRECTORY = Pattern.compile("rseqalloc-(\\d+)-\\d+");
    private static final String LOCK_FILE = ".lock";
    private static final int RTLD_NOW = 2;
    private static final int MFD_CLOEXEC = 1;

    /** The outcome of loading: a lookup and where it came from, or why there is none. */
    public record Loaded(SymbolLookup lookup, String source, String failure) {
        public boolean available() {
            return lookup != null;
        }
    }

    private static Loaded loaded;
    private static Path extractionDirectory;
    /** Held for the life of the process: proves to other processes that our directory is in use. */
    private static FileChannel lockChannel;

    @SuppressWarnings("unused") // never read: holding the reference keeps the lock for the process's life
    private static FileLock lock;

    private NativeLibrary() {}

    /** Loads the library once; never throws. */
    public static synchronized Loaded load() {
        if (loaded == null) {
            try {
                loaded = open();
            } catch (Throwable t) {
                loaded = new Loaded(null, null, "unexpected failure while loading librseqalloc: " + t);
            }
        }
        return loaded;
    }

    /** Symbols of librseqalloc; throws {@link IllegalStateException} with the reason when it is not loaded. */
    public static SymbolLookup lookup() {
        Loaded l = load();
        if (!l.available()) {
            throw new IllegalStateException("librseqalloc is not available: " + l.failure());
        }
        return l.lookup();
    }

    /**
     * True when the loaded library is the delay-injecting test build: asked for with
     * {@code rseqalloc.native.variant=inject}, loaded, and saying so itself. False when it
     * was asked for but could not be loaded ({@link RseqNative#unavailableReason()} says why).
     */
    public static boolean isInjectVariant() {
        return injectRequested() && RseqNative.available() && RseqNative.query(RseqNative.Q_INJECT_DELAY) != 0;
    }

    private static boolean injectRequested() {
        return "inject".equals(Settings.get(Setting.NATIVE_VARIANT));
    }

    /**
     * A packaged native file (the library, or a test helper of the tests jar such as the
     * {@code seccomp-no-rseq} launcher) copied to this process's directory; executable.
     * @throws IllegalStateException when the file is not packaged or cannot be written
     */
    public static synchronized Path extract(String name) {
        try {
            Path dir = extractionDirectory();
            Path target = dir.resolve(name);
            if (Files.exists(target)) {
                return target;
            }
            try (InputStream in = openPackaged(name)) {
                if (in == null) {
                    throw new IllegalStateException(name + " is not on the class path: the library is in "
                            + "dev.rseq:allocator-native, the test helpers in dev.rseq:allocator-native:tests "
                            + "(type test-jar), or set -D" + TOOLS + "=<directory>");
                }
                return write(dir, name, in.readAllBytes());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract " + name + ": " + e, e);
        }
    }

    private static Loaded open() {
        if (Settings.bool(Setting.NATIVE_DISABLE)) {
            return failed("disabled by -D" + DISABLE + "=true (or RSEQALLOC_NATIVE_DISABLE)");
        }
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        if (!os.toLowerCase(Locale.ROOT).contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return failed("librseqalloc exists for Linux x86-64 only; this JVM runs on " + os + "/" + arch);
        }
        String file = System.mapLibraryName(injectRequested() ? "rseqalloc-inject" : "rseqalloc");
        String explicit = Settings.get(Setting.NATIVE_PATH);
        if (explicit != null && !explicit.isBlank()) {
            try {
                return new Loaded(dlopen(Path.of(explicit)), PATH + "=" + explicit, null);
            } catch (LoadFailure e) {
                return failed(PATH + "=" + explicit + ": " + e.getMessage());
            }
        }
        List<String> tried = new ArrayList<>();
        for (String dir : System.getProperty("java.library.path", "").split(File.pathSeparator, -1)) {
            Path candidate = dir.isEmpty() ? null : Path.of(dir, file);
            if (candidate != null && Files.isRegularFile(candidate)) {
                try {
                    return new Loaded(dlopen(candidate), "java.library.path: " + candidate, null);
                } catch (LoadFailure e) {
                    tried.add(candidate + ": " + e.getMessage());
                }
            }
        }
        if (tried.isEmpty()) {
            tried.add("no " + file + " in java.library.path");
        }
        byte[] bytes;
        try (InputStream in = openPackaged(file)) {
            if (in == null) {
                tried.add(file + " is not packaged on the class path (dev.rseq:allocator-native"
                        + (injectRequested() ? ":tests, or -D" + TOOLS : "") + ")");
                return failed(String.join("; ", tried));
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            tried.add("reading the packaged " + file + ": " + e);
            return failed(String.join("; ", tried));
        }
        try {
            Path extracted = extract(file, bytes);
            return new Loaded(dlopen(extracted), "extracted to " + extracted, null);
        } catch (IOException e) {
            tried.add("extracting to " + extractRoot() + ": " + e);
        } catch (LoadFailure e) {
            tried.add(e.getMessage());
        }
        try {
            return new Loaded(memfdOpen(file, bytes), "memfd (in memory; " + String.join("; ", tried) + ")", null);
        } catch (LoadFailure e) {
            tried.add("memfd: " + e.getMessage());
        }
        return failed(String.join("; ", tried));
    }

    private static Loaded failed(String why) {
        return new Loaded(null, null, why);
    }

    /** The packaged file: production files from allocator-native's own module, helpers from the tests jar. */
    private static InputStream openPackaged(String name) throws IOException {
        String tools = Settings.get(Setting.NATIVE_TOOLS);
        if (tools != null && Files.isRegularFile(Path.of(tools, name))) {
            return Files.newInputStream(Path.of(tools, name));
        }
        InputStream in = null;
        try {
            in = NativeResources.open(name);
        } catch (LinkageError e) {
            // allocator-native's class is missing (a repackaged jar): the class loaders below still look
        }
        for (ClassLoader loader : loaders()) {
            if (in == null) {
                in = loader.getResourceAsStream(LIBRARY_DIR + name);
            }
            if (in == null) {
                in = loader.getResourceAsStream(NativeResources.TOOLS_DIR + name);
            }
        }
        return in;
    }

    private static List<ClassLoader> loaders() {
        List<ClassLoader> loaders = new ArrayList<>();
        ClassLoader own = NativeLibrary.class.getClassLoader();
        loaders.add(own != null ? own : ClassLoader.getSystemClassLoader());
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context != own) {
            loaders.add(context);
        }
        return loaders;
    }

    private static Path extract(String name, byte[] bytes) throws IOException {
        Path dir = extractionDirectory();
        Path target = dir.resolve(name);
        return Files.exists(target) ? target : write(dir, name, bytes);
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path target = dir.resolve(name);
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        Files.write(tmp, bytes);
        tmp.toFile().setExecutable(true, true);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        target.toFile().deleteOnExit();
        return target;
    }

    private static Path extractRoot() {
        String configured = Settings.get(Setting.NATIVE_EXTRACT_DIR);
        return Path.of(configured != null && !configured.isBlank() ? configured : System.getProperty("java.io.tmpdir"));
    }

    /** This process's directory, created on first use, after removing those dead processes left. */
    private static Path extractionDirectory() throws IOException {
        if (extractionDirectory != null) {
            return extractionDirectory;
        }
        Path root = extractRoot();
        if (Settings.get(Setting.NATIVE_EXTRACT_DIR) != null) {
            Files.createDirectories(root); // asked for by name; a missing java.io.tmpdir is reported instead
        }
        removeStale(root);
        long pid = ProcessHandle.current().pid();
        Path dir = Files.createTempDirectory(root, "rseqalloc-" + pid + "-");
        dir.toFile().deleteOnExit();
        Path lockFile = dir.resolve(LOCK_FILE);
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lockFile.toFile().deleteOnExit();
        lock = lockChannel.lock();
        extractionDirectory = dir;
        return dir;
    }

    /**
     * Removes {@code rseqalloc-<pid>-*} directories whose process is gone. A pid can look
     * gone from another pid namespace (containers sharing a directory), so the lock file
     * decides: a live owner holds it (POSIX locks die with their process).
     */
    static void removeStale(Path root) {
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "rseqalloc-*")) {
            for (Path d : dirs) {
                Matcher m = OUR_DIRECTORY.matcher(d.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (pid != self && ProcessHandle.of(pid).isEmpty() && nobodyHolds(d.resolve(LOCK_FILE))) {
                    deleteTree(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a directory we cannot list or delete stays
        }
    }

    private static boolean nobodyHolds(Path lockFile) {
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock l = ch.tryLock()) {
            return l != null;
        } catch (IOException | OverlappingFileLockException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A failed dlopen (or memfd step), with the C library's own words. */
    private static final class LoadFailure extends Exception {
        private static final long serialVersionUID = 1L;

        LoadFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** libc's dlopen family, looked up only on Linux. */
    private static final class Dl {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIBC = libc();
        static final MethodHandle DLOPEN = handle("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle DLERROR = handle("dlerror", FunctionDescriptor.of(ADDRESS));
        static final MethodHandle DLSYM = handle("dlsym", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

        private static SymbolLookup libc() {
            SymbolLookup dflt = LINKER.defaultLookup();
            if (dflt.find("dlopen").isPresent()) {
                return dflt;
            }
            // glibc < 2.34 keeps the dl functions in libdl.
            return dflt.or(SymbolLookup.libraryLookup("libdl.so.2", Arena.global()));
        }

        private static MethodHandle handle(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(
                    LIBC.find(name).orElseThrow(() -> new IllegalStateException("the C library has no " + name)), d);
        }
    }

    private static SymbolLookup dlopen(Path path) throws LoadFailure {
        return dlopen(path.toAbsolutePath().toString(), path.toString());
    }

    private static SymbolLookup dlopen(String file, String shownAs) throws LoadFailure {
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            handle = (MemorySegment) Dl.DLOPEN.invokeExact(arena.allocateFrom(file), RTLD_NOW);
            if (handle.equals(MemorySegment.NULL)) {
                MemorySegment err = (MemorySegment) Dl.DLERROR.invokeExact();
                String text = err.equals(MemorySegment.NULL)
                        ? "dlopen failed"
                        : err.reinterpret(4096).getString(0);
                throw new LoadFailure("dlopen " + shownAs + ": " + text + hint(text));
            }
        } catch (LoadFailure e) {
            throw e;
        } catch (Throwable t) {
            throw new LoadFailure("dlopen " + shownAs + ": " + t);
        }
        MemorySegment h = handle;
        return name -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s = (MemorySegment) Dl.DLSYM.invokeExact(h, arena.allocateFrom(name));
                return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s);
            } catch (Throwable t) {
                return Optional.empty();
            }
        };
    }

    private static String hint(String dlerror) {
        if (dlerror.contains("failed to map segment") || dlerror.contains("Operation not permitted")) {
            return " (is the directory mounted noexec? set -D" + EXTRACT_DIR + "=<directory on an exec mount>"
                    + " or -D" + PATH + "=<librseqalloc.so>)";
        }
        if (dlerror.contains("GLIBC_")) {
            return " (the C library is older than librseqalloc needs: glibc 2.16)";
        }
        return "";
    }

    /** Loads the library from an anonymous memory file: no directory, no exec mount needed. */
    private static SymbolLookup memfdOpen(String name, byte[] bytes) throws LoadFailure {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        java.lang.foreign.StructLayout stateLayout = Linker.Option.captureStateLayout();
        VarHandle errnoHandle = stateLayout.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        Optional<MemorySegment> create = libc.find("memfd_create");
        if (create.isEmpty()) {
            throw new LoadFailure("memfd_create is not in this C library (glibc < 2.27)");
        }
        MethodHandle memfd =
                linker.downcallHandle(create.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
        MethodHandle write = linker.downcallHandle(
                libc.find("write").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
                errno);
        MethodHandle close =
                linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(stateLayout);
            int fd = (int) memfd.invokeExact(state, arena.allocateFrom(name), MFD_CLOEXEC);
            if (fd < 0) {
                throw new LoadFailure("memfd_create: " + Errno.name((int) errnoHandle.get(state, 0L)));
            }
            try {
                MemorySegment buf = arena.allocate(bytes.length);
                MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
                long done = 0;
                while (done < bytes.length) {
                    long n = (long) write.invokeExact(state, fd, buf.asSlice(done), (long) bytes.length - done);
                    if (n <= 0) {
                        throw new LoadFailure("write to memfd: " + Errno.name((int) errnoHandle.get(state, 0L)));
                    }
                    done += n;
                }
                // The mapping made by dlopen keeps the memory file alive after close.
                return dlopen("/proc/self/fd/" + fd, "memfd:" + name);
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        } catch (LoadFailure e) {
            throw e;
        } catch (Throwable t) {
            throw new LoadFailure(t.toString());
        }
    }
}
