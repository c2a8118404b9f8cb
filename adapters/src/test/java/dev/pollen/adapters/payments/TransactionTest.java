package dev.pollen.adapters.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.VelocitySnapshot;
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
                .transactionId("t9").build(), "transaction 't9'", "amount must be a finite number, not negative",
                "(found -1.0)");
        assertRejected(() -> Transaction.builder("card_0001", Double.NaN, Money.USD, MerchantCategory.FUEL, "US",
                "US").build(), "(found NaN)");
        assertRejected(() -> Transaction.builder("card_0001", Double.POSITIVE_INFINITY, Money.USD,
                MerchantCategory.FUEL, "US", "US").build(), "(found Infinity)");
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
        assertRejected(() -> valid().ipCountry("usa").build(), "ipCountry must be an ISO 3166 alpha-2 code",
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
        FraudFeatures.encode(tx, new VelocitySnapshot(), FloatBuffer.wrap(row), 0);
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
