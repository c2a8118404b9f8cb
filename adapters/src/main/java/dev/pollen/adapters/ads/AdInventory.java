package dev.pollen.adapters.ads;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ad inventory file: {@code creatives.jsonl}, attached to {@code ads/creative-embeddings}, one {@link Creative}
 * per line, fields in this order:
 *
 * <pre>{@code
 * {"adId":"a000001","advertiser":"v0001","advertiserName":"Harbor Motors","campaign":"c00001",
 *  "category":"automotive","text":"...","tones":["uplifting"],"bidCpm":12.5,
 *  "flightStart":"2026-11-15","flightEnd":"2026-12-31","dailyGoal":4000}
 * }</pre>
 *
 * Written by the models module's generator and read by {@link AdDecisioner}; a bad line is refused with its line
 * number and the field.
 */
public final class AdInventory {
    /** The attachment's file name. */
    public static final String FILE = "creatives.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AdInventory() {
    }

    /**
     * @param creatives the inventory
     * @param file where to write (replaced)
     * @throws IOException when the file cannot be written
     */
    public static void write(List<Creative> creatives, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             JsonGenerator g = JSON.getFactory().createGenerator(w)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            for (Creative c : creatives) {
                g.writeStartObject();
                g.writeStringField("adId", c.adId());
                g.writeStringField("advertiser", c.advertiser());
                g.writeStringField("advertiserName", c.advertiserName());
                g.writeStringField("campaign", c.campaign());
                g.writeStringField("category", c.category().label());
                g.writeStringField("text", c.text());
                g.writeArrayFieldStart("tones");
                for (String t : c.tones()) {
                    g.writeString(t);
                }
                g.writeEndArray();
                g.writeNumberField("bidCpm", c.bidCpm());
                g.writeStringField("flightStart", c.flightStart().toString());
                g.writeStringField("flightEnd", c.flightEnd().toString());
                g.writeNumberField("dailyGoal", c.dailyGoal());
                g.writeEndObject();
                g.flush();
                w.write('\n');
            }
        }
    }

    /**
     * @param file a {@code creatives.jsonl}
     * @return its creatives, in file order
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the line and field of a bad line,
     *     {@link ErrorCategory#IO} when the file cannot be read
     */
    public static List<Creative> read(Path file) {
        List<Creative> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(parse(JSON.readTree(line)));
                } catch (IOException | PollenException e) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ad inventory " + file + " line " + n
                            + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read ad inventory " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Creative parse(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "a creative must be a JSON object");
        }
        List<String> tones = new ArrayList<>();
        JsonNode t = n.get("tones");
        if (t != null && t.isArray()) {
            t.forEach(x -> tones.add(x.isTextual() ? x.asText() : null));
        } else if (t != null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative tones must be an array of strings");
        }
        return new Creative(text(n, "adId"), text(n, "advertiser"), text(n, "advertiserName"), text(n, "campaign"),
                AdCategory.parse(String.valueOf(text(n, "category"))), text(n, "text"), tones,
                number(n, "bidCpm"), date(n, "flightStart"), date(n, "flightEnd"), (long) number(n, "dailyGoal"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative " + field + " must be a number (found "
                    + v + ")");
        }
        return v.asDouble();
    }

    private static LocalDate date(JsonNode n, String field) {
        String v = text(n, field);
        try {
            return v == null ? null : LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative " + field + " must be a date such as"
                    + " 2026-12-01 (found " + dev.pollen.internal.Echo.quote(v) + ")");
        }
    }
}
