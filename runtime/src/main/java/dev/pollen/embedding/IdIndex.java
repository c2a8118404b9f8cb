package dev.pollen.embedding;

/**
 * Maps a table's ids to row indexes. Implementations are immutable once open, thread-safe, and allocate nothing
 * per lookup. The default is {@link MappedIdIndex}, persisted beside the table; {@code ChronicleIdIndex} is the
 * measured alternative (see {@code benchmarks/README.md}).
 */
public interface IdIndex extends AutoCloseable {
    /** @return whether the ids are longs or strings */
    IdKind idKind();

    /** @return how many ids the index holds */
    long size();

    /**
     * @param id a long id
     * @return its row, or {@code -1} when the table has no such id (or its ids are strings)
     */
    long row(long id);

    /**
     * @param id a string id
     * @return its row, or {@code -1} when the table has no such id (or its ids are longs)
     */
    long row(CharSequence id);

    /** Releases the index; idempotent. */
    @Override
    void close();
}
