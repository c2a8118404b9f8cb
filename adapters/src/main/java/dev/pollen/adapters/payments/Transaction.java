package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;

/**
 * One card payment to decide on. Immutable; every field is checked when it is built, so an invalid transaction
 * never reaches a model or the feature store.
 *
 * <p>Required: {@code cardId}, {@code amount}, {@code currency}, {@code merchantCategory}, {@code merchantCountry},
 * {@code cardCountry}. Optional, with these defaults when absent:
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>field</th><th>default</th><th>why</th></tr>
 *   <tr><td>transactionId</td><td>""</td><td>only echoed back</td></tr>
 *   <tr><td>timestampMillis</td><td>now</td><td>a live decision happens now</td></tr>
 *   <tr><td>ipCountry</td><td>cardCountry</td><td>no evidence of a mismatch</td></tr>
 *   <tr><td>network</td><td>VISA</td><td>the most common network</td></tr>
 *   <tr><td>cardAgeDays</td><td>365</td><td>an established card, neither new nor old</td></tr>
 *   <tr><td>deviceRisk, emailRisk</td><td>0.1</td><td>the typical score of a known, clean device / address</td></tr>
 *   <tr><td>newDevice, recurring, cardPresent</td><td>false</td><td>a card-not-present one-off purchase</td></tr>
 * </table>
 *
 * @param transactionId caller's id, echoed in decisions and, when not empty, the key that makes a retried
 *     decision idempotent; at most 128 characters, printable ASCII
 * @param cardId the card's token, {@code [A-Za-z0-9_-]{6,64}}
 * @param timestampMillis event time, epoch milliseconds
 * @param amount amount in {@code currency}, from 0 to the currency's {@link Money#maxAmount()}
 * @param currency the currency
 * @param merchantCategory the merchant's category
 * @param merchantCountry ISO alpha-2 country of the merchant
 * @param cardCountry ISO alpha-2 country that issued the card
 * @param ipCountry ISO alpha-2 country of the buyer's IP address
 * @param network card network
 * @param cardAgeDays days since the card was issued
 * @param deviceRisk device fingerprint risk score in [0, 1]
 * @param emailRisk e-mail address risk score in [0, 1]
 * @param newDevice first time this device is seen for this card
 * @param recurring a recurring-billing charge
 * @param cardPresent the card was physically present
 */
