package dev.rseq.alloc.rseq;

/** Names of the errno values rseq registration can report on Linux x86-64. */
final class Errno {
    private Errno() {}

    static String name(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 12 -> "ENOMEM";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 22 -> "EINVAL";
            case 38 -> "ENOSYS";
            default -> "errno " + errno;
        };
    }
}
