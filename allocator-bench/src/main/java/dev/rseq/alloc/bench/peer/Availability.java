package dev.rseq.alloc.bench.peer;

/** Whether a peer can run in this process and, if not, the one-line reason printed when it is skipped. */
public record Availability(boolean available, String message) {

    public static Availability yes() {
        return new Availability(true, "");
    }

    public static Availability no(String message) {
        return new Availability(false, message);
    }
}
