package dev.pollen.catalog;

/**
 * The outcome of verifying one stored version, or one artifact's own records (its aliases and version record).
 *
 * @param subject what was checked, for people: {@code payments/fraud-scorer@3} for a version, {@code
 *     payments/fraud-scorer (aliases.json, .highest-version)} for an artifact's records
 * @param id the version checked, or {@code null} for an artifact's records
 * @param ok {@code true} when every checksum matches and the trust in force accepts the version
 * @param problem what is wrong, or {@code null} when {@code ok}
 * @param signedBy for a version: the id of the trusted key whose signature verified, or {@code null} when none did
 *     (unsigned, or its domain is not checked by the trust in force)
 */
public record VerifyResult(String subject, ArtifactId id, boolean ok, String problem, String signedBy) {
    /**
     * @param id the version
     * @param problem what is wrong, or {@code null}
     * @param signedBy the trusted key that vouched for it, or {@code null}
     * @return the result for a version
     */
    public static VerifyResult ofVersion(ArtifactId id, String problem, String signedBy) {
        return new VerifyResult(id.toString(), id, problem == null, problem, problem == null ? signedBy : null);
    }

    /**
     * @param subject the artifact and the records checked
     * @param problem what is wrong, or {@code null}
     * @return the result for an artifact's records
     */
    public static VerifyResult ofRecords(String subject, String problem) {
        return new VerifyResult(subject, null, problem == null, problem, null);
    }

    /** @return {@code true} for a version's result, {@code false} for an artifact's records */
    public boolean isVersion() {
        return id != null;
    }
}
