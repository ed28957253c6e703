package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.cli.UsageException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeDistributionTest {

    @Test
    void namedDistributionsStayInRangeAndAreDeterministic() {
        for (String name : new String[]{"mixed", "tiny", "small", "large"}) {
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
    void explicitList() {
        SizeDistribution d = SizeDistribution.parse("16, 64,256");
        assertEquals("16,64,256", d.name());
        Set<Long> seen = Arrays.stream(d.sample(3, 1000)).boxed().collect(Collectors.toSet());
        assertEquals(Set.of(16L, 64L, 256L), seen);
        assertEquals(256, d.maxSize());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(UsageException.class, () -> SizeDistribution.parse("huge"));
        assertThrows(UsageException.class, () -> SizeDistribution.parse("16,-4"));
    }
}
