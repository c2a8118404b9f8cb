package dev.pollen.benchmarks.report;

import java.util.List;

/**
 * What one comparison measured: Pollen's time over the peer's in each measured iteration, their geometric mean
 * with a 95 % interval (Student's t on the logarithms, so the interval is a ratio too), each side's time per call,
 * and bytes allocated per paired call. The iterations come from one fork, one after another, so the interval shows
 * the noise within that fork; it says nothing of the spread between forks or machines.
 *
 * @param comparison what ran
 * @param ratios Pollen's time over the peer's, per measured iteration
 * @param pollenNanos Pollen's mean time per call, nanoseconds
 * @param peerNanos the peer's mean time per call, nanoseconds
 * @param bytesPerPair bytes allocated per paired call (both sides), from JMH's GC profiler; {@code NaN} if absent
 * @param error why it did not run, or {@code null}
 */
public record Outcome(Comparison comparison, List<Double> ratios, double pollenNanos, double peerNanos,
        double bytesPerPair, String error) {

    /** Student's t at 97.5 % for 1 to 30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    /** @return the geometric mean of {@link #ratios()} */
    public double ratio() {
        return Math.exp(meanLog());
    }

    /** @return the low end of the 95 % interval of {@link #ratio()} (the high end of the speed-up) */
    public double ratioLow() {
        return Math.exp(meanLog() - halfWidth());
    }

    /** @return the high end of the 95 % interval of {@link #ratio()} */
    public double ratioHigh() {
        return Math.exp(meanLog() + halfWidth());
    }

    /** @return whether the goal is met by the estimate; {@code null} when there is no goal or no result */
    public Boolean met() {
        if (error != null || comparison.goal() == null) {
            return null;
        }
        return comparison.goal().met(ratio());
    }

    private double meanLog() {
        return ratios.stream().mapToDouble(Math::log).average().orElse(Double.NaN);
    }

    private double halfWidth() {
        int n = ratios.size();
        if (n < 2) {
            return Double.NaN;
        }
        double m = meanLog();
        double ss = ratios.stream().mapToDouble(r -> (Math.log(r) - m) * (Math.log(r) - m)).sum();
        double se = Math.sqrt(ss / (n - 1) / n);
        return (n - 1 <= T975.length ? T975[n - 2] : 1.96) * se;
    }
}
