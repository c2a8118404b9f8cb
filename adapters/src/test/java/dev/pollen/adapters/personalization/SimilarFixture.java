package dev.pollen.adapters.personalization;

import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A content table of seeded random vectors with genres and a tone per title in {@code titles.jsonl}, published as
 * {@code studio/content-embeddings@prod}, and the reference "more like this" computed here.
 */
final class SimilarFixture {
    static final int DIM = 8;
    static final List<String> GENRES = List.of("comedy", "drama", "horror", "documentary");
    static final List<String> TONES = List.of("dark", "uplifting", "tense");

    /** A title: its vector, genres and tone ({@code null}: not in titles.jsonl). */
    record Title(String id, float[] vector, List<String> genres, String tone) {
    }

    private SimilarFixture() {
    }

    /** @return {@code n} titles; every 7th has the genre "rare", the last has no line in titles.jsonl */
    static List<Title> titles(int n, long seed) {
        Random r = new Random(seed);
        List<Title> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = (float) r.nextGaussian();
            }
            List<String> g = new ArrayList<>(List.of(GENRES.get(i % GENRES.size())));
            if (i % 3 == 0) {
                g.add(GENRES.get((i + 1) % GENRES.size()));
            }
            if (i % 7 == 3) {
                g.add("rare");
            }
            out.add(new Title("t" + i, v, i == n - 1 ? null : g, i == n - 1 ? null : TONES.get(i % TONES.size())));
        }
        return out;
    }

    static Manifest publish(Catalog catalog, Path dir, List<Title> titles) {
        try {
            Path content = dir.resolve("similar-content");
            Files.createDirectories(content);
            StringBuilder lines = new StringBuilder();
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(content.resolve("t.bin"),
                    content.resolve("t.idx"), DIM, TableDType.FLOAT32, IdKind.STRING, "tests")) {
                for (Title t : titles) {
                    w.append(t.id(), t.vector());
                    if (t.genres() == null) {
                        continue;
                    }
                    lines.append("{\"id\":\"").append(t.id()).append("\",\"genres\":[");
                    for (int g = 0; g < t.genres().size(); g++) {
                        lines.append(g == 0 ? "" : ",").append('"').append(t.genres().get(g)).append('"');
                    }
                    lines.append("],\"tone\":\"").append(t.tone()).append("\"}\n");
                }
                w.finish();
            }
            Path titlesFile = content.resolve("titles.jsonl");
            Files.writeString(titlesFile, lines);
            Manifest c = catalog.publish(TableArtifacts.request("studio", "content-embeddings",
                    content.resolve("t.bin"), content.resolve("t.idx")).owner("tests")
                    .attachment("titles.jsonl", titlesFile).build());
            catalog.setAlias(c.id(), "prod");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** @return the ids of the best {@code k} titles other than {@code of} that pass {@code keep}, best first */
    static List<String> expected(List<Title> titles, String of, int k, Predicate<Title> keep) {
        Title q = titles.stream().filter(t -> t.id().equals(of)).findFirst().orElseThrow();
        return titles.stream().filter(t -> !t.id().equals(of)).filter(keep)
                .sorted(Comparator.comparingDouble((Title t) -> -cosine(q.vector(), t.vector())))
                .limit(k).map(Title::id).toList();
    }

    static Predicate<Title> genres(Set<String> any) {
        return t -> t.genres() != null && t.genres().stream().anyMatch(any::contains);
    }

    static Predicate<Title> tones(Set<String> any) {
        return t -> t.tone() != null && any.contains(t.tone());
    }
}
