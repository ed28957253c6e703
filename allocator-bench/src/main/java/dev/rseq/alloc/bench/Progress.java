package dev.rseq.alloc.bench;

/**
 * The progress line on stderr. On a terminal it is rewritten in place ({@code \r});
 * otherwise (a log file, CI) only finished steps are printed, one per line.
 */
public final class Progress {
    private final boolean live;
    private int lastLength;

    @SuppressWarnings("SystemConsoleNull") // the null check keeps a launcher configured without a console working
    public Progress() {
        this(System.console() != null && System.console().isTerminal());
    }

    Progress(boolean live) {
        this.live = live;
    }

    /** A transient state: shown on a terminal only. */
    public synchronized void update(String line) {
        if (live) {
            String padded = line + " ".repeat(Math.max(0, lastLength - line.length()));
            System.err.print("\r" + padded);
            System.err.flush();
            lastLength = line.length();
        }
    }

    /** A finished step: always printed, on its own line. */
    public synchronized void done(String line) {
        if (live) {
            update(line);
            System.err.println();
            lastLength = 0;
        } else {
            System.err.println(line);
        }
    }
}
