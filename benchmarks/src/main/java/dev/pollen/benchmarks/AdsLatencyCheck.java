package dev.pollen.benchmarks;

import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdRequest;

/**
 * Tail latency of ad decisions under a fixed arrival rate ({@link OpenLoop}): first the closed-loop maximum rate with
 * the given threads, then arrivals at a fraction of it (default 50 %), latencies measured from each request's due
 * time (corrected for coordinated omission), p50 / p99 / p99.9 / max.
 *
 * <pre>
 * java $(cat features/target/classes/dev/pollen/jvm.flags) -cp benchmarks/target/benchmarks.jar \
 *     dev.pollen.benchmarks.AdsLatencyCheck [candidates=100] [threads=1] [load=0.5] [seconds=20]
 * </pre>
 */
public final class AdsLatencyCheck {
    private AdsLatencyCheck() {
    }

    /**
     * @param args {@code [candidates] [threads] [load] [seconds]}
     * @throws Exception when setup or a decision fails
     */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.keepPollenThreadPools();
        int candidates = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        double load = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 20;
        try (AdsSetup setup = new AdsSetup(threads)) {
            AdRequest[][] requests = new AdRequest[threads][];
            AdDecision[] out = new AdDecision[threads];
            for (int w = 0; w < threads; w++) {
                requests[w] = setup.requests(candidates, 4096, 100 + w);
                out[w] = new AdDecision();
            }
            OpenLoop.Call call = (w, i) -> {
                setup.decisioner.decide(requests[w][(int) (i & 4095)], out[w]);
                if (out[w].fallback() != null) {
                    throw new IllegalStateException("a benchmark decision fell back: " + out[w]);
                }
                return out[w].ads();
            };
            OpenLoop.maxRate(call, threads, 5_000); // warm-up
            double max = OpenLoop.maxRate(call, threads, 5_000);
            System.out.printf("ads decisions, %d candidates: closed-loop maximum %,.0f/s with %d thread(s)%n",
                    candidates, max, threads);
            OpenLoop.Result r = OpenLoop.run(call, max * load, threads, 2_000, seconds * 1_000);
            System.out.printf("open loop at %.0f %% of it: %s; %d started after the next arrival was due%n",
                    load * 100, r.summary(), r.late());
            System.out.println("requests over 1 ms by second of the measurement: " + r.slowSeconds());
        }
    }
}