public record Transaction(
        String transactionId,
        String cardId,
        long timestampMillis,
        double amount,
        Money currency,
        MerchantCategory merchantCategory,
        String merchantCountry,
        String cardCountry,
        String ipCountry,
        CardNetwork network,
        int cardAgeDays,
        float deviceRisk,
        float emailRisk,
        boolean newDevice,
        boolean recurring,
        boolean cardPresent) {

    /** Rule for card ids. */
    public static final String CARD_ID_RULE = "[A-Za-z0-9_-]{6,64}";
    /** Rule for transaction ids. */
    public static final String TRANSACTION_ID_RULE = "[\\x21-\\x7e]{0,128}";

    /** Checks every field. */
    public Transaction {
        if (transactionId == null) {
            transactionId = "";
        }
        if (!printableAscii(transactionId, 128)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "transaction: transactionId must match "
                    + TRANSACTION_ID_RULE + " (found " + Echo.quote(transactionId) + ")");
        }
        if (cardId == null || !cardToken(cardId)) {
            throw invalid(transactionId, "cardId must match " + CARD_ID_RULE + " (found " + Echo.quote(cardId) + ")");
        }
        if (timestampMillis <= 0) {
            throw invalid(transactionId, "timestampMillis must be positive epoch milliseconds (found "
                    + timestampMillis + ")");
        }
        if (currency == null || merchantCategory == null || network == null) {
            throw invalid(transactionId, "currency, merchantCategory and network are required (found "
                    + currency + ", " + merchantCategory + ", " + network + ")");
        }
        if (!(amount >= 0 && amount <= currency.maxAmount())) {
            throw invalid(transactionId, "amount must be a number from 0 to " + (long) currency.maxAmount() + " "
                    + currency + " (found " + amount + ")");
        }
        if (!Double.isFinite(amount * currency.usdRate())) {
            throw invalid(transactionId, "amount in US dollars must be finite (found " + amount + " " + currency
                    + ")");
        }
        Region.checkCountry("merchantCountry", merchantCountry);
        Region.checkCountry("cardCountry", cardCountry);
        Region.checkCountry("ipCountry", ipCountry);
        if (cardAgeDays < 0 || cardAgeDays > 36_500) {
            throw invalid(transactionId, "cardAgeDays must be from 0 to 36500 (found " + cardAgeDays + ")");
        }
        checkRisk(transactionId, "deviceRisk", deviceRisk);
        checkRisk(transactionId, "emailRisk", emailRisk);
    }

    /** {@link #TRANSACTION_ID_RULE}, checked by hand: a regular expression's matcher costs an allocation per call. */
    private static boolean printableAscii(String s, int maxLength) {
        if (s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** {@link #CARD_ID_RULE}, checked by hand. */
    private static boolean cardToken(String s) {
        if (s.length() < 6 || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static void checkRisk(String id, String what, float v) {
        if (!(v >= 0f && v <= 1f)) {
            throw invalid(id, what + " must be from 0 to 1 (found " + v + ")");
        }
    }

    private static PollenException invalid(String id, String message) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT,
                "transaction" + (id.isEmpty() ? "" : " '" + id + "'") + ": " + message);
    }

    /** @return the amount in US dollars at the fixed model rates */
    public double amountUsd() {
        return amount * currency.usdRate();
    }

    /**
     * @param cardId the card's token
     * @param amount amount in {@code currency}
     * @param currency the currency
     * @param category the merchant's category
     * @param merchantCountry merchant's country
     * @param cardCountry issuing country
     * @return a builder with every optional field at its default
     */
    public static Builder builder(String cardId, double amount, Money currency, MerchantCategory category,
            String merchantCountry, String cardCountry) {
        return new Builder(cardId, amount, currency, category, merchantCountry, cardCountry);
    }

    /** Builds a transaction with documented defaults for the optional fields. Not thread-safe. */
    public static final class Builder {
        private String transactionId = "";
        private final String cardId;
        private long timestampMillis = System.currentTimeMillis();
        private final double amount;
        private final Money currency;
        private final MerchantCategory category;
        private final String merchantCountry;
        private final String cardCountry;
        private String ipCountry;
        private CardNetwork network = CardNetwork.VISA;
        private int cardAgeDays = 365;
        private float deviceRisk = 0.1f;
        private float emailRisk = 0.1f;
        private boolean newDevice;
        private boolean recurring;
        private boolean cardPresent;

        private Builder(String cardId, double amount, Money currency, MerchantCategory category,
                String merchantCountry, String cardCountry) {
            this.cardId = cardId;
            this.amount = amount;
            this.currency = currency;
            this.category = category;
            this.merchantCountry = merchantCountry;
            this.cardCountry = cardCountry;
        }

        /** @param v id @return this */
        public Builder transactionId(String v) {
            transactionId = v;
            return this;
        }

        /** @param v epoch millis @return this */
        public Builder timestampMillis(long v) {
            timestampMillis = v;
            return this;
        }

        /** @param v IP country @return this */
        public Builder ipCountry(String v) {
            ipCountry = v;
            return this;
        }

        /** @param v network @return this */
        public Builder network(CardNetwork v) {
            network = v;
            return this;
        }

        /** @param v card age in days @return this */
        public Builder cardAgeDays(int v) {
            cardAgeDays = v;
            return this;
        }

        /** @param v device risk @return this */
        public Builder deviceRisk(float v) {
            deviceRisk = v;
            return this;
        }

        /** @param v e-mail risk @return this */
        public Builder emailRisk(float v) {
            emailRisk = v;
            return this;
        }

        /** @param v new device flag @return this */
        public Builder newDevice(boolean v) {
            newDevice = v;
            return this;
        }

        /** @param v recurring flag @return this */
        public Builder recurring(boolean v) {
            recurring = v;
            return this;
        }

        /** @param v card-present flag @return this */
        public Builder cardPresent(boolean v) {
            cardPresent = v;
            return this;
        }

        /** @return the checked transaction */
        public Transaction build() {
            return new Transaction(transactionId, cardId, timestampMillis, amount, currency, category,
                    merchantCountry, cardCountry, ipCountry == null ? cardCountry : ipCountry, network, cardAgeDays,
                    deviceRisk, emailRisk, newDevice, recurring, cardPresent);
        }
    }
}
