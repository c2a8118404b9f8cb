package dev.pollen.adapters.personalization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.ann.AnnIndex;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.ann.AnnLease;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.internal.Echo;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveStatus;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * "More like this": the titles of studio's content table closest by cosine to one of its titles, the title itself
 * left out, optionally only those of some genres and tones ({@code titles.jsonl} of the table, verified against its
 * manifest).
 *
 * <h2>Filters</h2>
 * {@code genres} keeps a title having at least one of them; {@code tones} a title whose tone is one of them; both
 * keep a title passing each. An empty list filters nothing. A name {@code titles.jsonl} never uses is refused, so a
 * typo is never an empty answer. A title {@code titles.jsonl} does not describe passes no filter.
 *
 * <h2>Exactness</h2>
 * Unfiltered, when the content table's version carries an ANN index ({@code ann.graph}, module {@code pollen-ann}),
 * an index by cosine answers ({@link AnnIndex#searchLike}: approximate, {@link #approximate()}); otherwise, and
 * always when filtered, the answer is exactly the best {@code k} titles passing the filters (ties in any order).
 * Unfiltered without an index, one exact {@link MappedEmbeddingTable#topK} with the title's own row as the query.
 * Filtered, the search keeps more rows than asked (the share of titles passing, counted first, tells how many to expect), keeps the passing ones in order, and
 * searches again keeping more whenever fewer than {@code k} passed and rows were left out: every row left out scores
 * no more than the worst kept, so the passing rows kept are the best passing rows.
 *
 * <h2>Live versions</h2>
 * The search follows its content ref through a live handle ({@code personalization.similar}): when the alias moves,
 * the new version's titles, masks and index are read off the call path and then answer new calls; a version that
 * fails is never used. {@link #content()} and every {@link SimilarResult} name the version that answered.
 *
 * <h2>Cost and threading</h2>
 * Thread-safe. An index search visits a few hundred rows. One exact search scans every row once (a scan more per
 * growth of a filtered search, each keeping at least twice as many rows); counting the passing titles is one mask
 * test per row. With a {@link SimilarResult} already grown to the search's size, a call allocates nothing.
 */
public final class SimilarTitles implements AutoCloseable {
    /** The most titles one call returns. */
    public static final int MAX_K = 1_000;
    /** The most names in one filter. */
    public static final int MAX_FILTER_NAMES = 64;
    /** The longest title id. */
    public static final int MAX_TITLE_ID = 128;

    private final Live<Engine> live;

    private SimilarTitles(PollenRuntime runtime, String content,
            java.util.function.Consumer<LiveSpec.Builder> configure) {
        LiveSpec.Builder spec = LiveSpec.builder("personalization.similar").table(content);
        configure.accept(spec);
        this.live = runtime.live(spec.build(), v -> new Engine(runtime, v.table(0)));
    }

    /**
     * Opens the content table (and its ANN index when the version carries one) and reads its verified
     * {@code titles.jsonl}; then follows the ref as the catalog moves it (an exact version pins it).
     *
     * @param runtime the process's runtime
     * @param content the content table ref, such as {@link TitleRanker#CONTENT}
     * @return the search
     * @throws PollenException when the table cannot be opened or its {@code titles.jsonl} is missing, altered or
     *     names a title the table does not hold
     */
    public static SimilarTitles open(PollenRuntime runtime, String content) {
        return open(runtime, content, spec -> { });
    }

    /**
     * @param runtime the process's runtime
     * @param content the content table ref
     * @param configure sets the live handle's policy and failure handler on the spec named
     *     {@code personalization.similar}
     * @return the search
     */
    public static SimilarTitles open(PollenRuntime runtime, String content,
            java.util.function.Consumer<LiveSpec.Builder> configure) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(configure, "configure");
        return new SimilarTitles(runtime, content, configure);
    }

    /** @return whether unfiltered searches use the content version's ANN index now (else the exact scan) */
    public boolean approximate() {
        try (Live.Snapshot<Engine> s = live.enter()) {
            return s.state().approximate();
        }
    }

    /** @return the content-embeddings version searched now */
    public ArtifactId content() {
        try (Live.Snapshot<Engine> s = live.enter()) {
            return s.state().content();
        }
    }

    /** @return the genres {@code titles.jsonl} names, which {@code genres} filters may use */
    public java.util.Set<String> genres() {
        try (Live.Snapshot<Engine> s = live.enter()) {
            return s.state().genres();
        }
    }

    /** @return the tones {@code titles.jsonl} names, which {@code tones} filters may use */
    public java.util.Set<String> tones() {
        try (Live.Snapshot<Engine> s = live.enter()) {
            return s.state().tones();
        }
    }

    /**
     * The {@code k} titles most like {@code titleId}, unfiltered.
     *
     * @see #similar(String, int, List, List, SimilarResult)
     */
    public SimilarResult similar(String titleId, int k, SimilarResult out) {
        return similar(titleId, k, List.of(), List.of(), out);
    }

    /**
     * The {@code k} titles most like {@code titleId} by cosine over the content table, best first, the title itself
     * left out, only those passing the filters; fewer when fewer pass. One content version answers the whole call.
     *
     * @param titleId a title of the content table
     * @param k how many, from 1 to {@link #MAX_K}
     * @param genres keep titles with one of these genres; empty: any
     * @param tones keep titles with one of these tones; empty: any
     * @param out the holder to fill
     * @return {@code out}
     * @throws PollenException {@link ErrorCategory#NOT_FOUND} for a title the table does not hold;
     *     {@link ErrorCategory#INVALID_ARGUMENT} for a bad {@code k}, id or filter name, each naming the rule and
     *     the value
     */
    public SimilarResult similar(String titleId, int k, List<String> genres, List<String> tones, SimilarResult out) {
        try (Live.Snapshot<Engine> s = live.enter()) {
            return s.state().similar(titleId, k, genres, tones, out);
        }
    }

    /** @return the live handle the search follows: what it serves, its swaps and failures */
    public LiveStatus status() {
        return live.status();
    }

    /** Closes the live handle; each version closes once its calls have left. */
    @Override
    public void close() {
        live.close();
    }

    @Override
    public String toString() {
        return "SimilarTitles" + live.serving();
    }

    /** One content version's search state: the table, its ANN index, the filter masks from its titles. */
    private static final class Engine implements AutoCloseable {
        private final TableLease lease;
        private final AnnLease ann;
        private final MappedEmbeddingTable table;
        private final ArtifactId contentId;
        private final String[] titleId;
        private final long[] genreMask;
        private final long[] toneMask;
        private final Map<String, Integer> genreBit = new HashMap<>();
        private final Map<String, Integer> toneBit = new HashMap<>();

        private Engine(PollenRuntime runtime, TableLease l) {
            AnnLease a = AnnIndexes.hasIndex(l.manifest()) ? AnnIndexes.open(runtime, l.id().toString()) : null;
            if (a != null && a.index().similarity() != Similarity.COSINE) {
                a.close(); // an index by dot product ranks otherwise than "more like this" does
                a = null;
            }
            try {
                this.ann = a;
                this.lease = l;
                this.table = l.table();
                this.contentId = l.id();
                if (table.rows() > Integer.MAX_VALUE / 2) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, contentId + " has too many rows to search"
                            + " (" + table.rows() + ")");
                }
                int rows = (int) table.rows();
                this.titleId = new String[rows];
                this.genreMask = new long[rows];
                this.toneMask = new long[rows];
                Map<String, Integer> rowOf = new HashMap<>();
                for (int i = 0; i < rows; i++) {
                    titleId[i] = table.id(i);
                    rowOf.put(titleId[i], i);
                }
                loadTitles(runtime, rowOf);
            } catch (RuntimeException e) {
                if (a != null) {
                    a.close();
                }
                throw e;
            }
        }

        private void loadTitles(PollenRuntime runtime, Map<String, Integer> rowOf) {
            Path file = runtime.catalog().verifiedAttachment(lease.manifest(), TitleRanker.TITLES_FILE);
            ObjectMapper json = new ObjectMapper();
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode t = json.readTree(line);
                    JsonNode id = t == null ? null : t.get("id");
                    Integer row = id == null || !id.isTextual() ? null : rowOf.get(id.asText());
                    if (row == null) {
                        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, contentId + "'s "
                                + TitleRanker.TITLES_FILE + " line " + n + ": id " + id + " has no row in the table");
                    }
                    JsonNode g = t.get("genres");
                    if (g != null && g.isArray()) {
                        for (JsonNode x : g) {
                            if (x.isTextual()) {
                                genreMask[row] |= 1L << bit(genreBit, x.asText(), "genres", n);
                            }
                        }
                    }
                    JsonNode tone = t.get("tone");
                    if (tone != null && tone.isTextual()) {
                        toneMask[row] |= 1L << bit(toneBit, tone.asText(), "tones", n);
                    }
                }
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + TitleRanker.TITLES_FILE + " of "
                        + contentId
                        + ": " + e.getMessage(), e);
            }
        }

        private int bit(Map<String, Integer> bits, String name, String what, int line) {
            Integer b = bits.get(name);
            if (b == null) {
                if (bits.size() == Long.SIZE) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, contentId + "'s "
                            + TitleRanker.TITLES_FILE
                            + " line " + line + " names more than " + Long.SIZE + " " + what + " (found "
                            + Echo.quote(name) + " after " + bits.keySet() + ")");
                }
                b = bits.size();
                bits.put(name, b);
            }
            return b;
        }

        /** @return whether unfiltered searches use the content version's ANN index (else the exact scan) */
        public boolean approximate() {
            return ann != null;
        }

        /** @return the content-embeddings version searched */
        public ArtifactId content() {
            return contentId;
        }

        /** @return the genres {@code titles.jsonl} names, which {@code genres} filters may use */
        public java.util.Set<String> genres() {
            return java.util.Collections.unmodifiableSet(genreBit.keySet());
        }

        /** @return the tones {@code titles.jsonl} names, which {@code tones} filters may use */
        public java.util.Set<String> tones() {
            return java.util.Collections.unmodifiableSet(toneBit.keySet());
        }

        /**
         * The {@code k} titles most like {@code titleId}, unfiltered.
         *
         * @see #similar(String, int, List, List, SimilarResult)
         */
        public SimilarResult similar(String titleId, int k, SimilarResult out) {
            return similar(titleId, k, List.of(), List.of(), out);
        }

        /**
         * The {@code k} titles most like {@code titleId} by cosine over the content table, best first, the title itself
         * left out, only those passing the filters; fewer when fewer pass.
         *
         * @param titleId a title of the content table
         * @param k how many, from 1 to {@link #MAX_K}
         * @param genres keep titles with one of these genres; empty: any
         * @param tones keep titles with one of these tones; empty: any
         * @param out the holder to fill
         * @return {@code out}
         * @throws PollenException {@link ErrorCategory#NOT_FOUND} for a title the table does not hold;
         *     {@link ErrorCategory#INVALID_ARGUMENT} for a bad {@code k}, id or filter name, each naming the rule and
         *     the value
         */
        SimilarResult similar(String titleId, int k, List<String> genres, List<String> tones,
                SimilarResult out) {
            long start = System.nanoTime();
            Objects.requireNonNull(out, "out");
            if (titleId == null || titleId.isEmpty() || titleId.length() > MAX_TITLE_ID) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "titleId must be 1 to " + MAX_TITLE_ID
                        + " characters (found " + (titleId == null ? "null" : Echo.quote(titleId)) + ")");
            }
            if (k < 1 || k > MAX_K) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "k must be from 1 to " + MAX_K + " (found "
                        + k
                        + ")");
            }
            long genreFilter = mask(genres, genreBit, "genres", "genre");
            long toneFilter = mask(tones, toneBit, "tones", "tone");
            long row = table.row(titleId);
            if (row < 0) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "titleId must be a title of " + contentId
                        + " (found "
                        + Echo.quote(titleId) + ")");
            }
            out.start(contentId);
            int others = this.titleId.length - 1;
            if (others > 0) {
                float[] query = out.query(table.dimension());
                table.copyRow(row, query, 0);
                if (genreFilter == 0 && toneFilter == 0) {
                    int fetch = Math.min(k, others);
                    TopK top = out.top(fetch, others);
                    if (ann != null) {
                        ann.index().searchLike(row, fetch, top);
                    } else {
                        table.topK(query, Similarity.COSINE, top, row);
                    }
                    for (int i = 0; i < top.size() && out.size() < k; i++) {
                        out.add(this.titleId[(int) top.row(i)], top.score(i));
                    }
                } else {
                    filtered(query, row, k, genreFilter, toneFilter, others, out);
                }
            }
            out.finish(System.nanoTime() - start);
            return out;
        }

        private void filtered(float[] query, long row, int k, long genreFilter, long toneFilter, int others,
                SimilarResult out) {
            int passing = 0;
            for (int r = 0; r < titleId.length; r++) {
                if (r != row && passes(r, genreFilter, toneFilter)) {
                    passing++;
                }
            }
            if (passing == 0) {
                return;
            }
            int want = Math.min(k, passing);
            // expect the passing share among the rows kept, and keep twice that
            long expected = 2L * want * others / passing;
            int fetch = (int) Math.max(want, Math.min(others, expected));
            while (true) {
                TopK top = out.top(fetch, others);
                table.topK(query, Similarity.COSINE, top, row);
                out.start(contentId);
                for (int i = 0; i < top.size() && out.size() < want; i++) {
                    int r = (int) top.row(i);
                    if (passes(r, genreFilter, toneFilter)) {
                        out.add(titleId[r], top.score(i));
                    }
                }
                if (out.size() == want || top.size() < top.k() || top.size() >= others) {
                    return; // enough, or every row was kept
                }
                fetch = (int) Math.min(others, 2L * top.k());
            }
        }

        private boolean passes(int r, long genreFilter, long toneFilter) {
            return (genreFilter == 0 || (genreMask[r] & genreFilter) != 0)
                    && (toneFilter == 0 || (toneMask[r] & toneFilter) != 0);
        }

        private long mask(List<String> names, Map<String, Integer> bits, String field, String what) {
            if (names == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, field + " must be a list, possibly empty"
                        + " (found null)");
            }
            if (names.size() > MAX_FILTER_NAMES) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, field + " must hold at most "
                        + MAX_FILTER_NAMES + " names (found " + names.size() + ")");
            }
            long mask = 0;
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                Integer b = name == null ? null : bits.get(name);
                if (b == null) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, field + "[" + i + "] must be a " + what
                            + " of " + contentId + "'s " + TitleRanker.TITLES_FILE + " (found "
                            + (name == null ? "null" : Echo.quote(name)) + "; " + field + ": "
                            + new java.util.TreeSet<>(bits.keySet()) + ")");
                }
                mask |= 1L << b;
            }
            return mask;
        }

        /** Closes the index; the table lease is the live handle's. */
        @Override
        public void close() {
            if (ann != null) {
                ann.close();
            }
        }
    }
}
