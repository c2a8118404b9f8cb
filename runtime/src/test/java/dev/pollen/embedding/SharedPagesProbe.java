package dev.pollen.embedding;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM for {@link SharedPagesTest}: maps a table, reads every row, then answers "report" on stdin with the
 * resident (Rss) and proportional (Pss) kilobytes of its mappings of the table file, from /proc/self/smaps.
 */
public final class SharedPagesProbe {
    private SharedPagesProbe() {
    }

    /**
     * @param args table file, index file
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Path tableFile = Path.of(args[0]);
        try (MappedEmbeddingTable table = MappedEmbeddingTable.open(tableFile, Path.of(args[1]),
                TableOpenOptions.defaults().verifyData(false))) {
            double sum = 0;
            RowView view = new RowView();
            for (long r = 0; r < table.rows(); r++) {
                view.wrap(table, r);
                for (int i = 0; i < table.dimension(); i += 16) {
                    sum += view.get(i);
                }
            }
            System.out.println("ready " + (sum == 0.5 ? "" : "touched"));
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null;) {
                if (line.equals("report")) {
                    System.out.println(report(tableFile.toRealPath().toString()));
                    System.out.flush();
                } else if (line.equals("exit")) {
                    return;
                }
            }
        }
    }

    /** @return "rss=KB pss=KB shared=KB private=KB" summed over the mappings of the file */
    static String report(String file) throws Exception {
        long rss = 0;
        long pss = 0;
        long shared = 0;
        long privateKb = 0;
        boolean inFile = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inFile = line.endsWith(file);
                continue;
            }
            if (!inFile) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length < 2) {
                continue;
            }
            switch (parts[0]) {
                case "Rss:" -> rss += Long.parseLong(parts[1]);
                case "Pss:" -> pss += Long.parseLong(parts[1]);
                case "Shared_Clean:", "Shared_Dirty:" -> shared += Long.parseLong(parts[1]);
                case "Private_Clean:", "Private_Dirty:" -> privateKb += Long.parseLong(parts[1]);
                default -> {
                }
            }
        }
        return "rss=" + rss + " pss=" + pss + " shared=" + shared + " private=" + privateKb;
    }
}
