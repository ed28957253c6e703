package dev.rseq.alloc.bench.cli;

/** A bad command line: the message is printed above the command's usage, exit status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
