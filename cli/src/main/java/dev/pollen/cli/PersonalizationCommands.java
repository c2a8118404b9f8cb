package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankResult;
import dev.pollen.adapters.personalization.Recommender;
import dev.pollen.adapters.personalization.SimilarResult;
import dev.pollen.adapters.personalization.SimilarTitles;
import dev.pollen.adapters.personalization.TitleRanker;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen rank} and {@code pollen similar}: the personalization adapter ({@link TitleRanker},
 * {@link SimilarTitles}) on JSON lines ({@link PersonalizationJson}), read and answered line by line
 * ({@link JsonLines}).
 */
final class PersonalizationCommands {
    private PersonalizationCommands() {
    }

    /**
     * A refusal of one request by the adapter, as the bad line it answers: its rule, named by the adapter, in an
     * error line; other failures (a closed runtime, no scoring context) end the stream.
     */
    private static PollenException lineError(long lineNo, PollenException e) {
        if (e.category() == ErrorCategory.INVALID_ARGUMENT || e.category() == ErrorCategory.NOT_FOUND) {
            return AdJson.fail(lineNo, e.getMessage());
        }
        return e;
    }

    /** Puts the bad line's request id, when it had a usable one, in its error line. */
    private abstract static class Lines implements JsonLines.LineHandler {
        private long lastLine;
        private String lastRequestId;

        /** Answers one line whose object is {@code n}. */
        abstract void answer(long lineNo, String line, JsonNode n);

        abstract JsonNode parse(long lineNo, String line);

        @Override
        public void onLine(long lineNo, String line) {
            lastLine = lineNo;
            lastRequestId = null;
            JsonNode n = parse(lineNo, line);
            JsonNode id = n.get("requestId");
            if (id != null && id.isTextual() && !id.textValue().isEmpty()
                    && id.textValue().length() <= PersonalizationJson.MAX_REQUEST_ID) {
                lastRequestId = id.textValue();
            }
            answer(lineNo, line, n);
        }

        @Override
        public void onErrorLine(long lineNo, ObjectNode errorLine) {
            if (lineNo == lastLine && lastRequestId != null) {
                errorLine.put("requestId", lastRequestId);
            }
        }
    }

