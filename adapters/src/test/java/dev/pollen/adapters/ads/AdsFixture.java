package dev.pollen.adapters.ads;

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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A small ads catalog built by hand: content and creative tables of {@link #DIM}-dimensional unit vectors with their
 * {@code titles.jsonl} and {@code creatives.jsonl}, and a context-matcher of the real signature whose click
 * probability is {@code sigmoid(4 × cos(title, creative))}, so tests can compute every score.
 */
final class AdsFixture {
    static final int DIM = 8;
    /** 2026-12-05T20:00Z. */
    static final long T = 1_796_500_800_000L;
    static final LocalDate FROM = LocalDate.of(2026, 11, 1);
    static final LocalDate TO = LocalDate.of(2026, 12, 31);

    /** A title of the fixture: its id, vector, genres and maturity ({@code null}: the line has none). */
    record TitleRow(String id, float[] vector, List<String> genres, String maturity) {
    }

    private AdsFixture() {
    }

    /** @return a unit vector along axis {@code a}, tilted by {@code t} towards axis {@code b} */
    static float[] unit(int a, int b, double t) {
        float[] v = new float[DIM];
        v[a] = (float) Math.cos(t);
        v[b] += (float) Math.sin(t);
        return v;
    }

    static Creative ad(String id, String advertiser, String campaign, AdCategory category, double bid) {
        return new Creative(id, advertiser, advertiser + " Inc", campaign, category, "copy of " + id, List.of("uplifting"),
                bid, FROM, TO, 1_000_000);
    }

    static Creative withFlight(Creative c, LocalDate from, LocalDate to) {
        return new Creative(c.adId(), c.advertiser(), c.advertiserName(), c.campaign(), c.category(), c.text(),
                c.tones(), c.bidCpm(), from, to, c.dailyGoal());
    }

    static Creative withGoal(Creative c, long goal) {
        return new Creative(c.adId(), c.advertiser(), c.advertiserName(), c.campaign(), c.category(), c.text(),
                c.tones(), c.bidCpm(), c.flightStart(), c.flightEnd(), goal);
    }

    /** Publishes the content table, the creative table (vectors by ad) and a context-matcher ({@code nan}: NaN). */
    static void publish(Catalog catalog, Path dir, List<TitleRow> titles, List<Creative> ads, List<float[]> adVectors,
            boolean nan) {
        try {
            Path content = dir.resolve("content");
            Files.createDirectories(content);
            Path titlesFile = content.resolve("titles.jsonl");
            StringBuilder lines = new StringBuilder();
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(content.resolve("t.bin"),
                    content.resolve("t.idx"), DIM, TableDType.FLOAT32, IdKind.STRING, "tests")) {
                for (TitleRow t : titles) {
                    w.append(t.id(), t.vector());
                    lines.append("{\"id\":\"").append(t.id()).append("\",\"genres\":[");
                    for (int g = 0; g < t.genres().size(); g++) {
                        lines.append(g == 0 ? "" : ",").append('"').append(t.genres().get(g)).append('"');
                    }
                    lines.append(']');
                    if (t.maturity() != null) {
                        lines.append(",\"maturity\":\"").append(t.maturity()).append('"');
                    }
                    lines.append("}\n");
                }
                w.finish();
            }
            Files.writeString(titlesFile, lines);
            Manifest c = catalog.publish(TableArtifacts.request("studio", "content-embeddings",
                    content.resolve("t.bin"), content.resolve("t.idx")).owner("tests")
                    .attachment("titles.jsonl", titlesFile).build());
            catalog.setAlias(c.id(), "prod");

            catalog.setAlias(publishCreatives(catalog, dir.resolve("creatives"), ads, adVectors).id(), "prod");
            catalog.setAlias(publishModel(catalog, dir, "matcher.onnx", matcher(nan)).id(), "prod");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes a version of the creative table (vectors by ad) with its inventory, from files under {@code dir}. */
    static Manifest publishCreatives(Catalog catalog, Path dir, List<Creative> ads, List<float[]> adVectors) {
        try {
            Files.createDirectories(dir);
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve("a.bin"), dir.resolve("a.idx"), DIM,
                    TableDType.FLOAT32, IdKind.STRING, "tests")) {
                for (int i = 0; i < ads.size(); i++) {
                    w.append(ads.get(i).adId(), adVectors.get(i));
                }
                w.finish();
            }
            Path inventory = dir.resolve(AdInventory.FILE);
            AdInventory.write(ads, inventory);
            return catalog.publish(TableArtifacts.request("ads", "creative-embeddings", dir.resolve("a.bin"),
                    dir.resolve("a.idx")).owner("tests").attachment(AdInventory.FILE, inventory).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes a version of the context-matcher of the fixture's signature, with the fixture's priors. */
    static Manifest publishModel(Catalog catalog, Path dir, String file, byte[] onnx) {
        PublishRequest.Builder model = PublishRequest.builder("ads", "context-matcher", ArtifactKind.MODEL)
                .owner("tests").signature(signature()).payload(TestModels.write(dir, file, onnx));
        for (Map.Entry<String, String> p : Map.of("prior.ctr.automotive", "0.02", "prior.ctr.toys", "0.05")
                .entrySet()) {
            model.property(p.getKey(), p.getValue());
        }
        return catalog.publish(model.build());
    }

    static Signature signature() {
        return new Signature(List.of(TensorSpec.of("title", DType.FLOAT32, 1, DIM),
                TensorSpec.of("creatives", DType.FLOAT32, "batch", DIM),
                TensorSpec.of("context", DType.FLOAT32, "batch", AdFeatures.COUNT)),
                List.of(TensorSpec.of("click", DType.FLOAT32, "batch", 1)));
    }

    /** click = sigmoid(4 · Σ title ⊙ creative) (+ 0 × context, so the input is used); NaN everywhere if asked. */
    static byte[] matcher(boolean nan) {
        return matcher(nan, 4f);
    }

    /** click = sigmoid(k · Σ title ⊙ creative) (+ 0 × context); NaN everywhere if asked. */
    static byte[] matcher(boolean nan, float k) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder title = ctx.floatInput("title", DIM);
        ONNXPlaceholder creatives = ctx.floatInput("creatives", DIM);
        ONNXPlaceholder context = ctx.floatInput("context", AdFeatures.COUNT);
        ONNXPlaceholder click = ctx.floatOutput("click", 1);
        ONNXRef<?> sim = creatives.apply(ONNXOperators.MUL, title)
                .apply(ONNXOperators.REDUCE_SUM, ctx.array("axes", new long[] {1}), Map.of("keepdims", 1));
        ONNXRef<?> ctxTerm = context.apply(ONNXOperators.GEMM, List.of(
                ctx.floatTensor("v", List.of(AdFeatures.COUNT, 1), fb -> {
                    for (int i = 0; i < AdFeatures.COUNT; i++) {
                        fb.put(0f);
                    }
                }), ctx.floatTensor("b", List.of(1), fb -> fb.put(0f))));
        ONNXRef<?> logit = sim.apply(ONNXOperators.MUL, ctx.array("k", new float[] {k}))
                .apply(ONNXOperators.ADD, ctxTerm);
        if (nan) {
            ONNXRef<?> zero = logit.apply(ONNXOperators.SUB, logit);
            logit = zero.apply(ONNXOperators.DIV, zero);
        }
        logit.apply(ONNXOperators.SIGMOID).assignTo(click);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        OnnxMl.ValueInfoProto one = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-tests").setGraph(graph.toBuilder().setInput(0, one)).build().toByteArray();
    }

    static double expectedScore(float[] title, float[] creative) {
        return expectedScore(title, creative, 4);
    }

    /** @return sigmoid(k · title · creative), what {@link #matcher(boolean, float)} gives */
    static double expectedScore(float[] title, float[] creative, double k) {
        double dot = 0;
        for (int i = 0; i < DIM; i++) {
            dot += title[i] * creative[i];
        }
        return 1 / (1 + Math.exp(-k * dot));
    }

    static List<String> ids(List<Creative> ads) {
        List<String> out = new ArrayList<>();
        ads.forEach(a -> out.add(a.adId()));
        return out;
    }
}
