package dev.pollen.adapters.payments;

/**
 * Eligible processors ranked by predicted authorization probability, best first. A mutable holder that
 * {@link PaymentRouter} fills in place. Not thread-safe.
 */
public final class ProcessorRanking {
    private String[] names = new String[0];
    private float[] probabilities = new float[0];
    private int size;

    /** @return how many processors are ranked */
    public int size() {
        return size;
    }

    /** @param rank from 0 (best) @return the processor's name */
    public String processor(int rank) {
        return names[rank];
    }

    /** @param rank from 0 (best) @return its predicted authorization probability */
    public float probability(int rank) {
        return probabilities[rank];
    }

    void reset(int capacity) {
        if (names.length < capacity) {
            names = new String[capacity];
            probabilities = new float[capacity];
        }
        size = 0;
    }

    /** Inserts keeping descending order. */
    void add(String name, float p) {
        int at = size++;
        while (at > 0 && probabilities[at - 1] < p) {
            names[at] = names[at - 1];
            probabilities[at] = probabilities[at - 1];
            at--;
        }
        names[at] = name;
        probabilities[at] = p;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(probabilities[i]);
        }
        return sb.append(']').toString();
    }
}
