package dev.rseq.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.nativelib.NativeResources;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * allocator-core boots as the named module {@code dev.rseq.alloc} (its module-info), with
 * allocator-native and Agrona on the module path, and class-path code uses it through the
 * exported API: allocate, free, an arena, JSON stats and a JFR event; the internal packages
 * are not exported.
 */
class ModulePathTest {
    @TempDir
    Path tmp;

    private static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void theAllocatorWorksAsANamedModule() throws Exception {
        Path core = codeSource(PerCpuAllocator.class);
        Path nativeJar = codeSource(NativeResources.class);
        Path agrona = codeSource(DirectBuffer.class);
        Assumptions.assumeTrue(
                Files.exists(core.resolve("module-info.class"))
                        || core.toString().endsWith(".jar"),
                "allocator-core's module-info is compiled: " + core);
        Assumptions.assumeTrue(
                nativeJar.toString().endsWith(".jar"),
                "allocator-native is a jar only once packaged (mvn verify); here it is " + nativeJar);
        Path probe = tmp.resolve("probe");
        String cls = "probe/api/ApiProbe.class";
        Files.createDirectories(probe.resolve(cls).getParent());
        Files.copy(codeSource(ModulePathTest.class).resolve(cls), probe.resolve(cls));
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                core + File.pathSeparator + nativeJar + File.pathSeparator + agrona,
                "--add-modules",
                "dev.rseq.alloc",
                "--enable-native-access=dev.rseq.alloc,ALL-UNNAMED",
                "-cp",
                probe.toString(),
                "probe.api.ApiProbe");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        String line =
                out.lines().filter(l -> l.startsWith("PROBE ")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(line.contains("\"module\":\"dev.rseq.alloc\""), line);
        assertTrue(line.contains("\"named\":true"), line);
        assertTrue(line.contains("\"internalHidden\":true"), line);
        assertTrue(line.contains("\"bytesInUse\":0"), line);
        assertTrue(!line.contains("\"jfrEvents\":0"), "the module's JFR events are recorded: " + line);
    }
}
