package dev.pollen.text;

import java.util.Arrays;

/**
 * Splits one batch call's texts, sorted by token count, into model runs and orders them for the encoder's lanes.
 *
 * <p><b>Cost model.</b> The encoder is compute bound and every row of a run is padded to the run's longest text, so
 * a run of {@code c} texts whose longest has {@code L} tokens costs {@code overhead + c × L} token units, where
 * {@code overhead} ({@link TextEncoder.Builder#runOverheadTokens(int)}, default 16) is the fixed cost of a run in
 * padded tokens. For all-MiniLM-L6-v2 on one thread of the dev host a run took about 1.7 ms plus 0.135 ms per token
 * from 1 × 4 to 16 × 40 tokens: an overhead of about 12.6 tokens. A run must also fit one lane's buffers: at most
 * {@code capacity} tokens, padding included.
 *
 * <p><b>The call takes as long as its busiest lane.</b> Lanes take runs from the plan, largest first, each when it is
 * free, so the predicted time of a plan is the makespan of its runs dealt largest first to the least loaded lane. Two
 * candidate plans are built and the one predicted faster is kept:
 * <ol>
 *   <li><b>Split, then balance.</b> The cheapest split of the sorted texts into runs of consecutive lengths (a dynamic
 *       programme over the cut points, {@code O(n²)}), which is optimal on one lane. With several lanes a few large
 *       runs may not balance (32 texts of one length make one run while the other lanes idle), so while splitting one
 *       of the {@value #SPLIT_CANDIDATES} largest runs lowers the makespan, the best such split is made, at most
 *       {@code min(4 × lanes, }{@value #MAX_SPLITS}{@code )} times: in two at the point that best balances the
 *       halves, or into up to {@code lanes} parts of equal count (with more than {@value #ALL_PARTS_UP_TO_LANES}
 *       lanes, only into the count that brings each part down to an even share of the total).</li>
 *   <li><b>Deal, then split.</b> The sorted texts dealt round-robin into one share per lane, each share split by the
 *       same dynamic programme (runs of every {@code lanes}-th text), its runs then taken like any others.</li>
 * </ol>
 *
 * <p>A makespan is computed in {@code O(runs × log lanes)} and abandoned as soon as it cannot beat the best so far, so
 * a plan costs microseconds for the default 32 texts and milliseconds for a thousand texts on many lanes, against
 * hundreds of milliseconds of inference.
 *
 * <p>On the benchmark's two batches of 32 catalog texts on 2 lanes (overhead 16), plan 1 predicts 332 and 325 token
 * units per call. The scheme before this planner, fixed round-robin shares each split by the programme, predicts 358
 * and 355: the deal hands one lane the longer text of every pair, and each lane pays for its own small runs. Plan 2
 * (those same runs, taken from the plan like any others) still wins on some batches (a few very long texts among
 * many short ones), hence both. {@code RunPlannerTest} checks the plan against an exhaustive search on one lane, and
 * on 3,000 random batches against the old fixed shares: never slower, by experiment rather than by construction.
 *
 * <p>Arrays are allocated once, for {@code maxTexts}; planning allocates nothing. Not thread-safe: planned on the
 * caller's thread before the lanes start, then only read.
 */
final class RunPlanner {
    /** Refinement passes at most: {@code min(4 × lanes, MAX_SPLITS)}. */
    static final int MAX_SPLITS = 64;
    /** Each pass tries splitting this many of the largest runs. */
    static final int SPLIT_CANDIDATES = 8;
    /** Up to this many lanes every part count from 2 to {@code lanes} is tried; above, 2 and the ideal count only. */
    static final int ALL_PARTS_UP_TO_LANES = 8;

    private final int lanes;
    private final long overhead;
    private final long capacity;
    private final int maxSplits;
    /** The plan lanes read; {@link #dealt} is the other candidate's scratch. */
    private Plan plan;
    private Plan dealt;
    /** Dynamic programme: cheapest cost of the first i texts of a share and where its last run starts. */
    private final long[] best;
    private final int[] from;
    /** Makespan scratch: a candidate's parts, largest first, and the lane loads (a min-heap); part boundaries. */
    private final long[] sorted;
    private final long[] load;
    private final int[] cut;
    private final long[] partCost;

    /**
     * @param maxTexts the most texts one plan covers
     * @param lanes lanes that run the plan at the same time, at least 1
     * @param overhead the fixed cost of a run, in padded tokens, at least 0
     * @param capacity the most tokens (texts × longest) one run may hold; every single text must fit
     */
    RunPlanner(int maxTexts, int lanes, long overhead, long capacity) {
        this.lanes = lanes;
        this.overhead = overhead;
        this.capacity = capacity;
        this.maxSplits = lanes == 1 ? 0 : Math.min(4 * lanes, MAX_SPLITS);
        this.plan = new Plan(maxTexts);
        this.dealt = new Plan(maxTexts);
        this.best = new long[maxTexts + 1];
        this.from = new int[maxTexts + 1];
        this.sorted = new long[lanes];
        this.load = new long[lanes];
        this.cut = new int[lanes + 1];
        this.partCost = new long[lanes];
    }

