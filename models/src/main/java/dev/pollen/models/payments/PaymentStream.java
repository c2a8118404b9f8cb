package dev.pollen.models.payments;

import dev.pollen.adapters.payments.CardNetwork;
import dev.pollen.adapters.payments.MerchantCategory;
import dev.pollen.adapters.payments.Money;
import dev.pollen.adapters.payments.Region;
import dev.pollen.adapters.payments.Transaction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A reproducible synthetic card-payment stream with labelled fraud and per-processor authorization outcomes. The
 * same seed and sizes always give the same stream, in time order. The patterns are documented in
 * {@code models/README.md}; in short:
 *
 * <ul>
 *   <li><b>Legitimate spending</b>: each card has a home country, network, age, favourite categories, a spending
 *       scale and a daily rhythm; some cardholders travel (foreign merchant and IP), change devices, subscribe.</li>
 *   <li><b>Card testing</b>: a stolen card gets a burst of tiny digital-goods charges within two minutes from a new,
 *       risky device abroad, often followed by a large electronics <b>cash-out</b> within the hour.</li>
 *   <li><b>Account takeover</b>: an old card suddenly buys expensive electronics or travel at night from a new,
 *       high-risk device and a risky e-mail, often from another country.</li>
 *   <li><b>Fraud rings</b>: groups of young cards sharing flagged devices and disposable e-mails spend on gambling,
 *       digital goods and electronics within the same hours.</li>
 *   <li><b>Friendly fraud</b>: disputed purchases that look like the cardholder's normal spending (the hard,
 *       unlearnable part that keeps AUC below 1).</li>
 * </ul>
 *
 * Authorization: processor {@code k} approves with probability {@code sigmoid(score_k)}, where the score depends on
 * card network, card region, amount, cross-border and hour of day (see {@link #authScore}); outcomes are sampled.
 */
public final class PaymentStream {
    /** The processors the router chooses between. */
    public static final String[] PROCESSORS = {"atlas-pay", "euro-acquire", "global-route"};

    private static final String[] COUNTRIES = {"US", "US", "US", "US", "CA", "GB", "DE", "FR", "ES", "IT", "NL",
        "BR", "MX", "IN", "JP", "SG", "AU"};
    private static final String[] RISKY_COUNTRIES = {"NG", "RU", "VN", "UA", "RO", "ID", "PH"};
    private static final double[] CATEGORY_BASE_USD = {45, 30, 50, 350, 420, 20, 80, 15};
    private static final long DAY = 86_400_000L;

    /** Start of the generated period: 2026-11-02T00:00Z, a Monday. */
    public static final long START_MILLIS = 1_793_577_600_000L;

    private final long seed;
    private final int cards;
    private final int days;

    /**
     * @param seed the seed
     * @param cards number of cards
     * @param days length of the period
     */
    public PaymentStream(long seed, int cards, int days) {
        if (cards < 100 || days < 1) {
            throw new IllegalArgumentException("need at least 100 cards and 1 day (found " + cards + ", " + days + ")");
        }
        this.seed = seed;
        this.cards = cards;
        this.days = days;
    }

    /** @return a description for lineage */
    public String describe() {
        return "pollen-models PaymentStream seed=" + seed + " cards=" + cards + " days=" + days;
    }

    private record Card(String id, String country, CardNetwork network, int ageDays, double scale,
            MerchantCategory[] favourites, double perDay, boolean traveller) {
    }

    /** @return every transaction of the period, in time order */
    public List<LabeledTransaction> generate() {
        SplittableRandom random = new SplittableRandom(seed);
        List<Card> all = new ArrayList<>(cards);
        for (int c = 0; c < cards; c++) {
            all.add(newCard(random, c));
        }
        List<LabeledTransaction> out = new ArrayList<>();
        long end = START_MILLIS + days * DAY;
        for (Card card : all) {
            int n = poisson(random, card.perDay * days);
            for (int i = 0; i < n; i++) {
                out.add(legit(random, card, START_MILLIS + dayTime(random, days)));
            }
        }
        int testers = Math.max(1, cards * 3 / 1000);
        for (int i = 0; i < testers; i++) {
            cardTesting(random, all.get(random.nextInt(cards)), START_MILLIS + (long) (random.nextDouble() * (end
                    - START_MILLIS - DAY)), out);
        }
        int takeovers = Math.max(1, cards * 2 / 1000);
        for (int i = 0; i < takeovers; i++) {
            Card card = all.get(random.nextInt(cards));
            if (card.ageDays > 180) {
                accountTakeover(random, card, START_MILLIS + dayTime(random, days), out);
            }
        }
        int rings = Math.max(1, cards / 5000);
        for (int r = 0; r < rings; r++) {
            fraudRing(random, r, START_MILLIS + dayTime(random, days), out);
        }
        out.sort(Comparator.comparingLong(t -> t.tx().timestampMillis()));
        return out;
    }

    private Card newCard(SplittableRandom random, int index) {
        String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
        double n = random.nextDouble();
        CardNetwork network = n < 0.5 ? CardNetwork.VISA : n < 0.8 ? CardNetwork.MASTERCARD
                : n < 0.92 ? CardNetwork.AMEX : CardNetwork.DISCOVER;
        int age = 1 + (int) (-Math.log(1 - random.nextDouble()) * 700);
        MerchantCategory[] all = MerchantCategory.values();
        MerchantCategory[] favourites = new MerchantCategory[3];
        favourites[0] = MerchantCategory.GROCERY;
        favourites[1] = all[random.nextInt(all.length)];
        favourites[2] = all[random.nextInt(all.length)];
        double scale = Math.exp(random.nextGaussian() * 0.4);
        double perDay = 0.3 + random.nextDouble() * 2.5;
        return new Card(String.format("card_%08d", index), country, network, Math.min(age, 9000), scale, favourites,
                perDay, random.nextDouble() < 0.08);
    }

    private static long dayTime(SplittableRandom random, int days) {
        long day = random.nextInt(days);
        // Daytime-heavy rhythm: a mixture peaking in the afternoon, a thin night tail.
        double hour = random.nextDouble() < 0.9 ? clamp(random.nextGaussian() * 3.5 + 15, 0, 23.99)
                : random.nextDouble() * 24;
        return day * DAY + (long) (hour * 3_600_000L) + random.nextInt(60_000);
    }

    private LabeledTransaction legit(SplittableRandom random, Card card, long t) {
        MerchantCategory mcc = random.nextDouble() < 0.75 ? card.favourites[random.nextInt(3)]
                : MerchantCategory.values()[random.nextInt(8)];
        if (mcc == MerchantCategory.GAMBLING && random.nextDouble() < 0.7) {
            mcc = MerchantCategory.RESTAURANT;
        }
        double usd = CATEGORY_BASE_USD[mcc.ordinal()] * card.scale * Math.exp(random.nextGaussian() * 0.6);
        boolean abroad = card.traveller ? random.nextDouble() < 0.5 : random.nextDouble() < 0.03;
        String merchantCountry = abroad ? COUNTRIES[random.nextInt(COUNTRIES.length)] : card.country;
        String ip = abroad && random.nextDouble() < 0.8 ? merchantCountry
                : random.nextDouble() < 0.02 ? COUNTRIES[random.nextInt(COUNTRIES.length)] : card.country;
        boolean present = (mcc == MerchantCategory.GROCERY || mcc == MerchantCategory.RESTAURANT
                || mcc == MerchantCategory.FUEL) && random.nextDouble() < 0.7;
        float deviceRisk = (float) (random.nextDouble() < 0.9 ? random.nextDouble() * 0.3 : random.nextDouble() * 0.7);
        float emailRisk = (float) (random.nextDouble() < 0.9 ? random.nextDouble() * 0.3 : random.nextDouble() * 0.6);
        boolean recurring = mcc == MerchantCategory.SUBSCRIPTION && random.nextDouble() < 0.8;
        boolean friendly = random.nextDouble() < 0.0004;
        Transaction tx = tx(random, card, t, usd, merchantCountry, ip, mcc, card.ageDays + (int) ((t - START_MILLIS)
                / DAY), deviceRisk, emailRisk, random.nextDouble() < 0.03, recurring, present);
        return label(random, tx, friendly, friendly ? "friendly_fraud" : "legit");
    }

    private void cardTesting(SplittableRandom random, Card card, long t, List<LabeledTransaction> out) {
        int probes = 5 + random.nextInt(11);
        String country = RISKY_COUNTRIES[random.nextInt(RISKY_COUNTRIES.length)];
        float deviceRisk = (float) (0.4 + random.nextDouble() * 0.5);
        for (int i = 0; i < probes; i++) {
            long at = t + (long) (random.nextDouble() * 110_000);
            Transaction tx = tx(random, card, at, 0.5 + random.nextDouble() * 4.4, country, country,
                    MerchantCategory.DIGITAL_GOODS, card.ageDays, deviceRisk, (float) random.nextDouble(),
                    random.nextDouble() < 0.8, false, false);
            out.add(label(random, tx, true, "card_testing"));
        }
        if (random.nextDouble() < 0.7) {
            long at = t + 120_000 + (long) (random.nextDouble() * 3_000_000);
            Transaction tx = tx(random, card, at, 300 + random.nextDouble() * 1700, card.country, country,
                    MerchantCategory.ELECTRONICS, card.ageDays, deviceRisk, (float) random.nextDouble(), true,
                    false, false);
            out.add(label(random, tx, true, "cash_out"));
        }
    }

    private void accountTakeover(SplittableRandom random, Card card, long t, List<LabeledTransaction> out) {
        int n = 1 + random.nextInt(3);
        long night = t - Math.floorMod(t, DAY) + (long) (random.nextDouble() * 6 * 3_600_000L);
        boolean foreign = random.nextDouble() < 0.7;
        String ip = foreign ? RISKY_COUNTRIES[random.nextInt(RISKY_COUNTRIES.length)] : card.country;
        for (int i = 0; i < n; i++) {
            long at = (random.nextDouble() < 0.6 ? night : t) + i * (long) (random.nextDouble() * 1_800_000);
            MerchantCategory mcc = random.nextDouble() < 0.6 ? MerchantCategory.ELECTRONICS : MerchantCategory.TRAVEL;
            Transaction tx = tx(random, card, at, 400 + random.nextDouble() * 2600, card.country, ip, mcc,
                    card.ageDays, (float) (0.5 + random.nextDouble() * 0.5), (float) (0.3 + random.nextDouble() * 0.6),
                    random.nextDouble() < 0.9, false, false);
            out.add(label(random, tx, true, "account_takeover"));
        }
    }

    private void fraudRing(SplittableRandom random, int ring, long t, List<LabeledTransaction> out) {
        int members = 20 + random.nextInt(30);
        String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
        for (int m = 0; m < members; m++) {
            Card card = new Card(String.format("ring%02d_%04d", ring, m), country, CardNetwork.VISA,
                    1 + random.nextInt(30), 1, new MerchantCategory[0], 0, false);
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                long at = t + (long) (random.nextDouble() * 4 * 3_600_000L);
                double pick = random.nextDouble();
                MerchantCategory mcc = pick < 0.4 ? MerchantCategory.GAMBLING : pick < 0.7
                        ? MerchantCategory.DIGITAL_GOODS : MerchantCategory.ELECTRONICS;
                Transaction tx = tx(random, card, at, 100 + random.nextDouble() * 700, country, country, mcc,
                        card.ageDays, (float) (0.6 + random.nextDouble() * 0.35),
                        (float) (0.5 + random.nextDouble() * 0.5), random.nextDouble() < 0.5, false, false);
                out.add(label(random, tx, true, "fraud_ring"));
            }
        }
    }

    private static Transaction tx(SplittableRandom random, Card card, long t, double usd, String merchantCountry,
            String ip, MerchantCategory mcc, int ageDays, float deviceRisk, float emailRisk, boolean newDevice,
            boolean recurring, boolean present) {
        Money currency = currencyOf(merchantCountry);
        double amount = Math.round(usd / currency.usdRate() * 100) / 100.0;
        return new Transaction(Long.toHexString(random.nextLong()), card.id, t, amount, currency, mcc,
                merchantCountry, card.country, ip, card.network, ageDays, deviceRisk, emailRisk, newDevice,
                recurring, present);
    }

    static Money currencyOf(String country) {
        return switch (Region.of(country)) {
            case US, OTHER -> Money.USD;
            case CANADA -> Money.CAD;
            case EUROPE -> country.equals("GB") ? Money.GBP : Money.EUR;
            case LATAM -> country.equals("MX") ? Money.MXN : Money.BRL;
            case APAC -> switch (country) {
                case "IN" -> Money.INR;
                case "JP" -> Money.JPY;
                case "SG" -> Money.SGD;
                default -> Money.AUD;
            };
        };
    }

    private LabeledTransaction label(SplittableRandom random, Transaction tx, boolean fraud, String pattern) {
        float[] p = new float[PROCESSORS.length];
        boolean[] ok = new boolean[PROCESSORS.length];
        for (int k = 0; k < p.length; k++) {
            p[k] = (float) (1 / (1 + Math.exp(-authScore(k, tx))));
            ok[k] = random.nextDouble() < p[k];
        }
        return new LabeledTransaction(tx, fraud, pattern, p, ok);
    }

    /**
     * The true log-odds that processor {@code k} authorizes {@code tx}: atlas-pay is strong on US Visa and
     * Mastercard and weak abroad; euro-acquire is strong in Europe and on Mastercard, weak on Amex and on large
     * amounts; global-route is average everywhere, best on Amex and large or cross-border amounts, and dips during
     * its nightly maintenance (01:00-04:00 UTC).
     *
     * @param k processor index
     * @param tx the transaction
     * @return log-odds of authorization
     */
    static double authScore(int k, Transaction tx) {
        Region region = Region.of(tx.cardCountry());
        double logUsd = Math.log1p(tx.amountUsd());
        boolean cross = !tx.merchantCountry().equals(tx.cardCountry());
        int hour = (int) Math.floorMod(tx.timestampMillis() / 3_600_000L, 24L);
        CardNetwork n = tx.network();
        return switch (k) {
            case 0 -> 2.2 + (region == Region.US ? 0.8 : region == Region.CANADA ? 0.3 : -1.0)
                    + (n == CardNetwork.VISA || n == CardNetwork.MASTERCARD ? 0.4 : -0.6) - (cross ? 0.9 : 0)
                    - 0.15 * Math.max(0, logUsd - 5);
            case 1 -> 1.8 + (region == Region.EUROPE ? 1.2 : -0.5) + (n == CardNetwork.MASTERCARD ? 0.5
                    : n == CardNetwork.AMEX ? -1.2 : 0) - 0.45 * Math.max(0, logUsd - 4.5) - (cross ? 0.3 : 0);
            default -> 1.9 + (n == CardNetwork.AMEX ? 0.9 : 0) + (cross ? 0.2 : 0)
                    + 0.1 * Math.max(0, logUsd - 5) - (hour >= 1 && hour < 4 ? 1.6 : 0);
        };
    }

    private static int poisson(SplittableRandom random, double mean) {
        double l = Math.exp(-Math.min(mean, 700));
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
