package dev.pollen.adapters.personalization;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A small personalization catalog built by hand: content and member tables of {@link #DIM}-dimensional vectors,
 * {@code titles.jsonl} with genres and years, a ranker of the real signature whose probability of play is
 * {@code sigmoid(4 × member·title + popularity − 0.5 × age)} and its {@code popularity.jsonl}, so tests can compute
 * every score.
 */
final class RankingFixture {
    static final int DIM = 8;
    static final float W_DOT = 4f;
    static final float W_POPULARITY = 1f;
    static final float W_AGE = -0.5f;

    /** A title of the fixture. */
    record TitleRow(String id, float[] vector, List<String> genres, int year, long plays) {
    }

    private RankingFixture() {
    }

    static float[] unit(int a, int b, double t) {
        float[] v = new float[DIM];
        v[a] = (float) Math.cos(t);
        v[b] += (float) Math.sin(t);
        return v;
    }

    static void publish(Catalog catalog, Path dir, List<TitleRow> titles, Map<String, float[]> members, boolean nan) {
        try {
            Path content = dir.resolve("content");
            Files.createDirectories(content);
            StringBuilder lines = new StringBuilder();
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(content.resolve("t.bin"),
                    content.resolve("t.idx"), DIM, TableDType.FLOAT32, IdKind.STRING, "tests")) {
                for (TitleRow t : titles) {
                    w.append(t.id(), t.vector());
                    lines.append("{\"id\":\"").append(t.id()).append("\",\"genres\":[");
                    for (int g = 0; g < t.genres().size(); g++) {
                        lines.append(g == 0 ? "" : ",").append('"').append(t.genres().get(g)).append('"');
                    }
                    lines.append("],\"year\":").append(t.year()).append("}\n");
                }
                w.finish();
            }
            Path titlesFile = content.resolve("titles.jsonl");
            Files.writeString(titlesFile, lines);
            Manifest c = catalog.publish(TableArtifacts.request("studio", "content-embeddings",
                    content.resolve("t.bin"), content.resolve("t.idx")).owner("tests")
                    .attachment("titles.jsonl", titlesFile).build());
            catalog.setAlias(c.id(), "prod");

            Path memberDir = dir.resolve("members");
            Files.createDirectories(memberDir);
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(memberDir.resolve("m.bin"),
                    memberDir.resolve("m.idx"), DIM, TableDType.FLOAT32, IdKind.STRING, "tests")) {
                for (Map.Entry<String, float[]> e : members.entrySet()) {
                    w.append(e.getKey(), e.getValue());
                }
                w.finish();
            }
            Manifest m = catalog.publish(TableArtifacts.request("personalization", "member-embeddings",
                    memberDir.resolve("m.bin"), memberDir.resolve("m.idx")).owner("tests").build());
            catalog.setAlias(m.id(), "prod");

            catalog.setAlias(publishRanker(catalog, dir, "ranker.onnx", ranker(nan), titles).id(), "prod");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes a version of the ranker with the titles' {@code popularity.jsonl}, from files under {@code dir}. */
    static Manifest publishRanker(Catalog catalog, Path dir, String file, byte[] onnx, List<TitleRow> titles) {
        Path popularity = dir.resolve(file + "." + TitlePopularity.FILE);
        Map<String, Long> plays = new java.util.LinkedHashMap<>();
        titles.forEach(t -> plays.put(t.id(), t.plays()));
        try {
            TitlePopularity.write(plays, popularity);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return catalog.publish(PublishRequest.builder("personalization", "ranker", ArtifactKind.MODEL)
                .owner("tests").signature(signature())
                .attachment(TitlePopularity.FILE, popularity)
                .payload(TestModels.write(dir, file, onnx)).build());
    }

    static Signature signature() {
        return new Signature(List.of(TensorSpec.of("member", DType.FLOAT32, 1, DIM),
                TensorSpec.of("titles", DType.FLOAT32, "batch", DIM),
                TensorSpec.of("context", DType.FLOAT32, "batch", RankFeatures.COUNT)),
                List.of(TensorSpec.of("play", DType.FLOAT32, "batch", 1)));
    }

    static byte[] ranker(boolean nan) {
        return ranker(nan, W_DOT);
    }

    /** play = sigmoid(wDot · member·title + popularity − 0.5 × age); NaN everywhere if asked. */
    static byte[] ranker(boolean nan, float wDot) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder member = ctx.floatInput("member", DIM);
        ONNXPlaceholder titles = ctx.floatInput("titles", DIM);
        ONNXPlaceholder context = ctx.floatInput("context", RankFeatures.COUNT);
        ONNXPlaceholder play = ctx.floatOutput("play", 1);
        ONNXRef<?> dot = titles.apply(ONNXOperators.MUL, member)
                .apply(ONNXOperators.REDUCE_SUM, ctx.array("axes", new long[] {1}), Map.of("keepdims", 1));
        ONNXRef<?> ctxTerm = context.apply(ONNXOperators.GEMM, List.of(
                ctx.floatTensor("v", List.of(RankFeatures.COUNT, 1), fb -> {
                    for (int i = 0; i < RankFeatures.COUNT; i++) {
                        fb.put(i == RankFeatures.POPULARITY ? W_POPULARITY : i == RankFeatures.AGE ? W_AGE : 0f);
                    }
                }), ctx.floatTensor("b", List.of(1), fb -> fb.put(0f))));
        ONNXRef<?> logit = dot.apply(ONNXOperators.MUL, ctx.array("k", new float[] {wDot}))
                .apply(ONNXOperators.ADD, ctxTerm);
        if (nan) {
            ONNXRef<?> zero = logit.apply(ONNXOperators.SUB, logit);
            logit = zero.apply(ONNXOperators.DIV, zero);
        }
        logit.apply(ONNXOperators.SIGMOID).assignTo(play);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        OnnxMl.ValueInfoProto one = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-tests").setGraph(graph.toBuilder().setInput(0, one)).build().toByteArray();
    }

    /** The fixture model's score, computed here. */
    static double expected(float[] member, TitleRow t, long maxPlays, int requestYear) {
        return expected(member, t, maxPlays, requestYear, W_DOT);
    }

    /** {@link #ranker(boolean, float)}'s score, computed here. */
    static double expected(float[] member, TitleRow t, long maxPlays, int requestYear, float wDot) {
        double dot = 0;
        for (int i = 0; i < DIM; i++) {
            dot += member[i] * t.vector()[i];
        }
        double logit = wDot * dot + W_POPULARITY * RankFeatures.popularity(t.plays(), maxPlays)
                + W_AGE * RankFeatures.age(requestYear - t.year());
        return 1 / (1 + Math.exp(-logit));
    }
}
