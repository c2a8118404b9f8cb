package dev.pollen.models.ads;

/**
 * One ad impression of the synthetic log ({@link ImpressionLog}): which creative ran on which title, in what break,
 * to which member, and whether it was clicked.
 *
 * @param title the title's row in the studio catalog (and in {@code studio/content-embeddings})
 * @param creative the creative's row in the inventory (and in {@code ads/creative-embeddings})
 * @param positionSeconds where the break is, seconds into the title; 0 for a pre-roll
 * @param slots slots in the break, 1 to 6
 * @param timestampMillis when it ran, UTC epoch milliseconds
 * @param memberKnown whether the viewer was a known member
 * @param impressionsHour ads the member saw in the hour before (0 when unknown)
 * @param impressionsDay ads the member saw in the day before, the last hour's included (0 when unknown)
 * @param similarity cosine similarity of the title's and the creative's embeddings
 * @param probability the click probability the log drew the label from
 * @param click whether it was clicked
 */
public record Impression(int title, int creative, int positionSeconds, int slots, long timestampMillis,
        boolean memberKnown, int impressionsHour, int impressionsDay, float similarity, double probability,
        boolean click) {
}
