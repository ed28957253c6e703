package dev.rseq.alloc.bench.footprint;

/** A number of threads of one kind, all alive at once, each allocating and freeing a working set. */
record Phase(boolean virtual, int threads) {

    String label() {
        return String.format("%,d %s", threads, virtual ? "virtual" : "platform");
    }

    /** "p100" / "v1000000": for the command line of a child. */
    String code() {
        return (virtual ? "v" : "p") + threads;
    }

    static Phase parse(String code) {
        return new Phase(code.charAt(0) == 'v', Integer.parseInt(code.substring(1)));
    }
}
