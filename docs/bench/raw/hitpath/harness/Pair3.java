import dev.rseq.alloc.PerCpuAllocator;
public class Pair3 {
    static long sink;
    static long pairVar(PerCpuAllocator a, long n, long size) {
        long s = 0;
        for (long i = 0; i < n; i++) { long p = a.allocate(size); s += p; a.free(p, size); }
        return s;
    }
    public static void main(String[] args) throws Exception {
        PerCpuAllocator a = PerCpuAllocator.builder().build();
        int pre = Integer.parseInt(args[0]);
        long[] addr = new long[pre];
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < pre; i++) { addr[i] = a.allocate(16L << rnd.nextInt(7)); }
        if (args.length > 1) { System.out.println(a.stats()); }
        for (int round = 0; round < 6; round++) {
            long n = 20_000_000;
            long t0 = System.nanoTime();
            sink += pairVar(a, n, 64);
            long t1 = System.nanoTime();
            System.out.printf("pre %d var %.2f ns/pair%n", pre, (t1 - t0) / (double) n);
        }
    }
}
