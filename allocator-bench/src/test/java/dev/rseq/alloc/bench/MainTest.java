package dev.rseq.alloc.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MainTest {

    @Test
    void noArgumentsPrintsUsageAndFails() {
        assertEquals(2, Main.run(new String[0]));
        assertEquals(0, Main.run(new String[]{"--help"}));
        assertEquals(2, Main.run(new String[]{"frobnicate"}));
    }

    @Test
    void commandsAnswerHelp() {
        assertEquals(0, Main.run(new String[]{"compare", "--help"}));
        assertEquals(0, Main.run(new String[]{"footprint", "--help"}));
        assertEquals(2, Main.run(new String[]{"compare", "--bogus"}));
        assertEquals(2, Main.run(new String[]{"compare", "--allocators", "nope"}));
    }
}