    /**
     * Plans runs over {@code n} texts whose token counts, sorted ascending, are {@code lengths[0 .. n)}.
     *
     * @param lengths token counts, non-decreasing, each at most {@code capacity}
     * @param n how many texts, at least 1
     * @return the number of runs; run {@code r} holds the sorted texts {@code start(r) + k × stride(r)} for
     *     {@code k < count(r)}, and runs come largest first
     */
    int plan(int[] lengths, int n) {
        plan.runs = 0;
        split(lengths, 0, 1, n, plan);
        plan.sortByCostDescending();
        long span = makespan(plan, -1, 0, Long.MAX_VALUE);
        for (int s = 0; s < maxSplits; s++) {
            long bestSpan = span;
            int bestRun = -1;
            int bestParts = 0;
            long total = total(plan);
            for (int r = 0; r < Math.min(plan.runs, SPLIT_CANDIDATES); r++) {
                int count = plan.count[r];
                int most = Math.min(lanes, count);
                int ideal = (int) Math.min(most, Math.max(2, ceilDiv(plan.cost[r] * lanes, Math.max(1, total))));
                for (int parts = 2; parts <= most; parts++) {
                    if (lanes > ALL_PARTS_UP_TO_LANES && parts != 2 && parts != ideal) {
                        continue;
                    }
                    cutRun(lengths, plan.start[r], count, parts);
                    long candidate = makespan(plan, r, parts, bestSpan);
                    if (candidate < bestSpan) {
                        bestSpan = candidate;
                        bestRun = r;
                        bestParts = parts;
                    }
                }
            }
            if (bestRun < 0) {
                break;
            }
            cutRun(lengths, plan.start[bestRun], plan.count[bestRun], bestParts);
            plan.replace(bestRun, cut, partCost, bestParts);
            span = bestSpan;
        }
        if (lanes > 1) {
            dealt.runs = 0;
            for (int share = 0; share < Math.min(lanes, n); share++) {
                split(lengths, share, lanes, (n - share + lanes - 1) / lanes, dealt);
            }
            dealt.sortByCostDescending();
            if (makespan(dealt, -1, 0, span) < span) {
                Plan p = plan;
                plan = dealt;
                dealt = p;
            }
        }
        return plan.runs;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static long total(Plan p) {
        long t = 0;
        for (int r = 0; r < p.runs; r++) {
            t += p.cost[r];
        }
        return t;
    }

    /** @return the first sorted text of run {@code r} */
    int start(int r) {
        return plan.start[r];
    }

    /** @return how many texts run {@code r} holds */
    int count(int r) {
        return plan.count[r];
    }

    /** @return the distance, in sorted order, between consecutive texts of run {@code r} */
    int stride(int r) {
        return plan.stride[r];
    }

    /** @return the predicted cost of run {@code r} in token units */
    long cost(int r) {
        return plan.cost[r];
    }

    /** @return the predicted time of the last plan, in token units: its busiest lane's total */
    long predictedMakespan() {
        return makespan(plan, -1, 0, Long.MAX_VALUE);
    }

    /** @return the cost of {@code count} texts whose longest has {@code longest} tokens */
    private long runCost(int count, int longest) {
        return overhead + (long) count * Math.max(1, longest);
    }

    /**
     * The dynamic programme over one share: texts {@code first + k × stride} for {@code k < m}, split into runs of
     * consecutive share members at the least total cost, each within capacity; appends the runs to {@code into}.
     */
    private void split(int[] lengths, int first, int stride, int m, Plan into) {
        best[0] = 0;
        for (int i = 1; i <= m; i++) {
            long longest = Math.max(1, lengths[first + (i - 1) * stride]);
            long min = Long.MAX_VALUE;
            int at = i - 1;
            for (int j = i - 1; j >= 0 && (i - j) * longest <= capacity; j--) {
                long c = best[j] + overhead + (i - j) * longest;
                if (c <= min) {
                    min = c;
                    at = j;
                }
            }
            best[i] = min;
            from[i] = at;
        }
        for (int i = m; i > 0; i = from[i]) {
            int j = from[i];
            into.set(into.runs++, first + j * stride, i - j, stride,
                    runCost(i - j, lengths[first + (i - 1) * stride]));
        }
    }

    /**
     * Cuts the contiguous run of {@code count} texts from {@code start} into {@code parts} runs: two at the point that
     * minimizes the larger half's cost, more at equal counts. Fills {@link #cut} (boundaries) and {@link #partCost}.
     */
    private void cutRun(int[] lengths, int start, int count, int parts) {
        int end = start + count;
        cut[0] = start;
        cut[parts] = end;
        if (parts == 2) {
            long bestWorse = Long.MAX_VALUE;
            for (int m = start + 1; m < end; m++) {
                long worse = Math.max(runCost(m - start, lengths[m - 1]), runCost(end - m, lengths[end - 1]));
                if (worse < bestWorse) {
                    bestWorse = worse;
                    cut[1] = m;
                }
            }
        } else {
            for (int p = 1; p < parts; p++) {
                cut[p] = start + (int) ((long) count * p / parts);
            }
        }
        for (int p = 0; p < parts; p++) {
            partCost[p] = runCost(cut[p + 1] - cut[p], lengths[cut[p + 1] - 1]);
        }
    }

    /**
     * The makespan of a plan's runs (kept largest first) dealt largest first to the least loaded lane, with run
     * {@code replaced} (when not -1) replaced by the {@code parts} runs of {@link #partCost}. Stops early, returning
     * {@code bound}, once a lane reaches {@code bound}: that candidate cannot win. {@code O(runs × log lanes)}.
     */
    private long makespan(Plan p, int replaced, int parts, long bound) {
        // The parts, largest first, merged on the fly with the plan's runs (already largest first).
        int k = 0;
        for (int q = 0; replaced >= 0 && q < parts; q++) {
            long c = partCost[q];
            int j = k - 1;
            while (j >= 0 && sorted[j] < c) {
                sorted[j + 1] = sorted[j];
                j--;
            }
            sorted[j + 1] = c;
            k++;
        }
        Arrays.fill(load, 0);
        long max = 0;
        int r = 0;
        int q = 0;
        while (r < p.runs || q < k) {
            if (r == replaced) {
                r++;
                continue;
            }
            long c = q < k && (r >= p.runs || sorted[q] >= p.cost[r]) ? sorted[q++] : p.cost[r++];
            // load[] is a binary min-heap: the least loaded lane is at 0.
            long l = load[0] + c;
            siftDown(l);
            max = Math.max(max, l);
            if (max >= bound) {
                return bound;
            }
        }
        return max;
    }

    /** Replaces the heap's least load with {@code value} and restores the heap. */
    private void siftDown(long value) {
        int i = 0;
        for (;;) {
            int child = 2 * i + 1;
            if (child >= lanes) {
                break;
            }
            if (child + 1 < lanes && load[child + 1] < load[child]) {
                child++;
            }
            if (load[child] >= value) {
                break;
            }
            load[i] = load[child];
            i = child;
        }
        load[i] = value;
    }

    /** One candidate plan: run r holds sorted texts {@code start[r] + k × stride[r]}, {@code k < count[r]}. */
    private static final class Plan {
        final int[] start;
        final int[] count;
        final int[] stride;
        final long[] cost;
        int runs;

        Plan(int maxTexts) {
            start = new int[maxTexts];
            count = new int[maxTexts];
            stride = new int[maxTexts];
            cost = new long[maxTexts];
        }

        void set(int r, int s, int c, int st, long co) {
            start[r] = s;
            count[r] = c;
            stride[r] = st;
            cost[r] = co;
        }

        /**
         * Replaces run {@code r} by contiguous parts {@code [cut[i], cut[i + 1])} costing {@code partCost[i]}, keeping
         * the runs largest first.
         */
        void replace(int r, int[] cut, long[] partCost, int parts) {
            System.arraycopy(start, r + 1, start, r, runs - r - 1);
            System.arraycopy(count, r + 1, count, r, runs - r - 1);
            System.arraycopy(stride, r + 1, stride, r, runs - r - 1);
            System.arraycopy(cost, r + 1, cost, r, runs - r - 1);
            runs--;
            for (int p = 0; p < parts; p++) {
                int at = runs;
                while (at > 0 && cost[at - 1] < partCost[p]) {
                    set(at, start[at - 1], count[at - 1], stride[at - 1], cost[at - 1]);
                    at--;
                }
                set(at, cut[p], cut[p + 1] - cut[p], 1, partCost[p]);
                runs++;
            }
        }

        /** Largest first (stable): the order lanes take runs in. */
        void sortByCostDescending() {
            for (int i = 1; i < runs; i++) {
                int s = start[i];
                int c = count[i];
                int st = stride[i];
                long co = cost[i];
                int j = i - 1;
                while (j >= 0 && cost[j] < co) {
                    set(j + 1, start[j], count[j], stride[j], cost[j]);
                    j--;
                }
                set(j + 1, s, c, st, co);
            }
        }
    }
}
