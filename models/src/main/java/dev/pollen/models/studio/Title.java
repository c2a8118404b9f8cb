package dev.pollen.models.studio;

import dev.pollen.adapters.ads.Maturity;
import java.util.List;
import java.util.Objects;

/**
 * One title of the synthetic studio catalog.
 *
 * @param id the catalog id, {@code t000001} upwards
 * @param title the display title
 * @param genres one to three genres, the first the primary one
 * @param tone the tone
 * @param maturity the audience rating, {@link Maturity#derive} of the genres and tone in the generated catalog
 * @param synopsis one or two sentences, 20 to 45 words
 * @param year the release year
 */
public record Title(String id, String title, List<String> genres, String tone, Maturity maturity, String synopsis,
        int year) {
    /** Copies {@code genres} and checks that nothing is missing. */
    public Title {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        genres = List.copyOf(genres);
        Objects.requireNonNull(tone, "tone");
        Objects.requireNonNull(maturity, "maturity");
        Objects.requireNonNull(synopsis, "synopsis");
    }

    /**
     * A title rated as the catalog rates it: {@link Maturity#derive}{@code (genres, tone)}.
     *
     * @param id the catalog id
     * @param title the display title
     * @param genres one to three genres, the first the primary one
     * @param tone the tone
     * @param synopsis the synopsis
     * @param year the release year
     */
    public Title(String id, String title, List<String> genres, String tone, String synopsis, int year) {
        this(id, title, genres, tone, Maturity.derive(genres, tone), synopsis, year);
    }

    /** @return what the content encoder embeds: the title, a full stop, then the synopsis */
    public String text() {
        return title + ". " + synopsis;
    }
}
