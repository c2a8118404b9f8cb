package dev.pollen.cli;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.adapters.ads.AdCategory;
import dev.pollen.adapters.ads.AdFeatures;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
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
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A tiny ads catalog for the {@code pollen ads} tests, built by hand so that every answer can be worked out here:
 * {@code studio/content-embeddings@1} (two titles with their {@code titles.jsonl}), {@code ads/creative-embeddings@1}
 * (four creatives with their {@code creatives.jsonl}, in flight this whole century so that live times work) and an
 * {@code ads/context-matcher@1} of the real signature whose click probability is {@code sigmoid(4 · title ·
 * creative)}, with prior click rates for two categories; all aliased {@code prod}, the adapter's defaults.
 *
 * <table>
 *   <caption>The ads, scored on t1 (adult comedy, vector e0)</caption>
 *   <tr><th>ad</th><th>category</th><th>title · creative</th><th>click</th><th>prior</th></tr>
 *   <tr><td>a1</td><td>automotive</td><td>cos 0.2</td><td>0.981</td><td>0.02</td></tr>
 *   <tr><td>a2</td><td>travel</td><td>cos 0.6</td><td>0.964</td><td>0.03</td></tr>
 *   <tr><td>a3</td><td>finance</td><td>cos 1.0</td><td>0.897</td><td>0.01 (default)</td></tr>
 *   <tr><td>a4</td><td>alcohol</td><td>0</td><td>0.5</td><td>0.01 (default)</td></tr>
 * </table>
 *
 * Every ad bids 10 CPM (expected value: click × 0.01) and has its own advertiser and campaign, so separation never
 * applies; t2 is a kids' animation, which excludes finance and alcohol, as an unknown title does.
 */
final class AdsCliCatalog {
    static final int DIM = 4;
    static final double BID_CPM = 10;
    static final List<String> ADS = List.of("a1", "a2", "a3", "a4");
    /** Angle of each ad's vector from t1's, radians; a4 is orthogonal. */
    private static final double[] ANGLE = {0.2, 0.6, 1.0, Math.PI / 2};
    private static final AdCategory[] CATEGORY = {AdCategory.AUTOMOTIVE, AdCategory.TRAVEL, AdCategory.FINANCE,
        AdCategory.ALCOHOL};

    private AdsCliCatalog() {
    }

    /** @return the model's click probability for an ad on t1 */
    static double click(String adId) {
        return 1 / (1 + Math.exp(-4 * Math.cos(ANGLE[ADS.indexOf(adId)])));
    }

    /**
     * Publishes the catalog.
     *
     * @param catalogDir the catalog directory to create
     * @param work a directory for the files published
     */
    static void publish(Path catalogDir, Path work) {
        try {
            FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
            Files.createDirectories(work);

            Path titles = work.resolve("titles.jsonl");
            Files.writeString(titles, title("t1", "comedy", "adult") + "\n" + title("t2", "animation", "kids") + "\n");
            Path contentBin = work.resolve("content.bin");
            Path contentIdx = work.resolve("content.idx");
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(contentBin, contentIdx, DIM, TableDType.FLOAT32,
                    IdKind.STRING, "ads-cli-tests")) {
                w.append("t1", axis(0));
                w.append("t2", axis(1));
                w.finish();
            }
            alias(catalog, catalog.publish(TableArtifacts.request("studio", "content-embeddings", contentBin,
                    contentIdx).owner("tests").attachment("titles.jsonl", titles).build()));

            Path inventory = work.resolve(AdInventory.FILE);
            Path adsBin = work.resolve("ads.bin");
            Path adsIdx = work.resolve("ads.idx");
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(adsBin, adsIdx, DIM, TableDType.FLOAT32,
                    IdKind.STRING, "ads-cli-tests")) {
                Creative[] creatives = new Creative[ADS.size()];
                for (int i = 0; i < ADS.size(); i++) {
                    float[] v = new float[DIM];
                    v[0] = (float) Math.cos(ANGLE[i]);
                    v[1 + i % (DIM - 1)] = (float) Math.sin(ANGLE[i]);
                    w.append(ADS.get(i), v);
                    creatives[i] = new Creative(ADS.get(i), "v" + (i + 1), "Advertiser " + (i + 1), "c" + (i + 1),
                            CATEGORY[i], "copy of " + ADS.get(i), List.of("uplifting"), BID_CPM,
                            LocalDate.of(2000, 1, 1), LocalDate.of(2099, 12, 31), 1_000_000);
                }
                w.finish();
                AdInventory.write(List.of(creatives), inventory);
            }
            alias(catalog, catalog.publish(TableArtifacts.request("ads", "creative-embeddings", adsBin, adsIdx)
                    .owner("tests").attachment(AdInventory.FILE, inventory).build()));

            Path model = Files.write(work.resolve("matcher.onnx"), matcher());
            var request = dev.pollen.catalog.PublishRequest.builder("ads", "context-matcher", ArtifactKind.MODEL)
                    .owner("tests").signature(signature()).payload(model);
            Map.of("prior.ctr.automotive", "0.02", "prior.ctr.travel", "0.03").forEach(request::property);
            alias(catalog, catalog.publish(request.build()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void alias(FileSystemCatalog catalog, Manifest m) {
        catalog.setAlias(m.id(), "prod");
    }

    private static String title(String id, String genre, String maturity) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("id", id);
        o.putArray("genres").add(genre);
        o.put("maturity", maturity);
        return o.toString();
    }

    private static float[] axis(int a) {
        float[] v = new float[DIM];
        v[a] = 1;
        return v;
    }

    private static Signature signature() {
        return new Signature(List.of(TensorSpec.of("title", DType.FLOAT32, 1, DIM),
                TensorSpec.of("creatives", DType.FLOAT32, "batch", DIM),
                TensorSpec.of("context", DType.FLOAT32, "batch", AdFeatures.COUNT)),
                List.of(TensorSpec.of("click", DType.FLOAT32, "batch", 1)));
    }

    /**
     * {@code click = sigmoid(4 · Σ(title ⊙ creatives) + Σ(0 · context))}: the context term keeps the input in the
     * graph without changing a score. Tribuo declares every input with a free batch; the title's is fixed to 1 in the
     * graph proto, as the real model's is.
     */
    private static byte[] matcher() {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder title = ctx.floatInput("title", DIM);
        ONNXPlaceholder creatives = ctx.floatInput("creatives", DIM);
        ONNXPlaceholder context = ctx.floatInput("context", AdFeatures.COUNT);
        ONNXPlaceholder click = ctx.floatOutput("click", 1);
        ONNXRef<?> dot = creatives.apply(ONNXOperators.MUL, title)
                .apply(ONNXOperators.REDUCE_SUM, ctx.array("dot_axes", new long[] {1}), Map.of("keepdims", 1));
        ONNXRef<?> none = context.apply(ONNXOperators.MUL, ctx.array("zero", new float[] {0f}))
                .apply(ONNXOperators.REDUCE_SUM, ctx.array("context_axes", new long[] {1}), Map.of("keepdims", 1));
        dot.apply(ONNXOperators.MUL, ctx.array("four", new float[] {4f})).apply(ONNXOperators.ADD, none)
                .apply(ONNXOperators.SIGMOID).assignTo(click);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        int at = 0;
        while (!graph.getInput(at).getName().equals("title")) {
            at++;
        }
        OnnxMl.ValueInfoProto in = graph.getInput(at);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        OnnxMl.ValueInfoProto fixed = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-cli-tests").setGraph(graph.toBuilder().setInput(at, fixed)).build()
                .toByteArray();
    }
}
