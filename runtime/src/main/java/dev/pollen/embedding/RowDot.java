package dev.pollen.embedding;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * The dot product of a float32 row with a query, for {@link MappedEmbeddingTable#topK}'s exact scan when the JVM
 * offers the Vector API: {@code VectorRowDot}, compiled from {@code src/main/java22} by the {@code jdk22} profile (so
 * only into a runtime built on JDK 22 or later), is used when this JVM is Java 22+ and has {@code
 * jdk.incubator.vector} in its boot layer ({@code --add-modules jdk.incubator.vector}); otherwise, silently, the
 * scalar loop. {@value #PROPERTY}{@code =false} keeps the scalar loop anyway; it is read each time a table is
 * opened, so a table keeps the path it opened with.
 *
 * <p>An implementation reads through the mapping's own buffers (no flag needed), allocates nothing per call and is
 * thread-safe.
 */
interface RowDot {
    /** The system property that turns the vector scan off ({@code false}); on by default where available. */
    String PROPERTY = "pollen.table.vectorScan";

    /**
     * @param chunk the piece of the mapping holding the row
     * @param offset the row's byte offset in it
     * @param query the query, one value per element of the row
     * @return the dot product
     */
    float dot(int chunk, long offset, float[] query);

    /**
     * @param chunks the pieces of a float32 table's mapping
     * @return the vector dot product over them, or {@code null} where this JVM offers none
     */
    static RowDot vectorOrNull(ByteBuffer[] chunks) {
        MethodHandle make = Vector.MAKE;
        if (make == null || !vectorAvailable()) {
            return null;
        }
        try {
            return (RowDot) make.invoke(chunks);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether {@link #vectorOrNull} gives a vector dot product on this JVM now */
    static boolean vectorAvailable() {
        return Vector.MAKE != null && Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /** Finds the vector class once: whether this JVM and this build have one. */
    final class Vector {
        static final MethodHandle MAKE = find();

        private Vector() {
        }

        private static MethodHandle find() {
            if (Runtime.version().feature() < 22
                    || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return null;
            }
            try {
                Class<?> c = Class.forName("dev.pollen.embedding.VectorRowDot");
                return MethodHandles.lookup().findConstructor(c, MethodType.methodType(void.class, ByteBuffer[].class))
                        .asType(MethodType.methodType(RowDot.class, ByteBuffer[].class));
            } catch (ReflectiveOperationException | LinkageError e) {
                return null; // built on JDK 17-21, without the vector source set
            }
        }
    }
}
