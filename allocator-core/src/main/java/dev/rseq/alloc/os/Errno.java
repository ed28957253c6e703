package dev.rseq.alloc.os;

/** Names for the errno values the memory system calls report on Linux. */
final class Errno {
    private Errno() {}

    static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM (out of memory, address space or the commit limit)";
            case 13 -> "EACCES";
            case 22 -> "EINVAL";
            default -> null;
        };
        return name == null ? "errno " + errno : name + " (errno " + errno + ")";
    }
}
