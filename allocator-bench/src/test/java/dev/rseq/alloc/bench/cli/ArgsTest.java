package dev.rseq.alloc.bench.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgsTest {
    private static final Set<String> VALUED = Set.of("threads", "duration", "name");
    private static final Set<String> FLAGS = Set.of("quiet");

    @Test
    void bothSpellingsAndFlags() {
        Args a = Args.parse(new String[]{"--threads", "1,2", "--duration=5s", "--quiet"}, VALUED, FLAGS);
        assertEquals(List.of(1, 2), a.ints("threads", List.of()));
        assertEquals(Duration.ofSeconds(5), a.duration("duration", Duration.ZERO));
        assertTrue(a.flag("quiet"));
        assertEquals("x", a.string("name", "x"));
        assertFalse(a.has("name"));
    }

    @Test
    void errors() {
        assertThrows(UsageException.class, () -> Args.parse(new String[]{"--nope"}, VALUED, FLAGS));
        assertThrows(UsageException.class, () -> Args.parse(new String[]{"--threads"}, VALUED, FLAGS));
        assertThrows(UsageException.class, () -> Args.parse(new String[]{"stray"}, VALUED, FLAGS));
        assertThrows(UsageException.class, () -> Args.parse(new String[]{"--quiet=yes"}, VALUED, FLAGS));
        Args bad = Args.parse(new String[]{"--threads", "1,zero"}, VALUED, FLAGS);
        assertThrows(UsageException.class, () -> bad.ints("threads", List.of()));
        Args negative = Args.parse(new String[]{"--threads", "-1"}, VALUED, FLAGS);
        assertThrows(UsageException.class, () -> negative.ints("threads", List.of()));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofSeconds(3), Durations.parse("3"));
        assertThrows(UsageException.class, () -> Durations.parse("soon"));
        assertThrows(UsageException.class, () -> Durations.parse("0s"));
        assertEquals("2s", Durations.format(Duration.ofSeconds(2)));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals(Durations.parse("1.5s"), Durations.parse(Durations.format(Duration.ofMillis(1500))));
    }
}
