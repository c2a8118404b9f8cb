package dev.pollen.adapters.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.FeatureSnapshot;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class TransactionTest {
    private static Transaction.Builder valid() {
        return Transaction.builder("card_0001", 12.5, Money.EUR, MerchantCategory.GROCERY, "DE", "DE")
                .transactionId("t1").timestampMillis(1_793_577_600_000L);
    }

    private static void assertRejected(Runnable build, String... fragments) {
        PollenException e = assertThrows(PollenException.class, build::run);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void missingOptionalFieldsGetTheDocumentedDefaults() {
        Transaction tx = valid().build();
        assertEquals("DE", tx.ipCountry());
        assertEquals(CardNetwork.VISA, tx.network());
        assertEquals(365, tx.cardAgeDays());
        assertEquals(0.1f, tx.deviceRisk());
        assertEquals(0.1f, tx.emailRisk());
        assertFalse(tx.newDevice() || tx.recurring() || tx.cardPresent());
        assertEquals(12.5 * 1.08, tx.amountUsd(), 1e-9);
    }

    @Test
    void shouldRejectNegativeNaNAndInfiniteAmounts() {
        assertRejected(() -> Transaction.builder("card_0001", -1, Money.USD, MerchantCategory.FUEL, "US", "US")
                .transactionId("t9").build(), "transaction 't9'", "amount must be a number from 0 to 1000000 USD",
                "(found -1.0)");
        assertRejected(() -> Transaction.builder("card_0001", Double.NaN, Money.USD, MerchantCategory.FUEL, "US",
                "US").build(), "(found NaN)");
        assertRejected(() -> Transaction.builder("card_0001", Double.POSITIVE_INFINITY, Money.USD,
                MerchantCategory.FUEL, "US", "US").build(), "(found Infinity)");
    }

    @Test
    void shouldRejectAmountsAboveTheCurrencysMaximumLikeTheOneThatOnceApprovedFraud() {
        assertRejected(() -> Transaction.builder("card_0001", 1e39, Money.USD, MerchantCategory.FUEL, "US", "US")
                .build(), "amount must be a number from 0 to 1000000 USD", "(found 1.0E39)");
        assertRejected(() -> Transaction.builder("card_0001", 1.7e308, Money.EUR, MerchantCategory.FUEL, "DE", "DE")
                .build(), "from 0 to 1000000 EUR");
        assertRejected(() -> Transaction.builder("card_0001", 150_000_001, Money.JPY, MerchantCategory.FUEL, "JP",
                "JP").build(), "from 0 to 150000000 JPY");
        assertEquals(150_000_000, Transaction.builder("card_0001", 150_000_000, Money.JPY, MerchantCategory.FUEL,
                "JP", "JP").build().amount());
    }

    @Test
    void shouldRejectCountryCodesThatAreNotAssignedInIso3166() {
        for (String bad : new String[] {"XX", "ZZ", "QQ", "EU", "U1", "\u0055\u0053\u200b"}) {
            assertRejected(() -> valid().ipCountry(bad).build(), "ISO 3166-1 alpha-2");
        }
        assertEquals("BR", valid().ipCountry("BR").build().ipCountry());
    }

    @Test
    void shouldRejectTransactionIdsThatAreTooLongOrNotPrintableAsciiAndCutTheEcho() {
        PollenException e = assertThrows(PollenException.class,
                () -> valid().transactionId("t".repeat(10_000)).build());
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertRejected(() -> valid().transactionId("t 1").build(), "transactionId must match");
        assertRejected(() -> valid().transactionId("t\n1").build(), "transactionId must match", "\\u000a");
    }

    @Test
    void shouldRejectUnknownCurrencyCategoryAndNetwork() {
        assertRejected(() -> Money.parse("XYZ"), "currency must be one of [USD, EUR", "(found 'XYZ')");
        assertRejected(() -> Money.parse(null), "(found nothing)");
        assertRejected(() -> MerchantCategory.parse("bakery"), "merchant category must be one of", "'bakery'");
        assertRejected(() -> CardNetwork.parse("jcb"), "card network must be one of", "'jcb'");
    }

    @Test
    void shouldRejectMalformedCardIdsAndCountries() {
        for (String bad : new String[] {"", "abc", "card 0001", "card/0001", "x".repeat(65)}) {
            assertRejected(() -> Transaction.builder(bad, 1, Money.USD, MerchantCategory.FUEL, "US", "US").build(),
                    "cardId must match [A-Za-z0-9_-]{6,64}", "'" + bad + "'");
        }
        assertRejected(() -> Transaction.builder(null, 1, Money.USD, MerchantCategory.FUEL, "US", "US").build(),
                "(found nothing)");
        assertRejected(() -> valid().ipCountry("usa").build(), "ipCountry must be an ISO 3166-1 alpha-2 code",
                "'usa'");
        assertRejected(() -> Transaction.builder("card_0001", 1, Money.USD, MerchantCategory.FUEL, "us", "US")
                .build(), "merchantCountry", "'us'");
    }

    @Test
    void shouldRejectOutOfRangeScoresAgesAndTimes() {
        assertRejected(() -> valid().deviceRisk(1.5f).build(), "deviceRisk must be from 0 to 1 (found 1.5)");
        assertRejected(() -> valid().emailRisk(Float.NaN).build(), "emailRisk must be from 0 to 1 (found NaN)");
        assertRejected(() -> valid().cardAgeDays(-3).build(), "cardAgeDays must be from 0 to 36500 (found -3)");
        assertRejected(() -> valid().timestampMillis(0).build(), "timestampMillis must be positive");
    }

    @Test
    void featuresAreEncodedInPlaceWithTheirDocumentedMeaning() {
        Transaction tx = valid().ipCountry("NG").newDevice(true).deviceRisk(0.9f).build();
        float[] row = new float[FraudFeatures.COUNT];
        FraudFeatures.encode(tx, new FeatureSnapshot(CardVelocity.SCHEMA), FloatBuffer.wrap(row), 0);
        assertEquals((float) Math.log1p(12.5 * 1.08), row[0], 1e-6);
        assertEquals(1f, row[1], "grocery one-hot");
        assertEquals(1f, row[10], "ip country mismatch");
        assertEquals(0f, row[11], "not cross-border");
        assertEquals(0.9f, row[13]);
        assertEquals(1f, row[15], "new device");
        assertEquals(1f, row[18], "midnight UTC is night");
        assertEquals("device_risk", FraudFeatures.name(13));
        assertEquals("velocity_count_1m", FraudFeatures.name(21));
    }
}
