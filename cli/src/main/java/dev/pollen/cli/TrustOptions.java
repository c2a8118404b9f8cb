package dev.pollen.cli;

import dev.pollen.catalog.Trust;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The trust options of the commands that check signatures ({@code catalog verify}, {@code catalog serve}). */
final class TrustOptions {
    @Option(names = "--trust-keys", paramLabel = "DIR", description = "Check signatures against the public keys"
            + " <domain>[.<label>].pub in DIR.")
    Path trustKeys;
    @Option(names = "--require-signed", paramLabel = "DOMAIN", description = "Fail versions of DOMAIN that carry"
            + " no valid signature by one of its trusted keys (repeatable; needs --trust-keys).")
    List<String> requireSigned = new ArrayList<>();

    /** @return the trust these options describe; checksums only when none is given */
    Trust trust() {
        Trust.Builder tb = Trust.builder();
        if (trustKeys != null) {
            tb.keys(trustKeys);
        }
        requireSigned.forEach(tb::requireSigned);
        return tb.build();
    }
}
