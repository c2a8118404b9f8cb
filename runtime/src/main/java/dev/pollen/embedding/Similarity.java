package dev.pollen.embedding;

/** How {@link MappedEmbeddingTable#topK} scores a row against a query. */
public enum Similarity {
    /** The dot product: for normalized vectors the same order as cosine, without the division. */
    DOT,
    /**
     * The cosine of the angle: dot / (|query| × |row|), with each row's norm read from the table (stored at build
     * time). A zero row or zero query scores 0.
     */
    COSINE
}
