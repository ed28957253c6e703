package dev.rseq.alloc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SizeDistributionTest {

    @Test
    void namedDistributionsStayInRangeAndAreDeterministic() {
        for (String name : new String[] {"mixed", "tiny", "small", "large", "loguniform"}) {
            SizeDistribution d = SizeDistribution.parse(name);
            long[] a = d.sample(7, 10_000);
            assertArrayEquals(a, d.sample(7, 10_000), "same seed, same sizes");
            assertTrue(Arrays.stream(a).allMatch(s -> s >= 16 && s <= d.maxSize()), name);
        }
        long[] mixed = SizeDistribution.parse("mixed").sample(1, 100_000);
        long small = Arrays.stream(mixed).filter(s -> s <= 64).count();
        assertTrue(small > 45_000 && small < 55_000, "about half the mixed sizes are 16-64 B: " + small);
    }

    @Test
    void logUniformGivesEachOctaveAboutTheSameShare() {
        SizeDistribution d = SizeDistribution.parse("loguniform");
        long[] sizes = d.sample(11, 110_000);
        assertEquals(16, Arrays.stream(sizes).min().orElseThrow());
        assertEquals(32 * 1024, d.maxSize());
        // 16 B-32 KiB is 11 octaves: each should hold about 1/11 of the draws.
        long[] perOctave = new long[11];
        for (long s : sizes) {
            int log2 = 63 - Long.numberOfLeadingZeros(s);
            perOctave[Math.min(10, log2 - 4)]++; // 32 KiB itself counts in the last octave
        }
        for (long n : perOctave) {
            assertTrue(n > 9_000 && n < 11_000, Arrays.toString(perOctave));
        }
    }

    @Test
    void uniformRange() {
        long[] sizes = SizeDistribution.uniform(8, 1000).sample(5, 10_000);
        assertTrue(Arrays.stream(sizes).allMatch(s -> s >= 8 && s <= 1000));
        assertTrue(Arrays.stream(sizes).anyMatch(s -> s < 20)
                && Arrays.stream(sizes).anyMatch(s -> s > 990));
    }

    @Test
    void explicitList() {
        SizeDistribution d = SizeDistribution.parse("16, 64,256");
        assertEquals("16,64,256", d.name());
        Set<Long> seen = Arrays.stream(d.sample(3, 1000)).boxed().collect(Collectors.toSet());
        assertEquals(Set.of(16L, 64L, 256L), seen);
        assertEquals(256, d.maxSize());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> SizeDistribution.parse("huge"));
        assertThrows(IllegalArgumentException.class, () -> SizeDistribution.parse("16,-4"));
    }
}
