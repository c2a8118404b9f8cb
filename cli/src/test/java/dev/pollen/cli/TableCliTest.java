package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", dir.resolve("catalog").toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]), new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private Path csv() throws Exception {
        StringBuilder sb = new StringBuilder("id,a,b,c\n");
        for (int i = 0; i < 300; i++) {
            double angle = i * 0.01;
            sb.append("item-").append(i).append(',').append(Math.cos(angle)).append(',').append(Math.sin(angle))
                    .append(",0.5\n");
        }
        return Files.writeString(dir.resolve("vectors.csv"), sb);
    }

    @Test
    void shouldBuildPublishAndQueryATableFromCsv() throws Exception {
        Result built = run("table", "build", csv().toString(), "--publish", "studio/test-vectors", "--owner",
                "studio-ml", "--alias", "prod", "--produced-by", "a test");
        assertEquals(0, built.code(), built.err());
        assertTrue(built.out().contains("published studio/test-vectors@1 (alias prod): 300 rows × 3 float32"),
                built.out());
        assertTrue(built.err().contains("building vectors.csv"), "a progress bar: " + built.err());

        Result found = run("catalog", "search", "--kind", "table", "--output-dim", "3", "--dtype", "float32");
        assertTrue(found.out().contains("studio/test-vectors"), found.out());

        Result similar = run("table", "similar", "studio/test-vectors@prod", "item-100", "-k", "3");
        assertEquals(0, similar.code(), similar.err());
        String[] lines = similar.out().strip().split("\n");
        assertEquals(3, lines.length, similar.out());
        assertTrue(lines[0].startsWith("{\"rank\":1,\"id\":\"item-"), lines[0]);
        assertTrue(lines[0].contains("item-99") || lines[0].contains("item-101"), "the nearest angles: " + lines[0]);
        assertFalse(similar.out().contains("\"item-100\""), "the row itself is left out");

        Result unknown = run("table", "similar", "studio/test-vectors", "nope");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("id 'nope' is not in studio/test-vectors@1"), unknown.err());
    }

    @Test
    void shouldEncodeJsonLinesWithTheContentEncoderAndRejectBadLines() throws Exception {
        dev.pollen.models.studio.ContentEncoderImport.ensure(
                dev.pollen.catalog.fs.FileSystemCatalog.open(dir.resolve("catalog"),
                        dev.pollen.runtime.PollenRuntime.validators()));
        Path input = Files.writeString(dir.resolve("ads.jsonl"), "{\"id\":\"ad-1\",\"text\":\"Spooky nights at the"
                + " haunted lighthouse\"}\n{\"id\":\"ad-2\",\"text\":\"Sunny beach holidays for the family\"}\n\n"
                + "{\"id\":\"ad-3\",\"text\":\"Ghost stories told by candlelight\"}\n");
        Result r = run("table", "encode", "studio/content-encoder@prod", "--input", input.toString(), "--batch", "2",
                "--publish", "ads/creative-embeddings", "--owner", "ads-ml");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("published ads/creative-embeddings@1: 3 rows × 384 float32"), r.out());
        assertTrue(r.err().contains("encoding ads.jsonl"), r.err());
        Result lineage = run("catalog", "search", "--derived-from", "studio/content-encoder@1");
        assertTrue(lineage.out().contains("ads/creative-embeddings"), "produced by the encoder: " + lineage.out());
        Result similar = run("table", "similar", "ads/creative-embeddings", "ad-1", "-k", "1");
        assertTrue(similar.out().contains("\"id\":\"ad-3\""), "ghosts are nearer haunting than beaches: "
                + similar.out());

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\"}\n");
        Result missing = run("table", "encode", "studio/content-encoder@prod", "--input", bad.toString(), "--out",
                dir.resolve("bad.table").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("bad.jsonl line 2: field 'text' must be a string (found nothing)"),
                missing.err());
        assertFalse(Files.exists(dir.resolve("bad.table")));
    }

    @Test
    void shouldBuildFromFvecsWithLongIdsAndFloat16() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(50 * (4 + 8 * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < 50; r++) {
            b.putInt(8);
            for (int i = 0; i < 8; i++) {
                b.putFloat(r + i * 0.1f);
            }
        }
        Path fvecs = Files.write(dir.resolve("v.fvecs"), b.array());
        Path out = dir.resolve("local.table");
        Result built = run("table", "build", fvecs.toString(), "--id-kind", "long", "--dtype", "float16", "--out",
                out.toString());
        assertEquals(0, built.code(), built.err());
        assertTrue(Files.exists(out) && Files.exists(dir.resolve("local.table.idx")), built.out());
    }

    @Test
    void shouldRejectBadTableInputWithOneLineErrors() throws Exception {
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "a,1,2\nb,1\n");
        Result r = run("table", "build", ragged.toString(), "--out", dir.resolve("x.table").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("pollen: ") && r.err().contains("ragged.csv line 2: row has 1 value, expected 2"),
                r.err());
        assertFalse(Files.exists(dir.resolve("x.table")), "nothing half-written is left");

        Result dup = run("table", "build", Files.writeString(dir.resolve("dup.csv"), "a,1\nb,2\na,3\n").toString(),
                "--out", dir.resolve("d.table").toString());
        assertEquals(2, dup.code(), dup.err());
        assertTrue(dup.err().contains("ids must be unique (found id 'a' at rows 0 and 2)"), dup.err());

        Result nowhere = run("table", "build", csv().toString());
        assertEquals(2, nowhere.code());
        assertTrue(nowhere.err().contains("say where the table goes"), nowhere.err());

        Result longIds = run("table", "build", csv().toString(), "--id-kind", "long", "--out",
                dir.resolve("l.table").toString());
        assertEquals(2, longIds.code());
        assertTrue(longIds.err().contains("--id-kind long needs integer ids (found 'item-0')"), longIds.err());

        Result format = run("table", "build", csv().toString(), "--format", "parquet", "--out",
                dir.resolve("p.table").toString());
        assertEquals(2, format.code());
        assertTrue(format.err().contains("--format must be csv, npy or fvecs (found 'parquet')"), format.err());

        Result dtype = run("table", "build", csv().toString(), "--dtype", "float8", "--out",
                dir.resolve("f.table").toString());
        assertEquals(2, dtype.code());
        assertTrue(dtype.err().contains("table dtype must be one of [float32, float16, int8] (found 'float8')"),
                dtype.err());
    }

    @Test
    void shouldCheckTheAliasBeforeBuildingOrPublishingAnything() throws Exception {
        Result bad = run("table", "build", csv().toString(), "--publish", "studio/aliased", "--owner", "studio-ml",
                "--alias", "BAD");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("alias must match [a-z][a-z0-9_-]{0,62}") && bad.err().contains("(found 'BAD')"),
                bad.err());
        assertFalse(bad.err().contains("building"), "nothing was read or built: " + bad.err());
        Result described = run("catalog", "describe", "studio/aliased");
        assertEquals(2, described.code(), "nothing was published: " + described.out());
        assertTrue(described.err().contains("no artifact studio/aliased"), described.err());

        Path texts = Files.writeString(dir.resolve("texts.jsonl"), "{\"id\":\"a\",\"text\":\"fine\"}\n");
        Result encode = run("table", "encode", "studio/content-encoder@prod", "--input", texts.toString(),
                "--publish", "ads/aliased", "--owner", "ads-ml", "--alias", "prod/../x");
        assertEquals(2, encode.code(), encode.err());
        assertTrue(encode.err().contains("alias must match") && encode.err().contains("(found 'prod/../x')"),
                "checked before the encoder is even looked up: " + encode.err());

        Result domain = run("table", "build", csv().toString(), "--publish", "Studio/x", "--owner", "studio-ml");
        assertEquals(2, domain.code());
        assertTrue(domain.err().contains("domain must match") && !domain.err().contains("building"), domain.err());
        Result aliasWithoutPublish = run("table", "build", csv().toString(), "--out",
                dir.resolve("local.table").toString(), "--alias", "prod");
        assertEquals(2, aliasWithoutPublish.code());
        assertTrue(aliasWithoutPublish.err().contains("--alias needs --publish"), aliasWithoutPublish.err());
        assertFalse(Files.exists(dir.resolve("local.table")));
    }

    @Test
    void shouldSweepTheTemporaryFilesOfAKilledBuildOnTheNextRun() throws Exception {
        // What a killed 'table build --out out.table' leaves: its lock file (the kernel dropped the lock) and its
        // temporary files. EmbeddingTableWriterSweepTest kills a real writer process.
        String dead = "4194303-0f8fad5b-d9cb-469f-a165-70867728950e";
        List<String> leftovers = List.of("out.table." + dead + ".lock", "out.table." + dead + ".tmp",
                "out.table." + dead + ".norms.tmp", "out.table." + dead + ".ids.tmp",
                "out.table." + dead + ".idbytes.tmp", "out.table.idx." + dead + ".tmp");
        for (String name : leftovers) {
            Files.writeString(dir.resolve(name), "left by a killed build");
        }
        Path input = csv();
        Result r = run("table", "build", input.toString(), "--out", dir.resolve("out.table").toString());
        assertEquals(0, r.code(), r.err());
        for (String name : leftovers) {
            assertFalse(Files.exists(dir.resolve(name)), name + " swept");
        }
        assertTrue(Files.exists(dir.resolve("out.table")) && Files.exists(dir.resolve("out.table.idx")));
    }

    @Test
    void shouldSweepTheScratchDirectoryOfAKilledPublishButNeverALiveOne() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        String tag = Long.toString(System.nanoTime());
        Path killed = Files.createDirectories(tmp.resolve("pollen-table-4194303-" + tag + "a"));
        Files.writeString(killed.resolve(TableCommand.Scratch.OWNER), "");
        Files.writeString(killed.resolve("payload.table"), "half a table");
        Path oldWithoutOwner = Files.createDirectories(tmp.resolve("pollen-table-4194303-" + tag + "b"));
        Files.setLastModifiedTime(oldWithoutOwner, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 120_000));
        Path youngWithoutOwner = Files.createDirectories(tmp.resolve("pollen-table-4194303-" + tag + "c"));
        Path live = Files.createDirectories(tmp.resolve("pollen-table-4194303-" + tag + "d"));
        try (dev.pollen.internal.OwnerLock lock = dev.pollen.internal.OwnerLock.acquire(
                live.resolve(TableCommand.Scratch.OWNER))) {
            Result r = run("table", "build", csv().toString(), "--publish", "studio/swept", "--owner", "studio-ml");
            assertEquals(0, r.code(), r.err());
            assertFalse(Files.exists(killed), "its owner lock was free");
            assertFalse(Files.exists(oldWithoutOwner), "no owner file and over a minute old");
            assertTrue(Files.exists(youngWithoutOwner), "no owner file yet: its owner may be creating it");
            assertTrue(Files.exists(live), "its owner lock is held");
            assertTrue(lock.file().toFile().exists());
        } finally {
            TableCommand.deleteTree(youngWithoutOwner);
            TableCommand.deleteTree(live);
        }
        try (java.util.stream.Stream<Path> mine = Files.list(tmp)) {
            assertEquals(List.of(), mine.filter(p -> p.getFileName().toString().startsWith("pollen-table-"
                    + ProcessHandle.current().pid() + "-")).toList(), "a finished publish leaves no scratch directory");
        }
    }

    @Test
    void shouldRefuseEncodeInputThatIsNotStrictJsonLinesBeforeLoadingTheEncoder() throws Exception {
        String[][] cases = {
            {"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"} z\n",
                "in.jsonl line 2: must hold one JSON object and nothing after it (found 'z' after column 21)"},
            {"{\"id\":\"a\",\"text\":\"x\",\"text\":\"y\"}\n", "in.jsonl line 1: must name each field once"
                    + " (found 'text' again"},
            {"{\"id\":\"a\",\"text\":\"" + "x".repeat(200) + "\"}\n", "in.jsonl line 1: must be at most 100 bytes long"
                    + " (found 220 bytes)"},
            {"\n\n{\"id\":\"a\",\"text\":\"\u00ff\"}\n", "in.jsonl line 3: must be valid UTF-8 (found byte 0xFF"
                    + " at byte 18 of the line)"},
        };
        for (String[] c : cases) {
            byte[] bytes = c[0].getBytes(StandardCharsets.UTF_8);
            if (c[1].contains("UTF-8")) {
                bytes = c[0].getBytes(StandardCharsets.ISO_8859_1); // a Latin-1 file, not UTF-8
            }
            Path input = Files.write(dir.resolve("in.jsonl"), bytes);
            Result r = run("table", "encode", "studio/content-encoder@prod", "--input", input.toString(),
                    "--max-line-bytes", "100", "--out", dir.resolve("t.table").toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
            assertFalse(r.err().contains("content-encoder"), "refused before the encoder is looked up: " + r.err());
            assertFalse(Files.exists(dir.resolve("t.table")));
        }
    }
}
