package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rseq.alloc.nativelib.NativeResources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading librseqalloc never strands a user (issue 13): each case runs {@link LoadProbe} in
 * a fresh JVM (the library loads once per process) and checks where the library came from,
 * that failures keep their real cause, that the temporary directory is touched only when
 * needed and cleaned of what dead processes left, that every RseqNative method is safe
 * without the library, and that the jars work as modules.
 */
class NativeLoadingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static Probe probe(ChildJvm child) throws Exception {
        ChildJvm.Result r = child.run(TIMEOUT);
        System.out.println("[loading] " + r.elapsed().toMillis() + " ms: " + r.command());
        if (r.exitCode() != 0 || !r.lines().contains("OK")) {
            fail("probe failed\n" + r.diagnostics());
        }
        return new Probe(r);
    }

    private record Probe(ChildJvm.Result result) {
        Map<String, String> load() {
            return Json.parse(result.line("LOAD").orElseThrow());
        }

        Map<String, String> doctor() {
            return Json.parse(result.line("DOCTOR").orElseThrow());
        }

        String text() {
            return result.line("TEXT").orElseThrow().replace('|', '\n');
        }

        String alloc() {
            return result.line("ALLOC").orElse("(no ALLOC line)");
        }
    }

    private Path emptyDir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The production library, copied where the test wants it. */
    private static Path copyOfLibrary(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        return Files.copy(
                NativeLibrary.extract("librseqalloc.so"), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertEverythingSafeWithoutTheLibrary(Probe p, String reasonPart) {
        Map<String, String> l = p.load();
        assertEquals("false", l.get("available"), l.toString());
        assertTrue(l.get("reason").contains(reasonPart), l.get("reason"));
        assertEquals("cas-unavailable", l.get("mode"));
        assertEquals("no-library", l.get("why"));
        assertEquals("0", l.get("strategy"));
        for (String op : List.of(
                "pop",
                "push",
                "popBatch",
                "pushBatch",
                "popBatchSegment",
                "pushBatchSegment",
                "grow",
                "shrink",
                "currentRegion")) {
            assertEquals("-1", l.get(op), op + " answers NOT_REGISTERED and touches nothing");
        }
        assertEquals("" + RseqNative.FENCE_NOT_NEEDED, l.get("fenceAll"));
        assertEquals("" + RseqNative.FENCE_NOT_NEEDED, l.get("fence0"));
        assertTrue(Integer.parseInt(l.get("regions")) >= 1, l.toString());
        assertEquals("0", l.get("aborts"));
        assertEquals("0", l.get("noop"));
        assertEquals("0", l.get("rescan"));
        assertEquals("0", l.get("contractEntries"));
        assertTrue(l.get("rdtscp").startsWith("IllegalStateException: rdtscp needs librseqalloc"), l.get("rdtscp"));
        Map<String, String> d = p.doctor();
        assertEquals("false", d.get("nativeAvailable"));
        assertEquals("none", d.get("strategy"));
        assertTrue(d.get("unavailableReason").contains(reasonPart), d.toString());
        assertTrue(p.text().contains("native library      NOT AVAILABLE: "), p.text());
        assertTrue(p.alloc().startsWith("ok"), "the allocator still works, on the CAS caches: " + p.alloc());
    }

    @Test
    void disableSwitchLeavesEveryMethodSafe() throws Exception {
        Probe p = probe(ChildJvm.of(LoadProbe.class).jvmArg("-Drseqalloc.native.disable=true"));
        assertEverythingSafeWithoutTheLibrary(p, "disabled by -Drseqalloc.native.disable=true");
    }

    @Test
    void disableSwitchByEnvironment() throws Exception {
        Probe p = probe(ChildJvm.of(LoadProbe.class).env("RSEQALLOC_NATIVE_DISABLE", "true"));
        assertEverythingSafeWithoutTheLibrary(p, "disabled");
    }

    @Test
    void aBadExplicitPathKeepsDlerrorsWordsAndTouchesNoTemporaryDirectory() throws Exception {
        Path javaTmp = emptyDir("java-tmp");
        Probe p = probe(ChildJvm.of(LoadProbe.class)
                .jvmArg("-Djava.io.tmpdir=" + javaTmp)
                .jvmArg("-Drseqalloc.native.path=/nonexistent/librseqalloc.so"));
        assertEverythingSafeWithoutTheLibrary(p, "rseqalloc.native.path=/nonexistent/librseqalloc.so: dlopen");
        assertTrue(
                p.load().get("reason").contains("No such file or directory"),
                p.load().get("reason"));
        assertEquals(List.of(), listing(javaTmp), "the explicit path is tried before anything touches java.io.tmpdir");
    }

    @Test
    void anExplicitPathLoadsWithoutTouchingTheTemporaryDirectory() throws Exception {
        Path lib = copyOfLibrary(tmp.resolve("lib"), "librseqalloc.so");
        Path javaTmp = emptyDir("java-tmp");
        Probe p = probe(ChildJvm.of(LoadProbe.class)
                .jvmArg("-Djava.io.tmpdir=" + javaTmp)
                .jvmArg("-Drseqalloc.native.path=" + lib));
        assertEquals("true", p.load().get("available"), p.load().toString());
        assertEquals("rseqalloc.native.path=" + lib, p.load().get("source"));
        assertEquals(List.of(), listing(javaTmp));
    }

    @Test
    void javaLibraryPathComesBeforeExtraction() throws Exception {
        Path dir = tmp.resolve("jlp");
        copyOfLibrary(dir, System.mapLibraryName("rseqalloc"));
        Path javaTmp = emptyDir("java-tmp");
        Probe p = probe(ChildJvm.of(LoadProbe.class)
                .jvmArg("-Djava.io.tmpdir=" + javaTmp)
                .jvmArg("-Djava.library.path=/nonexistent:" + dir));
        assertEquals("true", p.load().get("available"), p.load().toString());
        assertEquals(
                "java.library.path: " + dir.resolve("librseqalloc.so"), p.load().get("source"));
        assertEquals(List.of(), listing(javaTmp));
    }

    @Test
    void anUnusableTemporaryDirectoryFallsBackToMemfdAndSaysWhy() throws Exception {
        Path notADirectory = Files.writeString(tmp.resolve("file"), "x");
        Probe p = probe(ChildJvm.of(LoadProbe.class).jvmArg("-Djava.io.tmpdir=" + notADirectory.resolve("sub")));
        Map<String, String> l = p.load();
        assertEquals("true", l.get("available"), l.toString());
        assertTrue(l.get("source").startsWith("memfd (in memory; "), l.get("source"));
        assertTrue(l.get("source").contains("extracting to " + notADirectory.resolve("sub")), l.get("source"));
        assertTrue(
                l.get("source").contains("FileSystemException")
                        || l.get("source").contains("Not a directory"),
                "the I/O cause is kept: " + l.get("source"));
        assertEquals("rseq-glibc", l.get("mode"), "and rseq works from the memory file");
    }

    @Test
    void theExtractionDirectorySettingIsUsed() throws Exception {
        Path root = emptyDir("extract-here");
        Probe p = probe(ChildJvm.of(LoadProbe.class).env("RSEQALLOC_NATIVE_EXTRACT_DIR", root.toString()));
        String source = p.load().get("source");
        assertTrue(source.startsWith("extracted to " + root.resolve("rseqalloc-")), source);
        assertTrue(source.matches(".*/rseqalloc-\\d+-\\d+/librseqalloc\\.so"), "pid in the name: " + source);
        assertEquals(List.of(), listing(root), "removed again at a normal exit");
    }

    @Test
    void directoriesOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
        Path root = emptyDir("stale");
        long dead = deadPid(32000);
        long deadElsewhere = deadPid(dead - 1);
        Path stale = Files.createDirectories(root.resolve("rseqalloc-" + dead + "-1"));
        Files.writeString(stale.resolve("librseqalloc.so"), "left by kill -9");
        Files.writeString(stale.resolve(".lock"), "");
        // A pid that looks dead from here but whose lock is held: a process in another pid namespace.
        Path locked = Files.createDirectories(root.resolve("rseqalloc-" + deadElsewhere + "-2"));
        Path live = Files.createDirectories(
                root.resolve("rseqalloc-" + ProcessHandle.current().pid() + "-3"));
        Path foreign = Files.createDirectories(root.resolve("rseqalloc-notours"));
        try (FileChannel ch =
                        FileChannel.open(locked.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            assertNotNull(held);
            probe(ChildJvm.of(LoadProbe.class).jvmArg("-Djava.io.tmpdir=" + root));
        }
        assertFalse(Files.exists(stale), "dead process's directory removed");
        assertTrue(Files.exists(locked), "a held lock means a live owner");
        assertTrue(Files.exists(live), "live pid");
        assertTrue(Files.exists(foreign), "names we did not make are left alone");
        assertEquals(
                new TreeSet<>(Set.of(
                        locked.getFileName().toString(),
                        live.getFileName().toString(),
                        foreign.getFileName().toString())),
                new TreeSet<>(listing(root)));
    }

    @Test
    void aKilledProcessLeavesItsDirectoryAndTheNextStartRemovesIt() throws Exception {
        Path root = emptyDir("killed");
        List<String> cmd = new ArrayList<>(ChildJvm.of(LoadProbe.class, "--sleep")
                .jvmArg("-Djava.io.tmpdir=" + root)
                .command());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path dir;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("DIR ")) {
                System.out.println("[killed child] " + line);
            }
            assertNotNull(line, "the child printed its directory");
            dir = Path.of(line.substring(4));
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no deleteOnExit
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.isDirectory(dir), "kill -9 leaves " + dir);
        probe(ChildJvm.of(LoadProbe.class).jvmArg("-Djava.io.tmpdir=" + root));
        assertFalse(Files.exists(dir), "removed by the next process that extracts");
        assertEquals(List.of(), listing(root));
    }

    @Test
    void badSettingValuesAreReportedAndFallBack() throws Exception {
        Probe p = probe(ChildJvm.of(LoadProbe.class)
                .jvmArg("-Drseqalloc.index=bogus")
                .jvmArg("-Drseqalloc.selfRegister=maybe"));
        Map<String, String> l = p.load();
        assertEquals("true", l.get("available"), "a bad value breaks nothing: " + l);
        assertEquals("true", l.get("useMmCid"), "the default index where mm_cid is available (this machine)");
        List<String> warnings = Json.list(p.doctor().get("warnings"));
        assertTrue(
                warnings.stream()
                        .anyMatch(w -> w.contains(
                                "invalid rseqalloc.index (-Drseqalloc.index=bogus):" + " expected mm_cid, cpu_id")),
                warnings.toString());
        assertTrue(
                warnings.stream()
                        .anyMatch(w -> w.contains("invalid rseqalloc.selfRegister"
                                + " (-Drseqalloc.selfRegister=maybe): expected true or false; using the default true")),
                warnings.toString());
        assertTrue(p.result().output().contains("rseqalloc: invalid rseqalloc.index"), "said on stderr too");
    }

    @Test
    void aLibraryFromAnotherBuildIsRefusedByNameAtLoad() throws Exception {
        Path skewed = NativeLibrary.extract("librseqalloc-skewed.so");
        Probe p = probe(ChildJvm.of(LoadProbe.class).jvmArg("-Drseqalloc.native.path=" + skewed));
        assertEverythingSafeWithoutTheLibrary(p, "RA_Q_MM_CID is 11 in the native library but 10 in Java");
        assertTrue(
                p.result()
                        .output()
                        .contains("rseqalloc: ERROR: librseqalloc (rseqalloc.native.path=" + skewed
                                + ") does not match this allocator-core"),
                p.result().diagnostics());
    }

    @Test
    void theProductionJarHoldsTheLibraryAndNoTestHelper() throws Exception {
        Path location = codeSource(NativeResources.class);
        Set<String> files = new TreeSet<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> s = Files.walk(location)) {
                s.filter(Files::isRegularFile)
                        .forEach(f -> files.add(location.relativize(f).toString()));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream()
                        .filter(e -> !e.isDirectory() && !e.getName().startsWith("META-INF/"))
                        .forEach(e -> files.add(e.getName()));
                assertEquals(
                        "dev.rseq.alloc.nativelib",
                        jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
            }
        }
        assertEquals(
                new TreeSet<>(Set.of(
                        "module-info.class",
                        "dev/rseq/alloc/nativelib/NativeResources.class",
                        "dev/rseq/alloc/nativelib/linux-x86_64/librseqalloc.so")),
                files,
                location.toString());
    }

    @Test
    void bothJarsWorkOnTheModulePath() throws Exception {
        Path nativeJar = codeSource(NativeResources.class);
        Assumptions.assumeTrue(
                nativeJar.toString().endsWith(".jar"),
                "allocator-native is a jar only once packaged (mvn verify); here it is " + nativeJar);
        Path coreJar = jar(codeSource(RseqNative.class), tmp.resolve("allocator-core.jar"));
        Path probeDir = tmp.resolve("probe");
        String probe = "dev/rseq/alloc/rseq/modulepath/ModulePathProbe.class";
        Files.createDirectories(probeDir.resolve(probe).getParent());
        Files.copy(codeSource(NativeLoadingTest.class).resolve(probe), probeDir.resolve(probe));
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                coreJar
                        + java.io.File.pathSeparator
                        + nativeJar
                        + java.io.File.pathSeparator
                        + codeSource(org.agrona.DirectBuffer.class),
                "--add-modules",
                "dev.rseq.alloc,dev.rseq.alloc.nativelib",
                // The probe reads the internal RseqNative, which the module does not export.
                "--add-exports",
                "dev.rseq.alloc/dev.rseq.alloc.rseq=ALL-UNNAMED",
                "--enable-native-access=dev.rseq.alloc,ALL-UNNAMED",
                "-cp",
                probeDir.toString(),
                "dev.rseq.alloc.rseq.modulepath.ModulePathProbe");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        String line = out.lines()
                .filter(l -> l.startsWith("MODULES "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(out));
        Map<String, String> m = Json.parse(line.substring(8));
        assertEquals("dev.rseq.alloc", m.get("core"), out);
        assertEquals("dev.rseq.alloc.nativelib", m.get("native"), out);
        assertEquals("true", m.get("available"), "the library is found from the named module: " + out);
    }

    private static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** A jar of a classes directory (an exploded directory cannot be an automatic module). */
    private static Path jar(Path classes, Path target) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream os = Files.newOutputStream(target);
                JarOutputStream out = new JarOutputStream(os, manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return target;
    }

    /** A pid at or below {@code from} that no process has now. */
    private static long deadPid(long from) {
        for (long pid = from; pid > 1; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free pid");
    }
}
