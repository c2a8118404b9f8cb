package dev.pollen.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RunPlanner}: every plan covers each text once within capacity, is the cheapest split on one lane (checked
 * against an exhaustive search), and on several lanes never predicts a slower call than dealing the texts round-robin
 * and splitting each share (the encoder's scheme before the planner, computed here independently).
 */
class RunPlannerTest {
    /** Token counts of the two batches of 32 in ContentEncoderBenchmark (all-MiniLM-L6-v2 tokenizer), sorted. */
    static final int[] BENCHMARK_FIRST = {4, 4, 5, 5, 6, 9, 9, 11, 13, 13, 14, 14, 15, 15, 16, 16, 16, 16, 17, 17, 18,
        19, 19, 19, 20, 21, 21, 21, 22, 22, 40, 40};
    static final int[] BENCHMARK_SECOND = {3, 4, 4, 4, 9, 11, 11, 12, 12, 12, 13, 14, 15, 16, 16, 17, 17, 17, 18, 18,
        18, 19, 19, 20, 20, 20, 21, 22, 22, 24, 27, 29};

    @Test
    void everyTextIsInExactlyOneRunWithinCapacityLargestFirst() {
        SplittableRandom random = new SplittableRandom(1);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = random.nextInt(1, 65);
            int lanes = random.nextInt(1, 5);
            int[] lengths = sortedLengths(random, n, 2, 129);
            long capacity = lengths[n - 1] * (long) random.nextInt(1, n + 1);
            long overhead = random.nextInt(0, 65);
            RunPlanner planner = new RunPlanner(64, lanes, overhead, capacity);
            int runs = planner.plan(lengths, n);
            int[] seen = new int[n];
            long previous = Long.MAX_VALUE;
            for (int r = 0; r < runs; r++) {
                int last = planner.start(r) + (planner.count(r) - 1) * planner.stride(r);
                for (int k = 0; k < planner.count(r); k++) {
                    seen[planner.start(r) + k * planner.stride(r)]++;
                }
                long tokens = (long) planner.count(r) * lengths[last];
                assertTrue(tokens <= capacity, "run " + r + " holds " + tokens + " tokens, over " + capacity);
                assertEquals(overhead + tokens, planner.cost(r), "cost of run " + r);
                assertTrue(planner.cost(r) <= previous, "runs must come largest first");
                previous = planner.cost(r);
            }
            int[] once = new int[n];
            Arrays.fill(once, 1);
            assertEquals(Arrays.toString(once), Arrays.toString(seen), "texts per position in trial " + trial);
        }
    }

    @Test
    void oneLaneGetsTheCheapestSplit() {
        SplittableRandom random = new SplittableRandom(2);
        for (int trial = 0; trial < 500; trial++) {
            int n = random.nextInt(1, 13);
            int[] lengths = sortedLengths(random, n, 2, 60);
            long capacity = lengths[n - 1] * (long) random.nextInt(1, n + 1);
            long overhead = random.nextInt(0, 40);
            RunPlanner planner = new RunPlanner(n, 1, overhead, capacity);
            planner.plan(lengths, n);
            assertEquals(cheapestByExhaustiveSearch(lengths, n, overhead, capacity), planner.predictedMakespan(),
                    "lengths " + Arrays.toString(lengths) + ", overhead " + overhead + ", capacity " + capacity);
        }
    }

    @Test
    void neverPredictsASlowerCallThanRoundRobinShares() {
        SplittableRandom random = new SplittableRandom(3);
        int better = 0;
        for (int trial = 0; trial < 3_000; trial++) {
            int n = random.nextInt(1, 65);
            int lanes = random.nextInt(2, 5);
            int[] lengths = random.nextBoolean() ? sortedLengths(random, n, 3, 41) : sortedLengths(random, n, 2, 129);
            long overhead = random.nextInt(0, 65);
            RunPlanner planner = new RunPlanner(64, lanes, overhead, Long.MAX_VALUE / 4);
            planner.plan(lengths, n);
            long roundRobin = roundRobinMakespan(lengths, n, lanes, overhead);
            assertTrue(planner.predictedMakespan() <= roundRobin, "lengths " + Arrays.toString(lengths) + " on "
                    + lanes + " lanes: planned " + planner.predictedMakespan() + ", round robin " + roundRobin);
            better += planner.predictedMakespan() < roundRobin ? 1 : 0;
        }
        assertTrue(better > 1_500, "the planner should beat round robin on most batches (" + better + " of 3000)");
    }

    @Test
    void benchmarkBatchesBalanceBetterThanRoundRobinShares() {
        // The figures quoted in RunPlanner's Javadoc and docs/text-encoder.md (default overhead 16, 2 lanes).
        long[][] expected = {{332, 358}, {325, 355}};
        int[][] batches = {BENCHMARK_FIRST, BENCHMARK_SECOND};
        for (int b = 0; b < 2; b++) {
            RunPlanner planner = new RunPlanner(32, 2, 16, 16 * 128);
            planner.plan(batches[b], 32);
            assertEquals(expected[b][0], planner.predictedMakespan(), "planned, batch " + b);
            assertEquals(expected[b][1], roundRobinMakespan(batches[b], 32, 2, 16), "round robin, batch " + b);
        }
    }

    @Test
    void dealingRoundRobinWinsWhereItPredictsLess() {
        int[] lengths = {31, 32, 38, 52, 57, 58};
        RunPlanner planner = new RunPlanner(6, 2, 16, 3 * 128);
        int runs = planner.plan(lengths, 6);
        // Shares {31, 38, 57} and {32, 52, 58}, split into {31, 38} {57} and {32} {52, 58}: 92, 73, 48 and 132.
        assertEquals(180, planner.predictedMakespan());
        assertEquals(4, runs);
        long[] costs = new long[runs];
        for (int r = 0; r < runs; r++) {
            assertEquals(2, planner.stride(r), "run " + r + " takes every other text");
            costs[r] = planner.cost(r);
        }
        assertEquals("[132, 92, 73, 48]", Arrays.toString(costs));
    }

    @Test
    void equalLengthsAreSplitEvenlyAcrossLanes() {
        int[] lengths = new int[32];
        Arrays.fill(lengths, 20);
        RunPlanner planner = new RunPlanner(32, 2, 16, 32 * 128);
        assertEquals(2, planner.plan(lengths, 32));
        assertEquals(16, planner.count(0));
        assertEquals(16, planner.count(1));
        assertEquals(16 + 16 * 20, planner.predictedMakespan());
    }

    @Test
    void aSingleTextIsOneRun() {
        RunPlanner planner = new RunPlanner(8, 3, 16, 128);
        assertEquals(1, planner.plan(new int[] {7}, 1));
        assertEquals(0, planner.start(0));
        assertEquals(1, planner.count(0));
        assertEquals(16 + 7, planner.cost(0));
    }

    private static int[] sortedLengths(SplittableRandom random, int n, int min, int maxExclusive) {
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = random.nextInt(min, maxExclusive);
        }
        Arrays.sort(lengths);
        return lengths;
    }

    /** Every split of 0..n-1 into consecutive runs within capacity; the least total cost. */
    private static long cheapestByExhaustiveSearch(int[] lengths, int n, long overhead, long capacity) {
        long min = Long.MAX_VALUE;
        for (int mask = 0; mask < 1 << (n - 1); mask++) {
            long total = 0;
            int start = 0;
            boolean fits = true;
            for (int i = 1; i <= n; i++) {
                if (i == n || (mask & 1 << (i - 1)) != 0) {
                    long tokens = (long) (i - start) * lengths[i - 1];
                    fits &= tokens <= capacity;
                    total += overhead + tokens;
                    start = i;
                }
            }
            if (fits) {
                min = Math.min(min, total);
            }
        }
        return min;
    }

    /** The scheme before the planner: share s gets sorted texts s, s + lanes, ...; each share split at least cost. */
    private static long roundRobinMakespan(int[] lengths, int n, int lanes, long overhead) {
        long worst = 0;
        for (int s = 0; s < lanes && s < n; s++) {
            int m = (n - s + lanes - 1) / lanes;
            long[] best = new long[m + 1];
            for (int i = 1; i <= m; i++) {
                best[i] = Long.MAX_VALUE;
                for (int j = 0; j < i; j++) {
                    best[i] = Math.min(best[i], best[j] + overhead + (long) (i - j) * lengths[s + (i - 1) * lanes]);
                }
            }
            worst = Math.max(worst, best[m]);
        }
        return worst;
    }
}
