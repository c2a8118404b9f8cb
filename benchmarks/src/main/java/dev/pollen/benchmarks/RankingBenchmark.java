package dev.pollen.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.adapters.personalization.RankResult;
import dev.pollen.adapters.personalization.TitlePopularity;
import dev.pollen.adapters.personalization.TitleRanker;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.models.onnx.ContextMatcherExport;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.models.studio.TitleJsonLines;
import dev.pollen.models.train.Mlp;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ranking against bare ONNX Runtime on the same model and the same pre-built batch: studio's 10,000 titles and 2,000
 * members with seeded random unit vectors of 384 dimensions, a ranker of the shipped architecture (389 → 32 → 16 → 1,
 * seeded weights) with a popularity per title.
 *
 * <ul>
 *   <li>{@code rank}: {@link TitleRanker#rank} end to end: the member's row gathered into the per-call input, the
 *       candidates looked up and their rows gathered, the context rows written, one run (chunks when more than the
 *       context's batch), the top 10 selected. Requests vary over 256 members and candidate lists.</li>
 *   <li>{@code bareOnnxRuntime}: the same model's run alone on tensors pre-built over one request's rows.</li>
 *   <li>{@code rankPaired}: the two back to back in one fork ({@link PairedTimes}), the acceptance ratio.</li>
 *   <li>{@code bareFreshRowsPaired}: a plain copy of another request's pre-resolved rows into the bare input, then
 *       the bare run, against the bare run: what fresh rows cost any caller.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RankingBenchmark {
    private static final int DIM = 384;
    private static final int MEMBERS = 2_000;
    private static final int REQUESTS = 256;

    /** Candidates per request. */
    @Param({"100", "1000", "2000"})
    public int candidates;

    /** {@link TitleRanker.Builder#maxBatch}: candidates scored per run, more go in several runs. */
    @Param({"2000"})
    public int chunk;

    private Path dir;
    private PollenRuntime runtime;
    private TitleRanker ranker;
    private final RankResult out = new RankResult();
    private String[] members;
    private List<List<String>> lists;
    private long[][] resolved;
    private int next;

    private OrtSession session;
    private Map<String, OnnxTensor> in;
    private Map<String, OnnxTensor> outs;
    private FloatBuffer play;
    private ByteBuffer bareBatch;
    private final List<OnnxTensor> tensors = new ArrayList<>();
    private TableLease content;
    private MappedEmbeddingTable table;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        dir = Files.createTempDirectory("pollen-ranking-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        SplittableRandom random = new SplittableRandom(21);
        List<Title> titles = TitleCatalog.demo().generate();
        Path titlesFile = dir.resolve("titles.jsonl");
        TitleJsonLines.write(titles, titlesFile);
        writeTable(dir.resolve("c.bin"), dir.resolve("c.idx"), titles.stream().map(Title::id).toList(), random);
        catalog.setAlias(catalog.publish(TableArtifacts.request("studio", "content-embeddings", dir.resolve("c.bin"),
                dir.resolve("c.idx")).owner("bench").attachment("titles.jsonl", titlesFile).build()).id(), "prod");
        members = new String[MEMBERS];
        for (int m = 0; m < MEMBERS; m++) {
            members[m] = String.format("m%06d", m + 1);
        }
        writeTable(dir.resolve("m.bin"), dir.resolve("m.idx"), Arrays.asList(members), random);
        catalog.setAlias(catalog.publish(TableArtifacts.request("personalization", "member-embeddings",
                dir.resolve("m.bin"), dir.resolve("m.idx")).owner("bench").build()).id(), "prod");
        Map<String, Long> plays = new LinkedHashMap<>();
        for (Title t : titles) {
            plays.put(t.id(), (long) random.nextInt(5_000));
        }
        Path popularity = dir.resolve(TitlePopularity.FILE);
        TitlePopularity.write(plays, popularity);
        int[] widths = {DIM + RankFeatures.COUNT, 32, 16, 1};
        float[] mean = new float[widths[0]];
        float[] std = new float[widths[0]];
        Arrays.fill(std, 1f);
        byte[] model = ContextMatcherExport.RANKER.toOnnx(new Mlp(widths, 3), DIM, mean, std, "bench");
        catalog.setAlias(catalog.publish(PublishRequest.builder("personalization", "ranker", ArtifactKind.MODEL)
                .owner("bench").signature(ContextMatcherExport.RANKER.signature(DIM, RankFeatures.COUNT))
                .attachment(TitlePopularity.FILE, popularity).payload(new ByteArrayInputStream(model)).build())
                .id(), "prod");
        runtime = PollenRuntime.builder(catalog).build();
        ranker = TitleRanker.builder(runtime).contexts(1).maxBatch(chunk).open();

        lists = new ArrayList<>();
        content = runtime.table("studio/content-embeddings@prod");
        table = content.table();
        resolved = new long[REQUESTS][candidates];
        for (int r = 0; r < REQUESTS; r++) {
            List<String> ids = new ArrayList<>(titles.stream().map(Title::id).toList());
            for (int k = 0; k < candidates; k++) {
                java.util.Collections.swap(ids, k, k + random.nextInt(ids.size() - k));
            }
            List<String> list = List.copyOf(ids.subList(0, candidates));
            lists.add(list);
            for (int i = 0; i < candidates; i++) {
                resolved[r][i] = table.row(list.get(i));
            }
        }
        OrtEnvironment env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            session = env.createSession(model, options);
        }
        ByteBuffer member = direct(DIM);
        try (TableLease m = runtime.table("personalization/member-embeddings@prod")) {
            m.table().gatherRows(new long[] {0}, 1, member, 0);
        }
        bareBatch = direct(candidates * DIM);
        table.gatherRows(resolved[0], candidates, bareBatch, 0);
        FloatBuffer context = direct(candidates * RankFeatures.COUNT).asFloatBuffer();
        for (int i = 0; i < candidates * RankFeatures.COUNT; i++) {
            context.put(i, (float) random.nextDouble());
        }
        play = direct(candidates).asFloatBuffer();
        in = Map.of("member", tensor(env, member.asFloatBuffer(), 1, DIM),
                "titles", tensor(env, bareBatch.asFloatBuffer(), candidates, DIM),
                "context", tensor(env, context, candidates, RankFeatures.COUNT));
        outs = Map.of("play", tensor(env, play, candidates, 1));
    }

    private static void writeTable(Path file, Path index, List<String> ids, SplittableRandom random) {
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(file, index, DIM, TableDType.FLOAT32,
                IdKind.STRING, "bench")) {
            float[] v = new float[DIM];
            for (String id : ids) {
                double norm = 0;
                for (int i = 0; i < DIM; i++) {
                    v[i] = (float) random.nextGaussian();
                    norm += v[i] * v[i];
                }
                for (int i = 0; i < DIM; i++) {
                    v[i] /= (float) Math.sqrt(norm);
                }
                w.append(id, v);
            }
            w.finish();
        }
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }

    private OnnxTensor tensor(OrtEnvironment env, FloatBuffer buf, long r, long c) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {r, c});
        tensors.add(t);
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        for (OnnxTensor t : tensors) {
            t.close();
        }
        session.close();
        content.close();
        ranker.close();
        runtime.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public float rank() {
        int r = next++ & (REQUESTS - 1);
        ranker.rank(members[r], lists.get(r), 10, out);
        return out.score(0);
    }

    @Benchmark
    public float bareOnnxRuntime() throws OrtException {
        OrtSession.Result result = session.run(in, outs);
        result.close();
        return play.get(candidates - 1);
    }

    /** Diagnostic: another request's rows copied into the bare input (no lookups, no Pollen code), then the run. */
    @Benchmark
    public float bareFreshRows() throws OrtException {
        table.gatherRows(resolved[next++ & (REQUESTS - 1)], candidates, bareBatch, 0);
        return bareOnnxRuntime();
    }

    private final PairedTimes.Side rankSide = this::rank;
    private final PairedTimes.Side bareSide = this::bareOnnxRuntime;
    private final PairedTimes.Side freshSide = this::bareFreshRows;

    /** The acceptance ratio, drift-proof: {@link #rank} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float rankPaired(PairedTimes t) throws Exception {
        return t.pair(rankSide, bareSide);
    }

    /** Diagnostic: {@link #bareFreshRows} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float bareFreshRowsPaired(PairedTimes t) throws Exception {
        return t.pair(freshSide, bareSide);
    }
}
