package dev.pollen.embedding;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowDot} with the Vector API, reading rows through memory segments over the mapping's buffers: two lanes of
 * fused multiply-adds at the JVM's preferred width, then the scalar tail. Loaded only by {@link RowDot.Vector}, on
 * Java 22+ with {@code jdk.incubator.vector} resolved. Allocates nothing per call (the vectors are scalarized once
 * compiled); thread-safe.
 */
final class VectorRowDot implements RowDot {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment[] segments;

    VectorRowDot(ByteBuffer[] chunks) {
        segments = new MemorySegment[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            segments[i] = MemorySegment.ofBuffer(chunks[i]);
        }
    }

    @Override
    public float dot(int chunk, long offset, float[] query) {
        MemorySegment s = segments[chunk];
        int n = query.length;
        int lanes = SPECIES.length();
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - 2 * lanes; i <= bound; i += 2 * lanes) {
            long p = offset + 4L * i;
            a0 = FloatVector.fromMemorySegment(SPECIES, s, p, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(SPECIES, query, i), a0);
            a1 = FloatVector.fromMemorySegment(SPECIES, s, p + 4L * lanes, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(SPECIES, query, i + lanes), a1);
        }
        for (int bound = SPECIES.loopBound(n); i < bound; i += lanes) {
            a0 = FloatVector.fromMemorySegment(SPECIES, s, offset + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(SPECIES, query, i), a0);
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += s.get(FLOAT, offset + 4L * i) * query[i];
        }
        return sum;
    }
}
