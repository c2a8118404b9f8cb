package dev.pollen.cli;

import ai.onnx.proto.OnnxMl;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.adapters.personalization.TitlePopularity;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A tiny personalization catalog for the {@code pollen rank} and {@code pollen similar} tests, built by hand so that
 * every answer can be worked out here: {@code studio/content-embeddings@1} (five titles, their {@code titles.jsonl}
 * with genres, tone and year), {@code personalization/member-embeddings@1} (alice, along e0) and a
 * {@code personalization/ranker@1} of the real signature scoring
 * {@code sigmoid(4 member·title + popularity − 0.5 age)}, with its {@code popularity.jsonl}; all aliased
 * {@code prod}, the adapter's defaults.
 */
final class PersonalizationCliCatalog {
    static final int DIM = 4;

    /** A title of the fixture. */
    record Title(String id, float[] vector, List<String> genres, String tone, int year, long plays) {
    }

    static final List<Title> TITLES = List.of(
            new Title("t1", new float[] {1, 0, 0, 0}, List.of("comedy"), "uplifting", 2024, 100),
            new Title("t2", new float[] {0.8f, 0.6f, 0, 0}, List.of("drama"), "dark", 2010, 900),
            new Title("t3", new float[] {0.5f, 0, 0.866f, 0}, List.of("comedy", "drama"), "tense", 2020, 50),
            new Title("t4", new float[] {0, 1, 0, 0}, List.of("horror"), "dark", 2000, 1_000),
            new Title("t5", new float[] {-0.3f, 0, 0, 0.954f}, List.of("documentary"), "uplifting", 2026, 10));
    static final float[] ALICE = {1, 0, 0, 0};
    static final long MAX_PLAYS = 1_000;

    private PersonalizationCliCatalog() {
    }

    static void publish(Path catalogDir, Path work) {
        try {
            FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
            Files.createDirectories(work);
            StringBuilder lines = new StringBuilder();
            Path contentBin = work.resolve("content.bin");
            Path contentIdx = work.resolve("content.idx");
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(contentBin, contentIdx, DIM, TableDType.FLOAT32,
                    IdKind.STRING, "perso-cli-tests")) {
                for (Title t : TITLES) {
                    w.append(t.id(), t.vector());
                    var o = StrictJson.JSON.createObjectNode();
                    o.put("id", t.id());
                    t.genres().forEach(o.putArray("genres")::add);
                    o.put("tone", t.tone());
                    o.put("year", t.year());
                    lines.append(o).append('\n');
                }
                w.finish();
            }
            Path titles = work.resolve("titles.jsonl");
            Files.writeString(titles, lines);
            alias(catalog, catalog.publish(TableArtifacts.request("studio", "content-embeddings", contentBin,
                    contentIdx).owner("tests").attachment("titles.jsonl", titles).build()));

            Path membersBin = work.resolve("members.bin");
            Path membersIdx = work.resolve("members.idx");
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(membersBin, membersIdx, DIM, TableDType.FLOAT32,
                    IdKind.STRING, "perso-cli-tests")) {
                w.append("alice", ALICE);
                w.finish();
            }
            alias(catalog, catalog.publish(TableArtifacts.request("personalization", "member-embeddings",
                    membersBin, membersIdx).owner("tests").build()));

            Path popularity = work.resolve(TitlePopularity.FILE);
            Map<String, Long> plays = new LinkedHashMap<>();
            TITLES.forEach(t -> plays.put(t.id(), t.plays()));
            TitlePopularity.write(plays, popularity);
            Path model = Files.write(work.resolve("ranker.onnx"), ranker());
            alias(catalog, catalog.publish(PublishRequest.builder("personalization", "ranker", ArtifactKind.MODEL)
                    .owner("tests").signature(signature()).attachment(TitlePopularity.FILE, popularity)
                    .payload(model).build()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void alias(FileSystemCatalog catalog, Manifest m) {
        catalog.setAlias(m.id(), "prod");
    }

    private static Signature signature() {
        return new Signature(List.of(TensorSpec.of("member", DType.FLOAT32, 1, DIM),
                TensorSpec.of("titles", DType.FLOAT32, "batch", DIM),
                TensorSpec.of("context", DType.FLOAT32, "batch", RankFeatures.COUNT)),
                List.of(TensorSpec.of("play", DType.FLOAT32, "batch", 1)));
    }

    /** {@code play = sigmoid(4 · Σ(member ⊙ titles) + context · w)}, w = 1 for popularity, −0.5 for age. */
    private static byte[] ranker() {
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
                        fb.put(i == RankFeatures.POPULARITY ? 1f : i == RankFeatures.AGE ? -0.5f : 0f);
                    }
                }), ctx.floatTensor("b", List.of(1), fb -> fb.put(0f))));
        dot.apply(ONNXOperators.MUL, ctx.array("k", new float[] {4f})).apply(ONNXOperators.ADD, ctxTerm)
                .apply(ONNXOperators.SIGMOID).assignTo(play);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        int at = 0;
        while (!graph.getInput(at).getName().equals("member")) {
            at++;
        }
        OnnxMl.ValueInfoProto in = graph.getInput(at);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        OnnxMl.ValueInfoProto one = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-cli-tests").setGraph(graph.toBuilder().setInput(at, one)).build()
                .toByteArray();
    }

    /** @return the fixture ranker's probability of play for alice, computed here */
    static double aliceScore(Title t, int requestYear) {
        double dot = 0;
        for (int i = 0; i < DIM; i++) {
            dot += ALICE[i] * t.vector()[i];
        }
        double logit = 4 * dot + RankFeatures.popularity(t.plays(), MAX_PLAYS)
                - 0.5 * RankFeatures.age(requestYear - t.year());
        return 1 / (1 + Math.exp(-logit));
    }

    /** @return the cold-start prior: half the popularity, plus a half for a preferred genre */
    static double prior(Title t, List<String> preferred) {
        return 0.5 * RankFeatures.popularity(t.plays(), MAX_PLAYS)
                + (t.genres().stream().anyMatch(preferred::contains) ? 0.5 : 0);
    }
}