    /** {@code pollen rank}. */
    @Command(name = "rank", mixinStandardHelpOptions = true,
            description = "Rank candidate titles for members: JSON-line requests {\"requestId\",\"memberId\","
                    + "\"candidates\",\"k\"} on stdin, one ranking per line on stdout (titles with their probability"
                    + " of play, whether the member was unknown, the versions used).")
    static final class RankCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--model", paramLabel = "REF", defaultValue = TitleRanker.MODEL, description =
                "Ranker model ref, with its popularity.jsonl (default: " + TitleRanker.MODEL + ").")
        String model;
        @Option(names = "--members", paramLabel = "REF", defaultValue = TitleRanker.MEMBERS, description =
                "Member table ref (default: " + TitleRanker.MEMBERS + "); a member it lacks is a cold start.")
        String members;
        @Option(names = "--content", paramLabel = "REF", defaultValue = TitleRanker.CONTENT, description =
                "Content table ref, with its titles.jsonl (default: " + TitleRanker.CONTENT + ").")
        String content;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build();
                 TitleRanker ranker = TitleRanker.builder(runtime).model(model).members(members).content(content)
                         .contexts(1).open()) {
                RankResult r = new RankResult();
                JsonLines.forEach(root.in, root.out, lines, new Lines() {
                    @Override
                    JsonNode parse(long lineNo, String line) {
                        try {
                            return PersonalizationJson.parse(lineNo, line, PersonalizationJson.RANK_FIELDS,
                                    "rank request");
                        } catch (PollenException e) {
                            ranker.rejected();
                            throw e;
                        }
                    }

                    @Override
                    void answer(long lineNo, String line, JsonNode n) {
                        PersonalizationJson.Rank q;
                        try {
                            q = PersonalizationJson.rank(lineNo, line, n, System.currentTimeMillis());
                        } catch (PollenException e) {
                            ranker.rejected();
                            throw e;
                        }
                        try {
                            ranker.rank(q.memberId(), q.candidates(), q.k(), q.timestampMillis(),
                                    q.preferredGenres(), r);
                        } catch (PollenException e) {
                            throw lineError(lineNo, e);
                        }
                        root.out.println(PersonalizationJson.ranked(q.requestId(), r));
                    }

                    @Override
                    public void onUnreadable(long lineNo, PollenException error) {
                        ranker.rejected();
                    }
                });
            }
            return 0;
        }
    }

    /** {@code pollen recommend}. */
    @Command(name = "recommend", mixinStandardHelpOptions = true,
            description = "Recommend titles to members: JSON-line requests {\"requestId\",\"memberId\",\"k\","
                    + "\"exclude\"} on stdin; candidates retrieved by the member's vector (the content table's ANN"
                    + " index when it has one, else the exact scan), ranked, at most --per-genre of a primary genre;"
                    + " one answer per line on stdout.")
    static final class RecommendCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--model", paramLabel = "REF", defaultValue = TitleRanker.MODEL, description =
                "Ranker model ref (default: " + TitleRanker.MODEL + ").")
        String model;
        @Option(names = "--members", paramLabel = "REF", defaultValue = TitleRanker.MEMBERS, description =
                "Member table ref (default: " + TitleRanker.MEMBERS + "); a member it lacks is a cold start.")
        String members;
        @Option(names = "--content", paramLabel = "REF", defaultValue = TitleRanker.CONTENT, description =
                "Content table ref (default: " + TitleRanker.CONTENT + ").")
        String content;
        @Option(names = "--retrieve", paramLabel = "N", defaultValue = "200", description =
                "Candidates retrieved before ranking (default: 200).")
        int retrieve;
        @Option(names = "--per-genre", paramLabel = "N", defaultValue = "3", description =
                "Most titles of one primary genre in an answer (default: 3).")
        int perGenre;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build();
                 TitleRanker ranker = TitleRanker.builder(runtime).model(model).members(members).content(content)
                         .contexts(1).open();
                 Recommender recommender = Recommender.builder(runtime, ranker).retrieve(retrieve)
                         .perGenre(perGenre).open()) {
                RankResult r = new RankResult();
                JsonLines.forEach(root.in, root.out, lines, new Lines() {
                    @Override
                    JsonNode parse(long lineNo, String line) {
                        return PersonalizationJson.parse(lineNo, line, PersonalizationJson.RECOMMEND_FIELDS,
                                "recommend request");
                    }

                    @Override
                    void answer(long lineNo, String line, JsonNode n) {
                        PersonalizationJson.Recommend q = PersonalizationJson.recommend(lineNo, line, n);
                        try {
                            recommender.recommend(q.memberId(), q.k(), q.exclude(), r);
                        } catch (PollenException e) {
                            throw lineError(lineNo, e);
                        }
                        root.out.println(PersonalizationJson.ranked(q.requestId(), r));
                    }
                });
            }
            return 0;
        }
    }

    /** {@code pollen similar}. */
    @Command(name = "similar", mixinStandardHelpOptions = true,
            description = "More like this: JSON-line requests {\"requestId\",\"titleId\",\"k\",\"genres\"?,"
                    + "\"tones\"?} on stdin, the k titles closest by cosine (the title itself left out, only those"
                    + " of the genres and tones given) one answer per line on stdout.")
    static final class SimilarCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--content", paramLabel = "REF", defaultValue = TitleRanker.CONTENT, description =
                "Content table ref, with its titles.jsonl of genres and tones (default: " + TitleRanker.CONTENT
                        + ").")
        String content;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build();
                 SimilarTitles similar = SimilarTitles.open(runtime, content)) {
                SimilarResult r = new SimilarResult();
                JsonLines.forEach(root.in, root.out, lines, new Lines() {
                    @Override
                    JsonNode parse(long lineNo, String line) {
                        return PersonalizationJson.parse(lineNo, line, PersonalizationJson.SIMILAR_FIELDS,
                                "similar request");
                    }

                    @Override
                    void answer(long lineNo, String line, JsonNode n) {
                        PersonalizationJson.Similar q = PersonalizationJson.similar(lineNo, line, n);
                        try {
                            similar.similar(q.titleId(), q.k(), q.genres(), q.tones(), r);
                        } catch (PollenException e) {
                            throw lineError(lineNo, e);
                        }
                        root.out.println(PersonalizationJson.similar(q.requestId(), r));
                    }
                });
            }
            return 0;
        }
    }
}
